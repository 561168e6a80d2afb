"""A live Sira (SQLite file, real CSRF) on a loopback port and a headless Chromium to drive it."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.integration.referrals.conftest import PASSWORD, add_provider, make_world
from tests.support import dispose, make_test_app, reset_database


@pytest.fixture
def referrals_site(sqlite_url, tmp_path):
    app = make_test_app(sqlite_url, tmp_path, WTF_CSRF_ENABLED=True)
    reset_database(app)
    world = make_world(app, password=PASSWORD)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site = {"app": app, "world": world, "url": f"http://127.0.0.1:{server.server_port}",
            "add_provider": lambda who, org_id: add_provider(app, world, who, org_id, password=PASSWORD)}
    yield site
    server.shutdown()
    dispose(app)
