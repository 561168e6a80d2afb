"""/healthz: each component's status; 503 naming the component that is down."""

from flask import Blueprint, current_app, jsonify
from sqlalchemy import select, text

from hub.dispatch import dispatcher
from hub.extensions import db
from hub.heartbeat import PeriodicRun

bp = Blueprint("health", __name__)


def _check_database() -> dict:
    db.session.execute(text("SELECT 1"))
    runs = {r.name: r.last_run_at.isoformat() for r in db.session.scalars(select(PeriodicRun))}
    return {"ok": True, "dialect": db.engine.dialect.name, "periodic_last_run": runs}


def _check_jobs() -> dict:
    return {"ok": True, **dispatcher().health()}


def _check_escalations() -> dict:
    from notifications.watchdog import health_check

    return health_check()


CHECKS = {"database": _check_database, "jobs": _check_jobs, "escalations": _check_escalations}


@bp.get("/healthz")
def healthz():
    report, failing = {}, []
    for name, check in CHECKS.items():
        try:
            report[name] = check()
        except Exception as error:  # a health check reports every failure, whatever its kind
            current_app.logger.warning("health check %s failed: %s", name, error)
            db.session.rollback()
            report[name] = {"ok": False, "error": f"{type(error).__name__}: {error}"}
            failing.append(name)
    body = {"status": "ok" if not failing else "unavailable", "failing": failing, **report}
    return jsonify(body), (503 if failing else 200)
