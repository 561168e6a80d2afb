"""Users belong to an organisation of the directory and hold one role."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.models import Organisation
from hub.extensions import db
from hub.timeutil import utcnow
from hub.types import UTCDateTime

CASEWORKER, PROVIDER, COORDINATOR, ADMIN = "caseworker", "provider", "coordinator", "admin"
ROLES = (CASEWORKER, PROVIDER, COORDINATOR, ADMIN)
ROLE_LABELS = {
    CASEWORKER: ("Travailleur social", "Caseworker"),
    PROVIDER: ("Point focal du prestataire", "Provider focal point"),
    COORDINATOR: ("Coordinateur", "Coordinator"),
    ADMIN: ("Administrateur", "Administrator"),
}


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active


def hash_token(token: str) -> str:
    # API tokens are long random strings: a fast hash is enough, unlike passwords.
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    @staticmethod
    def issue(user: User, name: str) -> tuple[ApiToken, str]:
        """A new token; the plain value is shown once and only its hash is stored."""
        plain = "sira_" + secrets.token_urlsafe(32)
        return ApiToken(user=user, name=name, token_hash=hash_token(plain)), plain
