"""The outbox: every outgoing message is a row written in the transaction of the change that causes it.

Only after that transaction commits is `deliver(id)` dispatched (ARCHITECTURE.md principle 3); the relay
re-dispatches rows left pending, so a Redis outage or a dead process loses nothing. A row holds the
rendered text, which by construction carries no child-identifying data (notifications.templates).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.models import Contact, ContactChannel
from hub.dispatch import dispatch
from hub.extensions import db
from hub.timeutil import utcnow
from hub.types import UTCDateTime
from notifications.templates import MessageContext, MessageKind, render

PENDING, SENDING, SENT, DELIVERED, FAILED = "pending", "sending", "sent", "delivered", "failed"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))  # notifications.templates.MessageKind
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(320))
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"), index=True)
    contact_channel_id: Mapped[int | None] = mapped_column(ForeignKey("contact_channel.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    demo: Mapped[bool] = mapped_column(default=False)
    referral_id: Mapped[int | None] = mapped_column(index=True)
    target_id: Mapped[int | None] = mapped_column(index=True)
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    buttons: Mapped[list] = mapped_column(JSON, default=list)
    context: Mapped[dict] = mapped_column(JSON, default=dict)  # to re-render on failover to another channel
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    provider_message_id: Mapped[str | None] = mapped_column(String(120), index=True)
    simulated: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    failover_of_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))

    contact: Mapped[Contact | None] = relationship()


class NoReachableChannel(Exception):
    """The contact has no healthy channel left: the escalation ladder must reach someone else."""


def _context_to_json(context: MessageContext) -> dict:
    values = {k: v for k, v in vars(context).items() if v not in (None, "", ())}
    if context.deadline is not None:
        values["deadline"] = context.deadline.isoformat()
    for name in ("pending_codes", "choices"):
        if name in values:
            values[name] = list(values[name])
    return values


def context_from_json(values: dict) -> MessageContext:
    values = dict(values)
    if values.get("deadline"):
        values["deadline"] = datetime.fromisoformat(values["deadline"])
    for name in ("pending_codes", "choices"):
        if name in values:
            values[name] = tuple(values[name])
    return MessageContext(**values)


def healthy_channels(contact: Contact, after_position: int | None = None) -> list[ContactChannel]:
    channels = sorted(contact.channels, key=lambda c: c.position)
    return [c for c in channels if c.healthy and (after_position is None or c.position > after_position)]


def queue_to_contact(contact: Contact, kind: MessageKind | str, context: MessageContext, *,
                     referral_id: int | None = None, target_id: int | None = None,
                     after_position: int | None = None, failover_of: OutboxMessage | None = None,
                     deferred: bool = False) -> OutboxMessage:
    """Write a message to a contact's first healthy channel; deliver once the transaction commits.

    `deferred`: neither flushed nor dispatched here; the caller writing many rows (the escalation sweep)
    flushes once and then calls `dispatch_messages`."""
    channels = healthy_channels(contact, after_position)
    if not channels:
        raise NoReachableChannel(f"contact {contact.id} has no healthy channel left")
    channel = channels[0]
    message = _build(kind, context, channel.kind, channel.address, contact.language, referral_id, target_id)
    message.contact_id, message.contact_channel_id, message.demo = contact.id, channel.id, contact.demo
    message.failover_of_id = failover_of.id if failover_of else None
    return _add(message, deferred)


def queue_to_address(channel: str, address: str, kind: MessageKind | str, context: MessageContext, *,
                     locale: str = "fr", user_id: int | None = None, demo: bool = False,
                     referral_id: int | None = None, target_id: int | None = None) -> OutboxMessage:
    """Write a message to a plain address (a user's e-mail, a Telegram chat replying to a command)."""
    message = _build(kind, context, channel, address, locale, referral_id, target_id)
    message.user_id, message.demo = user_id, demo
    return _add(message)


def _build(kind, context, channel, address, locale, referral_id, target_id) -> OutboxMessage:
    rendered = render(kind, channel, context, locale)
    return OutboxMessage(
        kind=str(MessageKind(kind)), channel=channel, address=address, locale=rendered.locale,
        referral_id=referral_id, target_id=target_id, subject=rendered.subject, body=rendered.text,
        html=rendered.html, buttons=[{"label": b.label, "data": b.data} for b in rendered.buttons],
        context=_context_to_json(context), status=PENDING, attempts=0,
    )


def _add(message: OutboxMessage, deferred: bool = False) -> OutboxMessage:
    db.session.add(message)
    if deferred:
        return message
    db.session.flush()  # the id is the job's argument
    from notifications.delivery import deliver

    dispatch(deliver, message.id)
    return message


def dispatch_messages(messages: list[OutboxMessage]) -> None:
    """Dispatch delivery of rows written with `deferred=True`, once they are flushed (they have ids)."""
    from notifications.delivery import deliver

    for message in messages:
        dispatch(deliver, message.id)


def messages_for_target(target_id: int) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.target_id == target_id)
                                   .order_by(OutboxMessage.id)))
