"""Validation of a contact channel's address, by kind (pure: used by forms, API and imports alike)."""

from __future__ import annotations

import re

from directory.phones import InvalidPhone, normalise_phone

# Deliberately simple: the e-mail adapter finds out the rest; this only catches typing mistakes.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A Telegram chat id is an integer (negative for groups); usernames cannot receive bot messages first.
_TELEGRAM = re.compile(r"^-?\d{4,20}$")

CHANNEL_KINDS = ("sms", "telegram", "email")


def normalise_channel(kind: str, address: str) -> str:
    """The stored form of `address` for a channel of `kind`; ValueError (French message) when invalid."""
    kind = (kind or "").strip().lower()
    address = (address or "").strip()
    if kind == "sms":
        try:
            return normalise_phone(address)
        except InvalidPhone as error:
            raise ValueError(str(error)) from None
    if kind == "email":
        if not _EMAIL.match(address):
            raise ValueError(f"« {address} » n'est pas une adresse e-mail")
        return address.lower()
    if kind == "telegram":
        if not _TELEGRAM.match(address):
            raise ValueError(f"« {address} » n'est pas un identifiant de conversation Telegram (nombre)")
        return address
    raise ValueError(f"canal inconnu « {kind} » (sms, telegram ou email)")
