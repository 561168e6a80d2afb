"""Who is asking: a logged-in browser session or an API bearer token, and what their role allows.

A bearer token is not an ambient browser credential, so token requests skip CSRF; every other
state-changing request must carry the CSRF token (forms, and `X-CSRFToken` for the web's fetch calls).
Webhooks verify their own signatures and exempt themselves.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user
from flask_smorest import abort as api_abort

from hub.api import documents_errors
from hub.auth.models import User
from hub.auth.service import user_for_token
from hub.extensions import csrf, db, login_manager
from hub.timeutil import utcnow


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def current_actor() -> User | None:
    """The authenticated user for this request, from a bearer token or the session."""
    # Cached on the request, not on `g`: an app context (and its `g`) can outlive many requests.
    cache = request.environ
    if "sira.actor" not in cache:
        token = _bearer_token()
        if token is not None:
            cache["sira.actor"] = user_for_token(token, utcnow())
        else:
            cache["sira.actor"] = current_user if current_user.is_authenticated else None
    return cache["sira.actor"]


def protect_from_csrf() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS") or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if _bearer_token() is not None:
        return
    view = request.endpoint and request.endpoint.split(".")[0]
    if view in CSRF_EXEMPT_BLUEPRINTS:
        return
    csrf.protect()


# Blueprints that authenticate requests by their own signature (webhooks) rather than a session.
CSRF_EXEMPT_BLUEPRINTS: set[str] = {"health", "webhooks"}


def require_api_roles(*roles: str):
    """For API views: 401 without credentials, 403 when the role is not allowed."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            actor = current_actor()
            if actor is None:
                api_abort(401, message="Authentification requise (jeton API ou session).")
            if roles and actor.role not in roles:
                api_abort(403, message="Votre rôle ne permet pas cette action.")
            return view(*args, **kwargs)

        # The statuses this check answers are documented here, once, for every API view it guards.
        return documents_errors(401, 403)(wrapper) if roles else documents_errors(401)(wrapper)

    return decorator


def require_web_roles(*roles: str):
    """For web pages: the login page when anonymous, 403 when the role is not allowed."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            actor = current_actor()
            if actor is None:
                return login_manager.unauthorized()
            if roles and actor.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator
