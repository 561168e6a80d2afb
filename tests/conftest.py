"""Test harness: a fresh app per test, a database parametrised over SQLite and PostgreSQL, a real Redis.

PostgreSQL and Redis are real servers (SIRA_TEST_POSTGRES_URL, SIRA_TEST_REDIS_URL). When one is
unreachable the tests that need it fail, naming the service: a run never passes by leaving them out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.fakes.fixtures import *  # noqa
from tests.support import REDIS_URL, dispose, make_test_app, reset_database

POSTGRES_URL = os.environ.get("SIRA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parent.parent


def service_unavailable(service: str, reason: str):
    pytest.fail(f"{service} unreachable: {reason} (the tests need it: start it, or point "
                f"SIRA_TEST_POSTGRES_URL / SIRA_TEST_REDIS_URL at one)", pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "compile",
         "-d", str(REPO / "hub" / "translations")],
        check=True, capture_output=True,
    )


@pytest.fixture(scope="session")
def postgresql_url():
    """A database of our own on the PostgreSQL server, created for this run and dropped after it."""
    admin_url = make_url(POSTGRES_URL)
    name = f"sira_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        service_unavailable("PostgreSQL", f"{admin_url.render_as_string(hide_password=True)}: {error}")
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'sira-test.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request):
    """Every test that persists runs on both databases."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def app(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path)
    reset_database(app)
    yield app
    dispose(app)


@pytest.fixture
def sqlite_app(sqlite_url, tmp_path):
    """For tests about the web layer alone, where the database makes no difference."""
    app = make_test_app(sqlite_url, tmp_path)
    reset_database(app)
    yield app
    dispose(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield app


@pytest.fixture
def redis_connection():
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except RedisError as error:
        service_unavailable("Redis", f"{REDIS_URL}: {error}")
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def scaleout_app(database_url, tmp_path, redis_connection):
    """The app in scale-out mode: jobs go to RQ on the real Redis (run them with support.run_worker)."""
    app = make_test_app(database_url, tmp_path, SIRA_REDIS_URL=REDIS_URL, JOBS_INLINE=False)
    reset_database(app)
    yield app
    dispose(app)
