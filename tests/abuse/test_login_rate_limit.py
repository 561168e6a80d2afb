"""Password guessing on /connexion: Flask-Limiter allows 10 POSTs a minute per address, the account
locks after 5 failures; both hold, and in scale-out mode every worker counts against the same budget.

The limiter is on (RATELIMIT_ENABLED) only in these tests. Its window starts at the first attempt (fixed
window, counted from the first hit), so 11 attempts in a row always fall into one window.
"""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from hub.auth.models import User
from hub.auth.passwords import hash_password
from hub.extensions import db
from tests.support import REDIS_URL, dispose, make_test_app, reset_database

LOGIN = "/connexion"
EMAIL, PASSWORD = "agent@test.sira", "mot-de-passe-du-test-2026"
ATTACKER, NEIGHBOUR = "10.0.0.66", "10.0.0.7"
REPO = Path(__file__).resolve().parents[2]


def limited_app(database_url: str, tmp_path: Path, **overrides):
    app = make_test_app(database_url, tmp_path, RATELIMIT_ENABLED=True, **overrides)
    reset_database(app)
    return app


def add_user(app) -> None:
    """One account with a password (argon2 on purpose slow: only this one is hashed)."""
    from directory.models import Organisation
    from hub.auth.service import create_user

    with app.app_context():
        organisation = Organisation(name="Organisation du test", acronym="OT", kind="ngo")
        db.session.add(organisation)
        db.session.flush()
        create_user(EMAIL, "Agent", "caseworker", organisation.id, None).password_hash = hash_password(PASSWORD)
        db.session.commit()


def attempt(client, address: str, password: str = "devine-encore", email: str = EMAIL):
    return client.post(LOGIN, data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def use_cheap_hashes() -> None:
    """argon2 is slow on purpose (~1 s a check on a busy 2-core machine); what is under test here is the
    counting of attempts, so hashes are made cheap. Every attempt still goes through the real check."""
    import hub.auth.passwords
    import hub.auth.service

    hub.auth.passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    hub.auth.service._DUMMY_HASH = hub.auth.passwords.hash_password("timing-equaliser")


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    import hub.auth.passwords
    import hub.auth.service

    monkeypatch.setattr(hub.auth.passwords, "_hasher", hub.auth.passwords._hasher)
    monkeypatch.setattr(hub.auth.service, "_DUMMY_HASH", hub.auth.service._DUMMY_HASH)
    use_cheap_hashes()  # monkeypatch puts the real ones back after the test


@pytest.fixture
def app(sqlite_url, tmp_path):
    """SQLite: the limiter does not depend on the database."""
    app = limited_app(sqlite_url, tmp_path)
    yield app
    dispose(app)


def test_the_eleventh_attempt_in_a_minute_gets_a_french_429_and_only_that_address_waits(app):
    client = app.test_client()
    answers = [attempt(client, ATTACKER, email=f"inconnu{n}@test.sira") for n in range(10)]
    assert [a.status_code for a in answers] == [401] * 10

    blocked = attempt(client, ATTACKER)
    assert blocked.status_code == 429
    assert "Trop de tentatives" in text(blocked) and "réessayez dans 1 minute" in text(blocked)
    assert int(blocked.headers["Retry-After"]) == 60
    assert client.get(LOGIN, environ_base={"REMOTE_ADDR": ATTACKER}).status_code == 200  # the form still shows
    assert attempt(client, NEIGHBOUR).status_code == 401  # another address is not blocked

    client.get("/langue/en", environ_base={"REMOTE_ADDR": ATTACKER})
    in_english = attempt(client, ATTACKER)
    assert in_english.status_code == 429 and "Too many attempts" in text(in_english)


def test_behind_a_trusted_proxy_each_client_address_has_its_own_budget(sqlite_url, tmp_path):
    app = limited_app(sqlite_url, tmp_path, SIRA_TRUSTED_PROXIES="1")
    client = app.test_client()
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for n in range(10):
        client.post(LOGIN, data={"email": f"x{n}@test.sira", "password": "p"}, environ_base=proxy,
                    headers={"X-Forwarded-For": ATTACKER})
    assert client.post(LOGIN, data={"email": EMAIL, "password": "p"}, environ_base=proxy,
                       headers={"X-Forwarded-For": ATTACKER}).status_code == 429
    assert client.post(LOGIN, data={"email": EMAIL, "password": "p"}, environ_base=proxy,
                       headers={"X-Forwarded-For": NEIGHBOUR}).status_code == 401
    dispose(app)


def test_the_account_lock_out_and_the_rate_limit_both_apply(app):
    add_user(app)
    client = app.test_client()
    failures = [attempt(client, ATTACKER) for _ in range(5)]
    assert [f.status_code for f in failures] == [401] * 5
    assert "Compte verrouillé" in text(failures[-1])  # the 5th failure locks the account

    # Locked: even the right password is refused, from this address and from any other.
    assert "Compte verrouillé" in text(attempt(client, ATTACKER, PASSWORD))
    assert "Compte verrouillé" in text(attempt(client, NEIGHBOUR, PASSWORD))
    with app.app_context():
        assert db.session.scalar(select(User.locked_until).where(User.email == EMAIL)) is not None

    assert [attempt(client, ATTACKER).status_code for _ in range(4)] == [401] * 4  # attempts 7 to 10
    assert attempt(client, ATTACKER, PASSWORD).status_code == 429  # the 11th: not even looked at


# Worker B of the scale-out test: a separate process (its own Limiter, as a second gunicorn worker has),
# same database and Redis, five attempts from the same address. Prints their status codes.
SECOND_WORKER = """
import json, sys
from pathlib import Path
from tests.abuse.test_login_rate_limit import use_cheap_hashes
from tests.support import make_test_app
use_cheap_hashes()
database_url, redis_url, instance, address = sys.argv[1:5]
app = make_test_app(database_url, Path(instance), SIRA_REDIS_URL=redis_url, JOBS_INLINE=False,
                    RATELIMIT_ENABLED=True)
client = app.test_client()
codes = [client.post("/connexion", data={"email": "x@test.sira", "password": "x"},
                     environ_base={"REMOTE_ADDR": address}).status_code for _ in range(5)]
print(json.dumps(codes))
"""


def test_in_scale_out_mode_two_workers_share_one_budget(sqlite_url, tmp_path, redis_connection):
    worker_a = limited_app(sqlite_url, tmp_path / "a", SIRA_REDIS_URL=REDIS_URL, JOBS_INLINE=False)
    try:
        assert worker_a.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
        client = worker_a.test_client()
        assert [attempt(client, ATTACKER).status_code for _ in range(6)] == [401] * 6

        worker_b = subprocess.run(
            [sys.executable, "-c", SECOND_WORKER, sqlite_url, REDIS_URL, str(tmp_path / "b"), ATTACKER],
            cwd=REPO, capture_output=True, text=True, timeout=120,
            env={**os.environ, "SIRA_TEST_REDIS_URL": REDIS_URL})
        assert worker_b.returncode == 0, worker_b.stderr[-2000:]
        assert json.loads(worker_b.stdout.strip().splitlines()[-1]) == [401, 401, 401, 401, 429]

        assert attempt(client, ATTACKER).status_code == 429  # and worker A sees B's attempts too
        assert attempt(client, NEIGHBOUR).status_code == 401
        assert any(b"connexion" in key or b"login" in key for key in redis_connection.keys("LIMIT*"))
    finally:
        dispose(worker_a)
