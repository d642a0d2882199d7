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

# (file name, path): the pages the README shows.
SHOTS = [
    ("home-en", "/en/"),
    ("home-ar", "/ar/"),
    ("nris-en", "/en/nris"),
]


async def take(url: str, out: Path, shots: list[tuple[str, str]] = SHOTS) -> list[Path]:
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
            for name, path in shots:
                answer = await page.goto(url.rstrip("/") + path, wait_until="networkidle")
                if answer is None or answer.status != 200:
                    raise SystemExit(
                        f"{path} answered {answer.status if answer else 'nothing'}: is the site up?"
                    )
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
