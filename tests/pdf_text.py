"""Just enough PDF text extraction for tests (pypdf and pdftotext are not installed): inflate every
stream, read the ToUnicode maps of the embedded fonts, decode the hex glyph strings of TJ / Tj operators.

Fits what weasyprint writes (Identity-H fonts, one ToUnicode CMap per font subset); glyph ids of the same
font family map to the same characters, so one merged map is enough for searching a code or a sentence.
"""

from __future__ import annotations

import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_PAIR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
_TRIPLE = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
_TEXT = re.compile(rb"\[(.*?)\]\s*TJ|<([0-9a-fA-F]+)>\s*Tj", re.S)
_HEX = re.compile(rb"<([0-9a-fA-F]+)>")


def _streams(data: bytes) -> list[bytes]:
    out = []
    for raw in _STREAM.findall(data):
        try:
            out.append(zlib.decompress(raw))
        except zlib.error:
            out.append(raw)
    return out


def _unicode(hex_value: bytes) -> str:
    return bytes.fromhex(hex_value.decode()).decode("utf-16-be", errors="replace")


def pdf_text(data: bytes) -> str:
    streams = _streams(data)
    glyphs: dict[int, str] = {}
    for stream in streams:
        for block in _BFCHAR.findall(stream):
            for glyph, text in _PAIR.findall(block):
                glyphs.setdefault(int(glyph, 16), _unicode(text))
        for block in _BFRANGE.findall(stream):
            for start, end, text in _TRIPLE.findall(block):
                base = int(text, 16)
                for offset, glyph in enumerate(range(int(start, 16), int(end, 16) + 1)):
                    glyphs.setdefault(glyph, chr(base + offset))
    lines = []
    for stream in streams:
        for array, single in _TEXT.findall(stream):
            pieces = _HEX.findall(array) if array else [single]
            text = "".join(glyphs.get(int(piece[i:i + 4], 16), "?")
                           for piece in pieces for i in range(0, len(piece), 4))
            lines.append(text)
    return "\n".join(lines)
