"""Helpers shared by tests: building a test app, resetting its database, running a real RQ worker."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import text

REDIS_URL = os.environ.get("SIRA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEST_ENCRYPTION_KEY = Fernet.generate_key().decode()


def make_test_app(database_url: str, tmp_path: Path, **overrides):
    from hub import create_app

    config = {
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SIRA_DATABASE_URL": database_url,
        "SIRA_REDIS_URL": "",
        "SIRA_SECRET_KEY": "test-secret-key-not-for-production",
        "SIRA_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        "SIRA_PUBLIC_URL": "http://sira.test",
        "TESTING": True,
        "JOBS_INLINE": True,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    }
    config.update(overrides)
    return create_app(config)


_schemas_created: set[str] = set()


def reset_database(app) -> None:
    """Create the schema once per database and run, then empty every table between tests."""
    from hub.extensions import db

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        if url not in _schemas_created:
            db.drop_all()
            db.create_all()
            _schemas_created.add(url)
            return
        tables = db.metadata.sorted_tables
        with db.engine.begin() as connection:
            if db.engine.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(tables):
                    connection.execute(table.delete())


def dispose(app) -> None:
    from hub.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def run_worker(app) -> None:
    """A real RQ worker in burst mode, in this process, so that its jobs use the test's app."""
    from rq import SimpleWorker

    backend = app.extensions["sira_dispatcher"]
    with app.app_context():
        SimpleWorker([backend.queue], connection=backend.redis).work(burst=True)
