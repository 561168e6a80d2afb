"""Reading a provider's reply ("OUI K7Q2", "non k7q2 2", "Vu", "/start AB12CD") into a neutral command.

Pure: no database. The vocabulary (word -> intent) is a parameter; the POS file supplies it, these are the
defaults. Forgiving: case, accents, punctuation, extra spaces, the code before the word, a code typed with
a space or "R-" (hub.codes.normalise_code). A missing code gives `code=None`: the caller resolves it when
the sender has exactly one pending referral, and asks for it otherwise. Never raises.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from hub.codes import ALPHABET, normalise_code


class Intent(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    ACKNOWLEDGE = "acknowledge"
    STATUS = "status"
    HELP = "help"
    FULL = "full"
    AVAILABLE = "available"
    START = "start"
    UNKNOWN = "unknown"


DEFAULT_VOCABULARY: dict[str, Intent] = {
    # French, Bambara (awo / awɔ = yes, ayi = no), English
    "OUI": Intent.ACCEPT, "OK": Intent.ACCEPT, "ACCEPTE": Intent.ACCEPT, "ACCEPTER": Intent.ACCEPT,
    "AWO": Intent.ACCEPT, "AWƆ": Intent.ACCEPT, "YES": Intent.ACCEPT, "ACCEPT": Intent.ACCEPT,
    "NON": Intent.DECLINE, "REFUS": Intent.DECLINE, "REFUSE": Intent.DECLINE, "REFUSER": Intent.DECLINE,
    "AYI": Intent.DECLINE, "NO": Intent.DECLINE, "DECLINE": Intent.DECLINE,
    "VU": Intent.ACKNOWLEDGE, "SEEN": Intent.ACKNOWLEDGE,
    "STATUT": Intent.STATUS, "STATUS": Intent.STATUS,
    "AIDE": Intent.HELP, "HELP": Intent.HELP, "?": Intent.HELP,
    "PLEIN": Intent.FULL, "COMPLET": Intent.FULL, "FULL": Intent.FULL,
    "DISPO": Intent.AVAILABLE, "DISPONIBLE": Intent.AVAILABLE, "AVAILABLE": Intent.AVAILABLE,
    "START": Intent.START,
}

# Intents that act on one referral, so the token after the word may be its code.
_TAKES_CODE = {Intent.ACCEPT, Intent.DECLINE, Intent.ACKNOWLEDGE, Intent.STATUS}
_TOKEN = re.compile(r"[^\s,;:!.¡¿()\[\]{}\"«»“”]+|\?")
_ELISION = re.compile(r"^[JLDC]['’]", re.IGNORECASE)  # J'ACCEPTE -> ACCEPTE
_MAX_TEXT = 1600  # a concatenated SMS is at most ~1,600 characters; ignore anything beyond
_LINK_CODE = re.compile(r"^[0-9A-Z]{4,32}$")


@dataclass(frozen=True)
class Reply:
    intent: Intent
    code: str | None = None  # referral code (or, for START, the one-time link code)
    reason_number: int | None = None  # decline: "NON K7Q2 2" -> 2 (the POS's numbered reasons)
    reason_text: str | None = None  # decline: free text after the code; capacity: the service named
    text: str = ""  # the text as received


def fold(word: str) -> str:
    """Uppercase without accents; Bambara ɔ / ɛ read as o / e (AWƆ -> AWO)."""
    word = word.replace("ɔ", "o").replace("Ɔ", "O").replace("ɛ", "e").replace("Ɛ", "E")
    stripped = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return stripped.upper()


def parse_reply(text: str, vocabulary: Mapping[str, str] | None = None) -> Reply:
    try:
        return _parse(text if isinstance(text, str) else "", vocabulary)
    except Exception:  # a reply we cannot read must never become a 500: it becomes "unknown"
        return Reply(Intent.UNKNOWN, text=text if isinstance(text, str) else "")


def _parse(text: str, vocabulary: Mapping[str, str] | None) -> Reply:
    words = {fold(k): Intent(v) for k, v in (vocabulary or DEFAULT_VOCABULARY).items()}
    tokens = _TOKEN.findall(text[:_MAX_TEXT])
    keys = [_key(token) for token in tokens]
    if not tokens:
        return Reply(Intent.UNKNOWN, text=text)

    code_first = None
    if keys[0] in words:
        intent, rest, rest_keys = words[keys[0]], tokens[1:], keys[1:]
    elif len(keys) > 1 and keys[1] in words and normalise_code(tokens[0]):
        # "K7Q2 OUI": the code first
        code_first = normalise_code(tokens[0])
        intent, rest, rest_keys = words[keys[1]], tokens[2:], keys[2:]
    else:
        return Reply(Intent.UNKNOWN, text=text)

    if intent is Intent.START:
        link = re.sub(r"[\s\-_.]", "", " ".join(rest)).upper() if rest else ""
        link = link.translate(str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"}))
        ok = _LINK_CODE.match(link) and all(c in ALPHABET for c in link)
        return Reply(Intent.START, code=link if ok else None, text=text)

    code, rest = (code_first, rest) if code_first else _take_code(intent, rest, rest_keys)
    if intent in (Intent.FULL, Intent.AVAILABLE):
        return Reply(intent, reason_text=" ".join(rest) or None, text=text)
    if intent is Intent.DECLINE:
        number = None
        if rest and rest[0].isdigit() and len(rest[0]) <= 2:
            number, rest = int(rest[0]), rest[1:]
        return Reply(intent, code=code, reason_number=number, reason_text=" ".join(rest) or None, text=text)
    return Reply(intent, code=code, text=text)


def _key(token: str) -> str:
    token = _ELISION.sub("", token)
    return fold(token.strip("'’-/")).lstrip("/").split("@", 1)[0]  # "/start@SiraBot" -> START


def _take_code(intent: Intent, rest: list[str], rest_keys: list[str]) -> tuple[str | None, list[str]]:
    """The referral code at the start of `rest`, typed as one token or split in two ("K7 Q2", "R K7Q2")."""
    if intent not in _TAKES_CODE or not rest:
        return None, rest
    if rest_keys[0] == "R" and len(rest) > 1 and normalise_code(rest[1]):
        return normalise_code(rest[1]), rest[2:]
    if code := normalise_code(rest[0]):
        return code, rest[1:]
    if len(rest) > 1 and (code := normalise_code(rest[0] + rest[1])) and len(rest[0]) < 4:
        return code, rest[2:]
    return None, rest
