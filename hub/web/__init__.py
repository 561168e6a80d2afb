"""Web pages (French first, English on request)."""

from urllib.parse import urlparse

from flask import Blueprint, abort, redirect, render_template, request, session

bp = Blueprint("web", __name__)


@bp.get("/")
def home():
    return render_template("home.html")


@bp.get("/langue/<locale>")
def set_locale(locale: str):
    if locale not in ("fr", "en"):
        abort(404)
    session["locale"] = locale
    target = request.args.get("next", "/")
    # Only same-site paths: an open redirect would let a phishing link borrow Sira's name.
    if urlparse(target).netloc or not target.startswith("/"):
        target = "/"
    return redirect(target)
