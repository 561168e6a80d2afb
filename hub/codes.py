"""Referral codes that people type on a phone keypad: short, unambiguous, forgiving when read back.

Crockford base32 (no I, L, O, U): four characters give 32**4 = 1,048,576 codes. Reading a code back
forgives case, spaces, a leading "R-" and the O/0, I/1, L/1 confusions.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 4
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_SEPARATORS = re.compile(r"[\s\-_.]")


def new_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise_code(text: str) -> str | None:
    """The code a person meant, or None when the text cannot be one."""
    candidate = text.strip().upper()
    if candidate.startswith("R-") or candidate.startswith("R "):
        candidate = candidate[2:]
    candidate = _SEPARATORS.sub("", candidate).translate(_CONFUSABLE)
    if len(candidate) != CODE_LENGTH or any(ch not in ALPHABET for ch in candidate):
        return None
    return candidate
