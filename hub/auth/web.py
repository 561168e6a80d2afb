"""Web login and logout."""

from urllib.parse import urlparse

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from hub.auth.service import LoginRefused, authenticate
from hub.extensions import db, limiter
from hub.timeutil import utcnow

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if not target or urlparse(target).netloc or not target.startswith("/"):
        return url_for("web.home")
    return target


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    error = None
    if request.method == "POST":
        try:
            user = authenticate(request.form.get("email", ""), request.form.get("password", ""), utcnow())
        except LoginRefused as refused:
            db.session.commit()  # keep the failure count
            if refused.reason == "locked":
                error = _("Compte verrouillé après trop d'échecs. Réessayez après %(time)s.",
                          time=format_datetime(refused.locked_until, "HH:mm"))
            else:
                error = _("Adresse e-mail ou mot de passe incorrect.")
        else:
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", error=error), (401 if error else 200)


@bp.post("/deconnexion")
def logout():
    logout_user()
    flash(_("Vous êtes déconnecté."))
    return redirect(url_for("web.home"))
