"""``./dev screenshots``: PNGs of the public pages for the README, taken with Playwright and Debian's chromium
from a running site (by default ``./dev serve --demo`` at http://127.0.0.1:8000).

    IGF_HUB_DATA_DIR=.igf_hub-demo ./dev serve --demo      # in one terminal
    ./dev screenshots [--url http://127.0.0.1:8000] [--out docs/screenshots]

Each page domain adds its own line to ``SHOTS``.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
from pathlib import Path

from playwright.async_api import async_playwright

# (file name, path, the link to follow from it or None): the pages the README shows. A Message's address holds
# its id, new with each demo load, so its reading view is reached from the Arabic archive by its title (the
# archive lists each Message under its original title; the reading view shows the reader's language).
SHOTS: list[tuple[str, str, str | None]] = [
    ("home-en", "/en/", None),
    ("home-ar", "/ar/", None),
    ("nris-en", "/en/nris", None),
    ("message-ar", "/ar/messages", "Connectivity that reaches the last village"),
]


async def take(url: str, out: Path, shots: list[tuple[str, str, str | None]] = SHOTS) -> list[Path]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("screenshots need Debian's chromium package (apt-get install chromium)")
    await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
    written = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            context = await browser.new_context(viewport={"width": 1200, "height": 900})
            page = await context.new_page()
            for name, path, follow in shots:
                answer = await page.goto(url.rstrip("/") + path, wait_until="networkidle")
                if answer is None or answer.status != 200:
                    raise SystemExit(
                        f"{path} answered {answer.status if answer else 'nothing'}: is the site up?"
                    )
                if follow is not None:
                    link = page.get_by_role("link", name=follow, exact=True).first
                    if not await link.count():
                        raise SystemExit(f"{path} has no link {follow!r}: is the demonstration data loaded?")
                    await link.click()
                    await page.wait_for_load_state("networkidle")
                target = out / f"{name}.png"
                await page.screenshot(path=target, full_page=True)
                written.append(target)
        finally:
            await browser.close()
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="./dev screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running site")
    parser.add_argument("--out", default="docs/screenshots", type=Path, help="where the PNGs go")
    args = parser.parse_args(argv)
    for path in asyncio.run(take(args.url, args.out)):
        print(f"wrote {path}")  # noqa: T201 - a command's report
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
