"""The built-in simulator: the default channel when no credentials are set, and every demo contact's channel.

Sending stores the message in `simulated_message` (in the caller's transaction: the delivery job commits
it together with the outbox row, so a rolled-back delivery leaves no phantom message). The simulator web
page lists them per demo contact and channel, and turns a reply typed there into the same neutral
`InboundText` / `ButtonPress` a real provider would produce, so replies take the real inbound path.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from adapters.base import (
    ButtonPress,
    ChannelAdapter,
    InboundEvent,
    InboundRequest,
    InboundText,
    OutboundMessage,
    SendResult,
)
from hub.extensions import db
from hub.timeutil import utcnow
from hub.types import UTCDateTime


class SimulatedMessage(db.Model):
    __tablename__ = "simulated_message"
    __table_args__ = (Index("ix_simulated_message_channel_recipient", "channel", "recipient"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(300), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list] = mapped_column(JSON, default=list)  # [{"label": ..., "data": ...}]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outbox_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    provider_message_id: Mapped[str] = mapped_column(String(64), unique=True)


class SimulatorAdapter(ChannelAdapter):
    """Impersonates `channel` (sms, telegram, email) without leaving the database."""

    simulated = True

    def __init__(self, channel: str):
        self.channel = channel

    def send(self, message: OutboundMessage) -> SendResult:
        provider_message_id = f"sim-{uuid.uuid4().hex}"
        db.session.add(SimulatedMessage(
            channel=self.channel,
            recipient=message.recipient,
            subject=message.subject,
            text=message.text,
            buttons=[{"label": b.label, "data": b.data} for b in message.buttons],
            created_at=utcnow(),
            outbox_id=message.outbox_id,
            provider_message_id=provider_message_id,
        ))
        db.session.flush()
        return SendResult(provider_message_id=provider_message_id, channel=self.channel, simulated=True)

    def verify(self, request: InboundRequest) -> bool:
        # Simulated replies come from Sira's own web page: the view authenticates the user (and CSRF)
        # and must only accept senders that are demo contacts. There is no provider to verify.
        return True

    def parse(self, request: InboundRequest, *, now: datetime) -> list[InboundEvent]:
        """A reply typed on the simulator page: form fields `sender` and `text`, or `sender` + `button`."""
        form = request.form
        sender = (form.get("sender") or "").strip()
        if not sender:
            return []
        if form.get("button"):
            return [simulated_button_press(self.channel, sender, form["button"], now=now,
                                           message_id=form.get("message_id"))]
        if form.get("text"):
            return [simulated_text(self.channel, sender, form["text"], now=now)]
        return []


def simulated_text(channel: str, sender: str, text: str, *, now: datetime) -> InboundText:
    return InboundText(channel, sender, text, f"sim-in-{uuid.uuid4().hex}", now)


def simulated_button_press(channel: str, sender: str, data: str, *, now: datetime,
                           message_id: str | None = None) -> ButtonPress:
    key = f"sim-in-{uuid.uuid4().hex}"
    return ButtonPress(channel, sender, data, key, key, message_id, now)


def messages_for(recipient: str, channel: str | None = None, limit: int = 200) -> list[SimulatedMessage]:
    """Newest first: what the simulator page shows for one demo contact."""
    query = select(SimulatedMessage).where(SimulatedMessage.recipient == recipient)
    if channel:
        query = query.where(SimulatedMessage.channel == channel)
    query = query.order_by(SimulatedMessage.created_at.desc(), SimulatedMessage.id.desc()).limit(limit)
    return list(db.session.scalars(query))
