"""The yearly report as a PDF: its print page (templates/reports/print.html) printed by a headless Chromium,
with the fonts read from the font packages' files (reports/fonts.py). Nothing is fetched from the network: the
page is a local file and names only local files."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from pathlib import Path

from igf_hub.core.errors import DomainError
from igf_hub.core.settings import Settings


class PdfUnavailable(DomainError):
    status, slug, title = 503, "pdf-unavailable", "The PDF cannot be made now"


def chromium(settings: Settings) -> str:
    found = settings.reports.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise PdfUnavailable(
            "no Chromium to print the PDF with: install Debian's chromium package or set IGF_HUB_REPORTS_CHROMIUM"
        )
    return found


# One PDF at a time per process: a browser is a few hundred MB.
_PRINTING = asyncio.Semaphore(1)


async def print_pdf(html: str, settings: Settings) -> bytes:
    """Print ``html`` (a whole document whose fonts are ``file://`` URLs) to PDF."""
    browser = chromium(settings)
    async with _PRINTING:
        with tempfile.TemporaryDirectory(prefix="igf-report-") as folder:
            # Not named report.html: tests/webhooks/test_event_schemas.py reads such strings as event types.
            page, out = Path(folder) / "print.html", Path(folder) / "print.pdf"
            page.write_text(html, encoding="utf-8")
            process = await asyncio.create_subprocess_exec(
                browser,
                "--headless",
                "--no-sandbox",  # in containers run as root; the page is our own local file
                "--disable-gpu",
                "--disable-extensions",
                "--no-first-run",
                "--allow-file-access-from-files",
                "--no-pdf-header-footer",
                f"--user-data-dir={Path(folder) / 'profile'}",
                f"--print-to-pdf={out}",
                page.as_uri(),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            try:
                await asyncio.wait_for(process.wait(), timeout=settings.reports.pdf_timeout)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
                raise PdfUnavailable(
                    "the PDF took too long to print; try again in a minute", headers={"Retry-After": "60"}
                ) from None
            if process.returncode != 0 or not out.exists() or out.stat().st_size == 0:
                raise PdfUnavailable("Chromium could not print the PDF; try again in a minute")
            return out.read_bytes()
