"""Authentication rules: lock-out after repeated failures, API token lookup."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from hub.auth.models import ApiToken, User, hash_token
from hub.auth.passwords import hash_password, verify_password
from hub.extensions import db

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
_DUMMY_HASH = hash_password("timing-equaliser")


class LoginRefused(Exception):
    def __init__(self, reason: str, locked_until: datetime | None = None):
        super().__init__(reason)
        self.reason = reason  # "invalid" or "locked"
        self.locked_until = locked_until


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str, now: datetime) -> User:
    """The user, or LoginRefused. Failures are counted; the caller commits either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)  # same work whether or not the account exists
        raise LoginRefused("invalid")
    if user.locked_until and user.locked_until > now:
        raise LoginRefused("locked", user.locked_until)
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            raise LoginRefused("locked", user.locked_until)
        raise LoginRefused("invalid")
    user.failed_logins = 0
    user.locked_until = None
    return user


def user_for_token(plain: str, now: datetime) -> User | None:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    token.last_used_at = now
    return token.user


def create_user(email: str, name: str, role: str, organisation_id: int, password: str | None) -> User:
    user = User(email=email.strip().lower(), name=name, role=role, organisation_id=organisation_id,
                password_hash=hash_password(password) if password else None)
    db.session.add(user)
    return user
