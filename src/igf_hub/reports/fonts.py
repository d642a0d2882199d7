"""The fonts the yearly report's scripts need, shipped in Python packages (SIL OFL Noto; nothing is downloaded
at run time): Noto Sans (Latin, Cyrillic), Noto Sans Arabic, Noto Sans CJK (Chinese). The page serves them from
``/reports/fonts/…``; the PDF printer reads them from the packages' files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cvttf_NotoSansCJK_Regular  # type: ignore[import-untyped]  # font files only
import fontpkg_noto_sans  # type: ignore[import-untyped]
import fontpkg_noto_sans_arabic  # type: ignore[import-untyped]


@dataclass(frozen=True)
class Font:
    name: str  # the file name the page serves it under
    family: str
    path: Path
    media_type: str
    # The scripts it draws (CSS unicode-range), so a browser fetches the CJK font only for a page that needs it.
    unicode_range: str = ""
    weight: str = "100 900"


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    if not found:
        raise FileNotFoundError(f"no font {pattern} in {folder}: reinstall the font packages")
    return found[0]


def fonts() -> list[Font]:
    latin = Path(fontpkg_noto_sans.ROOT) / "files"
    arabic = Path(fontpkg_noto_sans_arabic.ROOT) / "files"
    cjk = Path(cvttf_NotoSansCJK_Regular.__file__).parent
    return [
        Font("noto-sans.ttf", "Noto Sans", _one(latin, "NotoSans[[]*.ttf"), "font/ttf"),
        Font(
            "noto-sans-arabic.ttf",
            "Noto Sans Arabic",
            _one(arabic, "NotoSansArabic*.ttf"),
            "font/ttf",
            unicode_range="U+0600-06FF, U+0750-077F, U+08A0-08FF, U+FB50-FDFF, U+FE70-FEFF",
        ),
        Font(
            "noto-sans-cjk.otf",
            "Noto Sans CJK SC",
            _one(cjk, "*.otf"),
            "font/otf",
            unicode_range="U+2E80-2FDF, U+3000-30FF, U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF, U+FF00-FFEF",
            weight="400",
        ),
    ]


FAMILIES = '"Noto Sans", "Noto Sans Arabic", "Noto Sans CJK SC", sans-serif'
# The web page adds only the scripts a reader's system may lack (the site's font stack names them): a Latin page
# downloads no font at all (tests/support/browser.py: PAGE_BUDGET, no web fonts).
# The language switcher on every page names Arabic and Chinese: a page loads only its own language's face, or
# every page would download the 16 MB CJK font for two characters.
WEB = {"ar": ("noto-sans-arabic.ttf",), "zh": ("noto-sans-cjk.otf",)}


def font_face_css(url_of: dict[str, str] | None = None, *, only: tuple[str, ...] | None = None) -> str:
    """@font-face rules for every font (or those named in ``only``), at ``url_of[name]`` (default: the page's
    ``/reports/fonts/{name}``)."""
    rules = []
    for font in fonts():
        if only is not None and font.name not in only:
            continue
        url = (url_of or {}).get(font.name, f"/reports/fonts/{font.name}")
        fmt = "truetype" if font.media_type == "font/ttf" else "opentype"
        rng = f" unicode-range: {font.unicode_range};" if font.unicode_range else ""
        rules.append(
            f'@font-face {{ font-family: "{font.family}"; src: url("{url}") format("{fmt}"); '
            f"font-weight: {font.weight}; font-display: swap;{rng} }}"
        )
    return "\n".join(rules) + "\n"


def by_name(name: str) -> Font | None:
    return next((f for f in fonts() if f.name == name), None)
