"""Signed, expiring accept / decline links for e-mail.

The token carries the target, the action and a random nonce; it is signed with the app's secret key
(itsdangerous, HMAC). Expiry is checked here; single use is the caller's: store the nonce when the
decision is recorded and refuse a token whose nonce is already stored. The link opens a confirmation page
(a GET must never act: mail scanners follow links), whose POST acts.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

SALT = "sira.email-decision.v1"
ACTIONS = ("accept", "decline", "acknowledge")
DECISION_PATH = "/email/decision/"
DEFAULT_MAX_AGE = timedelta(hours=72)


class LinkError(Exception):
    """The link cannot be used; the message is safe to show (it names no referral)."""


class LinkExpired(LinkError):
    pass


class LinkInvalid(LinkError):
    pass


@dataclass(frozen=True)
class DecisionToken:
    target_id: int | str
    action: str
    nonce: str  # store it when the decision is recorded: a second use must be refused
    issued_at: datetime


def _serializer(secret_key: str, now: datetime | None) -> URLSafeTimedSerializer:
    """A serializer whose clock is `now`, so that expiry is testable without sleeping."""

    class _Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int((now or datetime.now(UTC)).timestamp())

    return URLSafeTimedSerializer(secret_key, salt=SALT, signer=_Signer)


def make_decision_token(secret_key: str, target_id: int | str, action: str, *,
                        now: datetime | None = None) -> tuple[str, str]:
    """(token, nonce) for one action on one target."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    nonce = secrets.token_urlsafe(12)
    token = _serializer(secret_key, now).dumps({"t": target_id, "a": action, "n": nonce})
    return token, nonce


def decision_url(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + DECISION_PATH + token


def read_decision_token(secret_key: str, token: str, *, max_age: timedelta = DEFAULT_MAX_AGE,
                        now: datetime | None = None) -> DecisionToken:
    serializer = _serializer(secret_key, now)
    try:
        payload, issued = serializer.loads(token, max_age=int(max_age.total_seconds()), return_timestamp=True)
    except SignatureExpired as error:
        raise LinkExpired("Ce lien a expiré. / This link has expired.") from error
    except (BadSignature, ValueError, TypeError) as error:
        raise LinkInvalid("Ce lien n'est pas valide. / This link is not valid.") from error
    if (not isinstance(payload, dict) or payload.get("a") not in ACTIONS
            or not isinstance(payload.get("n"), str) or not isinstance(payload.get("t"), (int, str))):
        raise LinkInvalid("Ce lien n'est pas valide. / This link is not valid.")
    return DecisionToken(payload["t"], payload["a"], payload["n"], issued)
