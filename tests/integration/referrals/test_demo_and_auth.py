"""Demo accounts, and the auth rules a user notices: lock-out, CSRF on forms, API tokens and revocation."""

import re

from sqlalchemy import select

from hub.auth.models import User
from hub.extensions import db
from hub.referrals.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.support import dispose, make_test_app, reset_database


def test_demo_load_creates_one_account_per_role_and_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert DEMO_PASSWORD in first.output and "coordination@demo.sira.invalid" in first.output
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        users = db.session.scalars(select(User)).all()
        assert len(users) == len(DEMO_ACCOUNTS)
        assert {u.role for u in users} == {"caseworker", "provider", "coordinator", "admin"}


def test_a_demo_account_logs_in_on_the_web(sqlite_app):
    app = sqlite_app
    app.test_cli_runner().invoke(args=["demo", "load"])
    client = app.test_client()
    response = client.post("/connexion", data={"email": "travailleur.social@demo.sira.invalid",
                                              "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(sqlite_app):
    sqlite_app.test_cli_runner().invoke(args=["demo", "load"])
    client = sqlite_app.test_client()
    email = "coordination@demo.sira.invalid"
    for _ in range(5):
        assert client.post("/connexion", data={"email": email, "password": "faux"}).status_code == 401
    locked = client.post("/connexion", data={"email": email, "password": DEMO_PASSWORD})
    assert locked.status_code == 401 and "verrouillé" in locked.text


def test_forms_without_a_csrf_token_are_refused(sqlite_url, tmp_path):
    app = make_test_app(sqlite_url, tmp_path, WTF_CSRF_ENABLED=True)
    reset_database(app)
    try:
        app.test_cli_runner().invoke(args=["demo", "load"])
        client = app.test_client()
        credentials = {"email": "admin@demo.sira.invalid", "password": DEMO_PASSWORD}
        assert client.post("/connexion", data=credentials).status_code == 400
        page = client.get("/connexion").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post("/connexion", data={**credentials, "csrf_token": token}).status_code == 302
    finally:
        dispose(app)


def test_api_tokens_authenticate_until_revoked(sqlite_app):
    app = sqlite_app
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "load"])
    token = runner.invoke(args=["tokens", "create", "--user", "coordination@demo.sira.invalid"]).output.strip()
    client = app.test_client()
    assert client.get("/api/v1/referrals").status_code == 401
    assert client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/referrals", headers={"Authorization": "Bearer sira_forged"}).status_code == 401
    assert "1 token(s) revoked" in runner.invoke(
        args=["tokens", "revoke", "--user", "coordination@demo.sira.invalid"]).output
    assert client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {token}"}).status_code == 401
