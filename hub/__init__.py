"""Sira's Flask application: `create_app()` is the composition root."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

from hub.bounds import RowIdConverter
from hub.config import load_config
from hub.extensions import babel, csrf, db, limiter, login_manager, migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

# Each capability's web (Flask) blueprints, as dotted paths: registration stays in one place.
WEB_BLUEPRINTS: list[str] = [
    "directory.web.bp",
    "hub.referrals.web.bp",
    "hub.webhooks.views.bp",
    "hub.webhooks.web.bp",
    "hub.coordination.web.bp",
]


def _select_locale() -> str:
    from flask import current_app

    chosen = session.get("locale")
    if chosen in ("fr", "en"):
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config: dict | None = None) -> Flask:
    """Build the app from environment variables; `config` overrides them (tests, tools)."""
    config = dict(config or {})
    app = Flask(__name__, instance_path=config.pop("INSTANCE_PATH", None) or _default_instance_path())
    app.url_map.converters["int"] = RowIdConverter  # an id no row can have is a 404, not a database error
    environ = {**os.environ, **{k: v for k, v in config.items() if k.startswith("SIRA_")}}
    app.config.update(load_config(environ, Path(app.instance_path)))
    app.config.update({k: v for k, v in config.items() if not k.startswith("SIRA_")})
    if app.config["TRUSTED_PROXIES"]:
        # Behind a proxy every request comes from the proxy's address: without this the login limit is global.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    from adapters.settings import load_channel_settings

    # Channel credentials (TWILIO_*, TELEGRAM_*, SMTP_*...): validated once; unset channels go to the simulator.
    app.config["CHANNELS"] = load_channel_settings(
        {**os.environ, **app.config, "SIRA_PUBLIC_URL": app.config["PUBLIC_URL"]})

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    babel.init_app(app, locale_selector=_select_locale)
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked in hub.auth.access.protect_from_csrf
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    # Redis down must not stop logins: each worker then counts on its own until Redis is back.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)
    from hub.rate_limits import init_rate_limits

    init_rate_limits(app)  # a friendly 429 (French page, JSON for the API) with Retry-After

    from hub import models  # noqa: F401  (registers every table on the metadata)
    from hub.dispatch import init_dispatch

    init_dispatch(app)
    _register_blueprints(app)
    from hub.api import init_api

    init_api(app)
    _register_cli(app)
    _register_sqlite_pragmas(app)
    return app


def _register_cli(app: Flask) -> None:
    from directory.cli import directory_cli
    from hub.audit import audit_cli
    from hub.auth.cli import tokens_cli, users_cli
    from hub.crypto import crypto_cli
    from hub.demo import demo_cli
    from hub.referrals.retention import retention_cli
    from hub.webhooks.cli import telegram_cli
    from notifications.sweep import escalations_cli
    from routing.cli import pos_cli

    for group in (demo_cli, users_cli, tokens_cli, audit_cli, crypto_cli, pos_cli, directory_cli,
                  retention_cli, telegram_cli, escalations_cli):
        app.cli.add_command(group)


def _default_instance_path() -> str:
    return os.environ.get("SIRA_INSTANCE_PATH") or str(Path.cwd() / "instance")


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # The jobs thread and the web threads share one SQLite file: wait for the lock, never fail.
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_pre_ping": True}


def _register_sqlite_pragmas(app: Flask) -> None:
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()


def _register_blueprints(app: Flask) -> None:
    from hub.auth.access import protect_from_csrf
    from hub.auth.web import bp as auth_bp
    from hub.dispatch import resolve
    from hub.health import bp as health_bp
    from hub.web import bp as web_bp

    for blueprint in WEB_BLUEPRINTS:
        app.register_blueprint(resolve(blueprint))
    app.register_blueprint(health_bp)
    app.register_blueprint(web_bp)
    app.register_blueprint(auth_bp)
    app.before_request(protect_from_csrf)

    @app.context_processor
    def _inject_locale():
        from hub.auth.access import current_actor

        return {"current_locale": _select_locale(), "request_path": request.path, "actor": current_actor()}
