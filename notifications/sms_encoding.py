"""SMS encoding and segment count (3GPP TS 23.038): what a message will cost before it is sent.

A message is GSM-7 when every character is in the basic table or its extension table (an extension
character takes two septets: escape + char); one character outside both switches the whole message to
UCS-2. Segments: GSM-7 160 septets alone, 153 per part when concatenated; UCS-2 70 / 67 code units
(a character outside the BMP, e.g. an emoji, takes two).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class SmsCost:
    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int

    @property
    def single_segment(self) -> bool:
        return self.segments <= 1


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def sms_cost(text: str) -> SmsCost:
    """Encoding, length in units and number of segments of `text` sent as one SMS."""
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        return SmsCost("GSM-7", units, _segments(units, single=160, part=153, escape_pairs=_gsm_escapes(text)))
    units = len(text.encode("utf-16-le")) // 2
    return SmsCost("UCS-2", units, _segments(units, single=70, part=67))


def _gsm_escapes(text: str) -> list[int]:
    """Positions (in septets) where an escape pair starts: a pair is never split across two parts."""
    positions, offset = [], 0
    for ch in text:
        if ch in GSM7_EXTENSION:
            positions.append(offset)
            offset += 2
        else:
            offset += 1
    return positions


def _segments(units: int, *, single: int, part: int, escape_pairs: list[int] | None = None) -> int:
    if units == 0:
        return 1  # an empty SMS is still one (empty) message
    if units <= single:
        return 1
    if not escape_pairs:
        return -(-units // part)
    # Walk the parts so that an escape + character pair that would straddle a boundary moves whole.
    pairs = set(escape_pairs)
    segments, used, position = 1, 0, 0
    while position < units:
        width = 2 if position in pairs else 1
        if used + width > part:
            segments, used = segments + 1, 0
        used += width
        position += width
    return segments


# Characters outside GSM-7 that French texts meet, and the nearest GSM-7 spelling.
_FALLBACKS = {
    "’": "'", "‘": "'", "«": '"', "»": '"', "“": '"', "”": '"', "–": "-", "—": "-", "…": "...",
    "\u00a0": " ", "\u202f": " ", "œ": "oe", "Œ": "OE", "ç": "c", "ɔ": "o", "Ɔ": "O", "ɛ": "e", "Ɛ": "E",
}


def to_gsm7(text: str) -> str:
    """The nearest GSM-7 text: keeps é è à ù (GSM-7 has them), turns ê â î ô û ç ë ï œ into e a i o u c..."""
    out = []
    for ch in text:
        if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
            out.append(ch)
        elif ch in _FALLBACKS:
            out.append(_FALLBACKS[ch])
        else:
            base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
            out.append(base if base and all(c in GSM7_BASIC for c in base) else "?")
    return "".join(out)
