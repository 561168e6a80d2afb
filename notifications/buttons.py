"""Decision buttons (Accepter / Refuser / Vu) and their callback data, e.g. "a:K7Q2:123".

The data names the action, the referral code and the target id: compact (Telegram allows 64 bytes) and
checked on return like any typed reply: the sender must still be a contact of the addressed organisation.
"""

from __future__ import annotations

from adapters.base import Button
from notifications.replies import Intent

_ACTIONS = {"a": Intent.ACCEPT, "d": Intent.DECLINE, "v": Intent.ACKNOWLEDGE}
_LETTERS = {intent: letter for letter, intent in _ACTIONS.items()}
_LABELS = {
    "fr": {Intent.ACCEPT: "Accepter", Intent.DECLINE: "Refuser", Intent.ACKNOWLEDGE: "Vu"},
    "en": {Intent.ACCEPT: "Accept", Intent.DECLINE: "Decline", Intent.ACKNOWLEDGE: "Seen"},
}
MAX_DATA_BYTES = 64


def decision_buttons(code: str, target_ref: int | str, locale: str = "fr") -> tuple[Button, ...]:
    labels = _LABELS.get(locale, _LABELS["fr"])
    buttons = tuple(Button(labels[intent], f"{_LETTERS[intent]}:{code}:{target_ref}") for intent in _LETTERS)
    for button in buttons:
        if len(button.data.encode()) > MAX_DATA_BYTES:
            raise ValueError(f"button data over {MAX_DATA_BYTES} bytes: {button.data!r}")
    return buttons


def parse_button_data(data: str) -> tuple[Intent, str, str] | None:
    """(intent, code, target_ref) from a pressed button, or None for data we did not make."""
    parts = data.split(":") if isinstance(data, str) else []
    if len(parts) != 3 or parts[0] not in _ACTIONS or not parts[1] or not parts[2]:
        return None
    return _ACTIONS[parts[0]], parts[1], parts[2]
