"""The one port every channel implements, the neutral types that cross it, and the delivery errors.

Outbound: `send(OutboundMessage) -> SendResult` (the provider's message id, to match status callbacks).
Inbound: `verify(InboundRequest) -> bool` proves a webhook came from the provider; `parse(InboundRequest)`
turns it into neutral events (`InboundText`, `ButtonPress`, `StatusUpdate`) so that the reply handling
never sees a provider payload (the nyaruka/courier pattern).

Errors say whose fault and whether to retry (ARCHITECTURE.md principle 8):

    DeliveryError
    ├── RetryableError          try again later, with backoff (connection, timeout, provider 5xx)
    │   └── Throttled           try again after `retry_after` seconds (429, flood control)
    └── PermanentError          retrying will not help: fail over to the contact's next channel
        └── RecipientUnreachable    the address itself is bad (invalid number, opted out, bot blocked):
                                    fail over AND mark that channel of the contact unhealthy

Catch `Throttled` before `RetryableError`, and `RecipientUnreachable` before `PermanentError`.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Channel = Literal["sms", "telegram", "email"]
CHANNELS: tuple[str, ...] = ("sms", "telegram", "email")


# --- outbound -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Button:
    """An inline reply button. `data` travels back in the ButtonPress (Telegram allows 64 bytes)."""

    label: str
    data: str


@dataclass(frozen=True)
class OutboundMessage:
    """What to send, already rendered; `recipient` is an E.164 phone, a Telegram chat id or an e-mail."""

    channel: str
    recipient: str
    text: str
    subject: str | None = None  # e-mail only
    html: str | None = None  # e-mail only: the HTML alternative of `text`
    buttons: tuple[Button, ...] = ()  # Telegram inline keyboard, simulator; ignored by SMS and e-mail
    outbox_id: int | None = None  # for the simulator's record and for logs; never sent to a provider
    recipient_is_demo: bool = False  # a second lock behind the registry: real adapters refuse demo contacts


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    channel: str
    simulated: bool = False


# --- inbound --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboundRequest:
    """A webhook request, independent of Flask: the adapter verifies and parses this.

    `path` is the path Sira was called at (e.g. "/webhooks/twilio/sms"); the adapter rebuilds the public
    URL the provider called from SIRA_PUBLIC_URL, because behind a proxy `request.url` is not that URL.
    """

    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] = field(default_factory=dict)
    json: object | None = None
    query_string: str = ""

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None

    @classmethod
    def from_flask(cls, request) -> InboundRequest:
        """Build from a `flask.Request` (kept here so webhook views stay one line)."""
        return cls(
            path=request.path,
            headers=dict(request.headers),
            form=request.form.to_dict(flat=True),
            json=request.get_json(silent=True),
            query_string=request.query_string.decode("latin-1"),
        )


@dataclass(frozen=True)
class InboundText:
    channel: str
    sender: str  # E.164 phone, Telegram chat id, or e-mail address
    text: str
    provider_message_id: str  # Twilio MessageSid / Telegram "update:<update_id>": the de-duplication key
    received_at: datetime


@dataclass(frozen=True)
class ButtonPress:
    channel: str
    sender: str  # Telegram chat id (of the chat the message with the buttons is in)
    data: str  # the Button.data that was pressed, e.g. "a:K7Q2:123"
    provider_message_id: str  # "update:<update_id>": the de-duplication key
    callback_id: str  # answer it (Telegram shows a spinner until then)
    message_id: str | None  # the message carrying the buttons, to edit it with the outcome
    received_at: datetime


StatusName = Literal["delivered", "undelivered", "failed"]


@dataclass(frozen=True)
class StatusUpdate:
    channel: str
    provider_message_id: str
    status: StatusName
    error_code: str | None = None


InboundEvent = InboundText | ButtonPress | StatusUpdate


# --- errors ---------------------------------------------------------------------------------------------


class DeliveryError(Exception):
    """A message could not be handed to the provider. `provider_code` is the provider's own code."""

    def __init__(self, reason: str, *, channel: str | None = None, provider_code: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.channel = channel
        self.provider_code = provider_code


class RetryableError(DeliveryError):
    """Temporary: the same message may succeed later (connection refused, timeout, 5xx)."""


class Throttled(RetryableError):
    """The provider asked us to slow down; retry no sooner than `retry_after` seconds."""

    def __init__(self, reason: str, *, retry_after: float, **kwargs):
        super().__init__(reason, **kwargs)
        self.retry_after = retry_after


class PermanentError(DeliveryError):
    """Retrying this message on this channel will not help (bad request, wrong credentials)."""


class RecipientUnreachable(PermanentError):
    """This recipient cannot be reached on this channel: invalid number, opted out, bot blocked."""


# --- the port -------------------------------------------------------------------------------------------


def refuse_demo_recipient(message: OutboundMessage, channel: str) -> None:
    """Called first by every real adapter: a fictitious demo contact must never reach a real provider."""
    if message.recipient_is_demo:
        raise PermanentError("demo contact: refused by a real provider adapter", channel=channel)


class ChannelAdapter(abc.ABC):
    channel: str
    simulated: bool = False

    @abc.abstractmethod
    def send(self, message: OutboundMessage) -> SendResult:
        """Hand one message to the provider; raise a DeliveryError subclass when that fails."""

    @abc.abstractmethod
    def verify(self, request: InboundRequest) -> bool:
        """True only when the webhook request provably comes from the provider."""

    @abc.abstractmethod
    def parse(self, request: InboundRequest, *, now: datetime) -> list[InboundEvent]:
        """The neutral events in a (verified) webhook request; [] for what Sira ignores."""
