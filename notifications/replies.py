"""Reading a provider's reply ("OUI K7Q2", "non k7q2 2", "Vu", "/start AB12CD") into a neutral command.

Pure: no database. The vocabulary (word -> intent) is a parameter; the POS file supplies it, these are the
defaults. Forgiving: case, accents, punctuation, extra spaces, the code before the word, a code typed with
a space or "R-" (hub.codes.normalise_code). A missing code gives `code=None`: the caller resolves it when
the sender has exactly one pending referral, and asks for it otherwise. Never raises.
"""

from __future__ import annotations

import functools
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
# Invisible characters phones and keyboards slip in (zero-width space, joiners, BOM) separate words too.
_TOKEN = re.compile(r"[^\s,;:!.¡¿()\[\]{}\"«»“”\u200b\u200c\u200d\u2060\ufeff]+|\?")
# Punctuation stuck to a word or a code ("*OUI*", "'K7Q2'", "K7Q2…", "#K7Q2") is not part of it.
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
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


_BAMBARA_VOWELS = str.maketrans({"ɔ": "o", "Ɔ": "O", "ɛ": "e", "Ɛ": "E"})


def fold(word: str) -> str:
    """Uppercase without accents; Bambara ɔ / ɛ read as o / e (AWƆ -> AWO).

    Repeated until nothing changes, so that fold(fold(w)) == fold(w): one pass is not enough when the
    decomposition yields an ɔ ("ᵓ" -> "ɔ") or uppercasing yields an accent.
    """
    for _ in range(4):
        decomposed = unicodedata.normalize("NFKD", word.translate(_BAMBARA_VOWELS))
        folded = "".join(c for c in decomposed if not unicodedata.combining(c)).upper().translate(_BAMBARA_VOWELS)
        if folded == word:
            break
        word = folded
    return word


def parse_reply(text: str, vocabulary: Mapping[str, str] | None = None) -> Reply:
    try:
        return _parse(text if isinstance(text, str) else "", vocabulary)
    except Exception:  # a reply we cannot read must never become a 500: it becomes "unknown"
        return Reply(Intent.UNKNOWN, text=text if isinstance(text, str) else "")


@functools.lru_cache(maxsize=64)
def _folded_words(items: tuple[tuple[str, str], ...]) -> dict[str, Intent]:
    """The vocabulary keyed by folded word, folded once per vocabulary rather than on every reply (read-only)."""
    return {fold(k): Intent(v) for k, v in items}


def _parse(text: str, vocabulary: Mapping[str, str] | None) -> Reply:
    words = _folded_words(tuple((vocabulary or DEFAULT_VOCABULARY).items()))
    # A lone dash or quote mark ("OUI - K7Q2", "> OUI K7Q2") is not a word; "?" is (help).
    tokens = [t for t in _TOKEN.findall(text[:_MAX_TEXT]) if _EDGE_PUNCTUATION.sub("", t) or _key(t) in words]
    keys = [_key(token) for token in tokens]
    if not tokens:
        return Reply(Intent.UNKNOWN, text=text)

    code_first = None
    if keys[0] in words:
        intent, rest, rest_keys = words[keys[0]], tokens[1:], keys[1:]
    elif len(keys) > 1 and keys[1] in words and _code(tokens[0]):
        # "K7Q2 OUI": the code first
        code_first = _code(tokens[0])
        intent, rest, rest_keys = words[keys[1]], tokens[2:], keys[2:]
    else:
        return Reply(Intent.UNKNOWN, text=text)

    if intent is Intent.START:
        link = re.sub(r"[\s\-_.]", "", _EDGE_PUNCTUATION.sub("", " ".join(rest))).upper() if rest else ""
        link = link.translate(str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"}))
        ok = _LINK_CODE.match(link) and all(c in ALPHABET for c in link)
        return Reply(Intent.START, code=link if ok else None, text=text)

    code, rest = (code_first, rest) if code_first else _take_code(intent, rest, rest_keys)
    if intent in (Intent.FULL, Intent.AVAILABLE):
        return Reply(intent, reason_text=" ".join(rest) or None, text=text)
    if intent is Intent.DECLINE:
        number = None
        if rest and rest[0].isascii() and rest[0].isdigit() and len(rest[0]) <= 2:  # not "²"
            number, rest = int(rest[0]), rest[1:]
        return Reply(intent, code=code, reason_number=number, reason_text=" ".join(rest) or None, text=text)
    return Reply(intent, code=code, text=text)


def _key(token: str) -> str:
    token = _EDGE_PUNCTUATION.sub("", token) or token  # "*OUI*" -> OUI; "?" stays "?"
    return _ELISION.sub("", fold(token)).split("@", 1)[0]  # "J'accepte" -> ACCEPTE; "/start@SiraBot" -> START


def _code(token: str) -> str | None:
    """A referral code typed as this token, punctuation around it ignored ("'K7Q2'", "K7Q2…")."""
    return normalise_code(_EDGE_PUNCTUATION.sub("", token))


def _take_code(intent: Intent, rest: list[str], rest_keys: list[str]) -> tuple[str | None, list[str]]:
    """The referral code at the start of `rest`, typed as one token or split in two ("K7 Q2", "R K7Q2")."""
    if intent not in _TAKES_CODE or not rest:
        return None, rest
    if rest_keys[0] == "R" and len(rest) > 1 and _code(rest[1]):
        return _code(rest[1]), rest[2:]
    if code := _code(rest[0]):
        return code, rest[1:]
    if len(rest) > 1 and (code := _code(rest[0] + rest[1])) and len(_EDGE_PUNCTUATION.sub("", rest[0])) < 4:
        return code, rest[2:]
    return None, rest
