"""Redis stopped while sending: the referral still commits, its outbox row waits, and once Redis is back
the relay hands it to a real RQ worker, which delivers it once through the fake Twilio."""

from __future__ import annotations

import socket
from datetime import timedelta

from sqlalchemy import update

from directory.models import Contact
from hub.extensions import db
from hub.timeutil import utcnow
from notifications.delivery import RELAY_GRACE, relay
from tests.integration.channels.conftest import outbox
from tests.integration.referrals.conftest import make_world, send
from tests.support import REDIS_URL, dispose, make_test_app, reset_database, run_worker


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


def test_redis_down_while_sending_loses_nothing(database_url, tmp_path, channel_environ, redis_connection,
                                                fake_twilio):
    down = make_test_app(database_url, tmp_path / "down", SIRA_REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0",
                         JOBS_INLINE=False, **channel_environ)
    reset_database(down)
    try:
        world = make_world(down)
        with down.app_context():  # real (non-demo) contacts, so that delivery goes to the fake Twilio
            db.session.execute(update(Contact).values(demo=False))
            db.session.commit()
        response = send(down.test_client(), world)
        assert response.status_code == 201  # the commit succeeded although nothing could be enqueued
        rows = outbox(down, kind="new_referral")
        assert rows and {r.status for r in rows} == {"pending"}
        assert fake_twilio.messages == []
    finally:
        dispose(down)

    up = make_test_app(database_url, tmp_path / "up", SIRA_REDIS_URL=REDIS_URL, JOBS_INLINE=False,
                       **channel_environ)
    try:
        with up.app_context():
            assert relay(utcnow() + RELAY_GRACE + timedelta(seconds=1)) == len(rows)
        run_worker(up)
        delivered = outbox(up, kind="new_referral")
        assert {r.status for r in delivered} == {"sent"}
        assert len(fake_twilio.messages) == len(rows)
        with up.app_context():  # the relay again finds nothing: delivered once
            assert relay(utcnow() + timedelta(hours=1)) == 0
        run_worker(up)
        assert len(fake_twilio.messages) == len(rows)
    finally:
        dispose(up)
