"""Referral codes that people type on a phone keypad: short, unambiguous, forgiving when read back.

Crockford base32 (no I, L, O, U), four characters with at least one digit: 32**4 - 22**4 = 814,320
codes. The digit keeps ordinary four-letter words of a reply ("NON DEJA") from reading as a code.
Reading a code back forgives case, spaces, a leading "R-" and the O/0, I/1, L/1 confusions.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 4
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_SEPARATORS = re.compile(r"[\s\-_.]")


def new_code(length: int = CODE_LENGTH) -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if any(ch.isdigit() for ch in code):
            return code


def normalise_code(text: str) -> str | None:
    """The code a person meant, or None when the text cannot be one."""
    candidate = text.strip().upper()
    if candidate.startswith("R-") or candidate.startswith("R "):
        # "R-K7Q2" is the code K7Q2 with its prefix, but "R-000" can only be the code R000 typed with a dash.
        return _as_code(candidate[2:]) or _as_code(candidate)
    return _as_code(candidate)


def _as_code(candidate: str) -> str | None:
    candidate = _SEPARATORS.sub("", candidate).translate(_CONFUSABLE)
    if len(candidate) != CODE_LENGTH or any(ch not in ALPHABET for ch in candidate):
        return None
    if not any(ch.isdigit() for ch in candidate):
        return None
    return candidate
