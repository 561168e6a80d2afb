"""Tables of the channel wiring: inbound ids already processed, and one-time Telegram link codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.extensions import db
from hub.types import UTCDateTime


class ProcessedInbound(db.Model):
    """One row per inbound provider event acted upon: Twilio MessageSid, Telegram "update:<id>", e-mail
    link nonce. The unique constraint is what makes a replay act once: the row is inserted in the same
    transaction as the change it causes, so a second insert of the same key fails and changes nothing."""

    __tablename__ = "processed_inbound"
    __table_args__ = (UniqueConstraint("channel", "provider_message_id", name="uq_processed_inbound_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    provider_message_id: Mapped[str] = mapped_column(String(120))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(40), default="")


class TelegramLinkCode(db.Model):
    """A one-time code shown on the web; `/start CODE` to the bot links that chat to the contact."""

    __tablename__ = "telegram_link_code"
    __table_args__ = (Index("ix_telegram_link_code_contact", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
