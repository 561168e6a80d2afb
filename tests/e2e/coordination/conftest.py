"""Browser tests of the coordination pages: the referrals' live site, and pages from pytest-playwright's
shared `browser` (tests/e2e/conftest.py points it at Debian's headless Chromium). One Playwright per test
session: a second sync Playwright in the same process refuses to start."""

import pytest

from tests.e2e.referrals.conftest import referrals_site  # noqa: F401
from tests.integration.referrals.conftest import PASSWORD


@pytest.fixture
def open_page(browser):
    contexts = []

    def _open(site, email):
        context = browser.new_context(locale="fr-FR", accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{site['url']}/connexion")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/connexion" not in url)
        return page

    yield _open
    for context in contexts:
        context.close()
