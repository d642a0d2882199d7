"""The text of a PDF in logical order, read the way the PDF standard says (ISO 32000, 14.9.4 and 14.8.2.3.3):
a marked-content span's ``/ActualText`` replaces the glyphs it wraps, and the clusters inside a
``/ReversedChars`` sequence were drawn right to left, so they are read back reversed. Other glyphs are mapped to
text through their font's ``/ToUnicode`` CMap. Chromium's PDF writer (Skia) marks shaped Arabic this way;
pypdf's own extract_text ignores both marks and returns presentation forms in visual order.

Written here, from the content stream (pypdf only parses it), so the check does not trust the code that made
the PDF."""

from __future__ import annotations

import io
import re
from typing import Any

from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject

_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def _cmap(font: Any) -> tuple[dict[bytes, str], int]:
    """code bytes -> text, and the code width in bytes, from a font's /ToUnicode (bfchar and bfrange)."""
    mapping: dict[bytes, str] = {}
    width = 1
    if "/ToUnicode" not in font:
        return mapping, width
    data = font["/ToUnicode"].get_object().get_data()
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        pairs = _HEX.findall(block)
        for code, text in zip(pairs[::2], pairs[1::2], strict=False):
            width = len(code) // 2
            mapping[bytes.fromhex(code.decode())] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for line in block.strip().splitlines():
            parts = _HEX.findall(line)
            if len(parts) != 3:
                continue
            low, high, first = (int(p, 16) for p in parts)
            width = len(parts[0]) // 2
            for offset, code in enumerate(range(low, high + 1)):
                mapping[code.to_bytes(width, "big")] = chr(first + offset)
    return mapping, width


ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


class _Page:
    """One page's reading: its text objects (BT … ET) with where each starts, the open marked-content sequences
    and the current font."""

    def __init__(self) -> None:
        # (y, x, its pieces in drawing order): a right-to-left sequence is one piece, already in logical order.
        self.blobs: list[tuple[float, float, list[tuple[str, bool]]]] = []
        self.out: list[tuple[str, bool]] = []  # (text, drawn as a right-to-left sequence)
        self.at: tuple[float, float] | None = None
        # ("rev", clusters) | ("span", None) | ("other", None)
        self.stack: list[tuple[str, list[str] | None]] = []
        self.font: tuple[dict[bytes, str], int] = ({}, 1)

    def add(self, text: str) -> None:
        for kind, items in reversed(self.stack):
            if kind == "span":
                return  # its ActualText stands for these glyphs
            if kind == "rev":
                assert items is not None
                items.append(text)
                return
        self.out.append((text, False))

    def decode(self, raw: bytes) -> str:
        mapping, width = self.font
        return "".join(mapping.get(raw[i : i + width], "") for i in range(0, len(raw), width))

    def end_text(self) -> None:
        pieces: list[tuple[str, bool]] = []
        plain = ""
        for text, rtl in [*self.out, ("", True)]:
            if rtl:
                pieces += [(word, bool(ARABIC.search(word))) for word in plain.split()]
                plain = ""
                if text.strip():
                    pieces.append((text.strip(), True))
            else:
                plain += text
        if pieces and self.at is not None:
            self.blobs.append((round(self.at[1]), self.at[0], pieces))
        self.out, self.at = [], None

    def lines(self) -> list[str]:
        """Each line's text objects in reading order: left to right, or right to left on a line with Arabic,
        where a run of left-to-right objects (numbers, Latin words) keeps its own order (the bidi algorithm's
        reordering, undone)."""
        rows: dict[int, list[tuple[float, list[tuple[str, bool]]]]] = {}
        for y, x, pieces in self.blobs:
            rows.setdefault(int(y), []).append((x, pieces))
        found = []
        for y in sorted(rows):
            # Drawn left to right: the objects by where they start, the pieces of each as drawn.
            cells = [piece for _, pieces in sorted(rows[y], key=lambda r: r[0]) for piece in pieces]
            if not any(rtl for _, rtl in cells):
                found.append(" ".join(text for text, _ in cells))
                continue
            runs: list[tuple[bool, list[str]]] = []
            for text, rtl in cells:
                if runs and runs[-1][0] == rtl:
                    runs[-1][1].append(text)
                else:
                    runs.append((rtl, [text]))
            found.append(" ".join(" ".join(reversed(r) if rtl else r) for rtl, r in reversed(runs)))
        return found


def logical_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    lines: list[str] = []
    for page in reader.pages:
        resources: Any = page["/Resources"]
        fonts = {name: _cmap(font.get_object()) for name, font in resources.get("/Font", {}).items()}
        reading = _Page()
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tm" and reading.at is None:
                reading.at = (float(operands[4]), float(operands[5]))
            elif operator == b"Tf":
                reading.font = fonts.get(operands[0], ({}, 1))
            elif operator == b"Tj":
                reading.add(reading.decode(bytes(operands[0].original_bytes)))
            elif operator == b"TJ":
                reading.add(
                    "".join(
                        reading.decode(bytes(p.original_bytes))
                        for p in operands[0]
                        if hasattr(p, "original_bytes")
                    )
                )
            elif operator in (b"BMC", b"BDC"):
                props = operands[1] if len(operands) > 1 else None
                if operands[0] == "/ReversedChars":
                    reading.stack.append(("rev", []))
                elif isinstance(props, DictionaryObject) and "/ActualText" in props:
                    reading.add(str(props["/ActualText"]))
                    reading.stack.append(("span", None))
                else:
                    reading.stack.append(("other", None))
            elif operator == b"EMC" and reading.stack:
                kind, items = reading.stack.pop()
                if kind == "rev":
                    assert items is not None
                    reading.out.append(("".join(reversed(items)), True))
            elif operator == b"ET":
                reading.end_text()
        lines += reading.lines()
    return "\n".join(lines)
