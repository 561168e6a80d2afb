"""Regression (found by run_redis_outage at 200 referrals): after a Redis outage the relay handed every
never-tried row out again at each run, every 15 s, while their jobs still waited behind the backlog:
2,735 deliver jobs for 507 waiting messages and three times the recovery time. A row the relay handed
out is now handed out again only after RELAY_REDISPATCH_AFTER (its job may have been lost as well)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.timeutil import utcnow
from notifications.delivery import RELAY_GRACE, RELAY_REDISPATCH_AFTER
from tests.conftest import service_unavailable
from tests.fakes.twilio_api import FakeTwilioApi
from tests.faults.harness import ServiceMissing, channel_settings, private_redis, scaleout_app
from tests.faults.scenarios import (
    outbox_rows,
    queue_messages,
    run_relay,
    run_worker,
    sms_contacts,
    twilio_copies,
)

pytestmark = pytest.mark.faults


def test_relay_hands_a_waiting_row_out_once_per_redispatch_period(database_url, tmp_path):
    twilio = FakeTwilioApi().start()
    try:
        with private_redis() as redis, scaleout_app(database_url, tmp_path, redis.url,
                                                    **channel_settings(twilio)) as app:
            queue_messages(app, sms_contacts(app, 2), 3)  # their 3 jobs wait in the queue: no worker yet
            later = utcnow() + RELAY_GRACE + timedelta(seconds=1)
            assert run_relay(app, later) == 3  # left behind for all the relay knows
            for tick in range(1, 8):  # the next runs, every 15 s: the jobs are still queued
                assert run_relay(app, later + timedelta(seconds=15 * tick)) == 0
            # Long after, the relay's own jobs may have been lost too (Redis died again): out once more.
            assert run_relay(app, later + RELAY_REDISPATCH_AFTER) == 3
            run_worker(app)
            assert {r.status for r in outbox_rows(app)} == {"sent"}
            assert sorted(twilio_copies(twilio).values()) == [1, 1, 1]
    except ServiceMissing as error:
        service_unavailable("Redis", str(error))
    finally:
        twilio.stop()
