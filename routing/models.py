"""The POS versions Sira has run: each distinct file content is recorded once, with its hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.extensions import db
from hub.types import UTCDateTime


class PosVersion(db.Model):
    __tablename__ = "pos_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(100))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)   # sha256 of the file bytes
    content: Mapped[str] = mapped_column(Text)        # the file itself: a referral's POS can be re-read
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=False)
