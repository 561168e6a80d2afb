"""Browser tests of the coordination pages reuse the referrals' live site (tests/e2e/referrals/conftest.py)
and the shared `browser` / `open_page` fixtures of tests/e2e/conftest.py."""

from tests.e2e.referrals.conftest import referrals_site  # noqa: F401
