"""Browser tests: a real HTTP server in a thread and headless Chromium (Playwright), on SQLite.

Reusable by every capability:
- `live_server`: the app served by werkzeug on 127.0.0.1 (a free port), CSRF on, SQLite; `.url`, `.app`.
- `browser`: headless Debian Chromium for the module; `page`: a fresh context and page per test (fr-FR).
- `live_server.login(page, role, organisation=...)`: create a user with that role and sign in through the
  login form, returning the user's e-mail.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from itertools import count

import pytest
from werkzeug.serving import make_server

from tests.support import dispose, make_test_app, reset_database

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
PASSWORD = "mot-de-passe-de-test-42"
_user_numbers = count(1)


@dataclass
class LiveServer:
    app: object
    url: str
    users: dict = field(default_factory=dict)

    def create_user(self, role: str, organisation: str | None = None) -> str:
        """A user of `organisation` (acronym or name; the first organisation when None, one is created when
        the directory is empty). Returns the e-mail; the password is tests.e2e.conftest.PASSWORD."""
        from sqlalchemy import or_, select

        from directory.models import Organisation
        from hub.auth.service import create_user
        from hub.extensions import db

        with self.app.app_context():
            query = select(Organisation).order_by(Organisation.id)
            if organisation:
                query = query.where(or_(Organisation.acronym == organisation, Organisation.name == organisation))
            org = db.session.scalar(query)
            if org is None:
                org = Organisation(name=organisation or "Organisation de test", kind="state")
                db.session.add(org)
                db.session.flush()
            email = f"{role}{next(_user_numbers)}@demo.sira.invalid"
            create_user(email, f"{role.capitalize()} de test", role, org.id, PASSWORD)
            db.session.commit()
        return email

    def login(self, page, role: str, organisation: str | None = None) -> str:
        email = self.create_user(role, organisation)
        page.goto(f"{self.url}/connexion")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return email


@pytest.fixture
def live_server(tmp_path):
    # A SQLite file of its own: the server thread and the test share it, and no other test's schema leaks in.
    app = make_test_app(f"sqlite:///{tmp_path / 'live.db'}", tmp_path, WTF_CSRF_ENABLED=True, TESTING=False)
    reset_database(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=5)
        dispose(app)


# Our own Playwright, started and stopped per module: pytest-playwright's session-wide one keeps an event
# loop running in the main thread for the whole run, which code under test calling asyncio.run() trips on.
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def open_page(browser):
    """`open_page(site, email)`: a new browser context signed in as `email` (password tests PASSWORD)."""
    from tests.integration.referrals.conftest import PASSWORD as REFERRALS_PASSWORD

    contexts = []

    def _open(site, email, password=REFERRALS_PASSWORD):
        context = browser.new_context(locale="fr-FR", accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{site['url']}/connexion")
        page.fill("#email", email)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/connexion" not in url)
        return page

    yield _open
    for context in contexts:
        context.close()
