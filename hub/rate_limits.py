"""What a rate-limited request gets back: a 429 the person (or the API client) understands.

The limits themselves sit on the views (`@limiter.limit(...)`, e.g. the login form); the storage is chosen
in create_app (Redis in scale-out mode, so that every gunicorn worker counts against the same budget).
"""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from werkzeug.exceptions import TooManyRequests

DEFAULT_RETRY_AFTER = 60


def _retry_after(error: TooManyRequests) -> int:
    """The limit's window (60 s for "10 per minute"): by then the next attempt is allowed again."""
    try:
        return max(int(error.limit.limit.get_expiry()), 1)
    except AttributeError:
        return DEFAULT_RETRY_AFTER


def too_many_requests(error: TooManyRequests):
    seconds = _retry_after(error)
    if request.path.startswith("/api/"):
        response = jsonify(code=429, status="Too Many Requests",
                           message="Trop de requêtes : réessayez dans une minute. / Too many requests: "
                                   "try again in a minute.")
        response.status_code = 429
    else:
        page = render_template("errors/too_many_requests.html", minutes=max(seconds // 60, 1))
        response = make_response(page, 429)
    response.headers["Retry-After"] = str(seconds)
    return response


def init_rate_limits(app: Flask) -> None:
    app.register_error_handler(429, too_many_requests)
