"""`rq worker --worker-class hub.worker.SiraWorker` (the Procfile's worker) on a real Redis: it runs each job in
its own process, so deliveries share its database pool and HTTP session, and a job over its timeout is still
stopped without stopping the worker."""

from __future__ import annotations

import os
import time

import pytest
from rq import Queue
from rq.job import JobStatus
from sqlalchemy import update

from directory.models import Contact
from hub import dispatch
from hub.extensions import db
from hub.worker import SiraWorker
from tests.integration.channels.conftest import outbox
from tests.integration.referrals.conftest import make_world, send
from tests.support import REDIS_URL, dispose, make_test_app, reset_database


@pytest.fixture
def worker_app(database_url, tmp_path, channel_environ, redis_connection, monkeypatch):
    """Scale-out mode with every channel on its fake; the app a worker process would have built."""
    app = make_test_app(database_url, tmp_path, SIRA_REDIS_URL=REDIS_URL, JOBS_INLINE=False, **channel_environ)
    reset_database(app)
    monkeypatch.setattr(dispatch, "_worker_app_instance", app)
    yield app
    dispose(app)


def work(app) -> None:
    backend = app.extensions["sira_dispatcher"]
    SiraWorker([backend.queue], connection=backend.redis).work(burst=True)


def test_one_worker_delivers_every_notice_of_a_referral_once(worker_app, fake_twilio):
    world = make_world(worker_app)
    with worker_app.app_context():  # real (non-demo) contacts: delivery goes to the fake Twilio
        db.session.execute(update(Contact).values(demo=False))
        db.session.commit()
    assert send(worker_app.test_client(), world).status_code == 201
    rows = outbox(worker_app, kind="new_referral")
    assert rows and fake_twilio.messages == []
    work(worker_app)
    assert {r.status for r in outbox(worker_app, kind="new_referral")} == {"sent"}
    assert len(fake_twilio.messages) == len(rows)


def test_jobs_run_in_the_worker_itself_and_a_job_over_its_timeout_still_fails(worker_app, redis_connection):
    queue = Queue("sira-worker-test", connection=redis_connection)
    slow = queue.enqueue(time.sleep, 30, job_timeout=1)
    after = queue.enqueue(os.getpid)
    SiraWorker([queue], connection=redis_connection).work(burst=True)
    assert slow.get_status(refresh=True) == JobStatus.FAILED  # stopped by its timeout, not slept to the end
    assert "JobTimeoutException" in slow.latest_result().exc_string
    assert after.get_status(refresh=True) == JobStatus.FINISHED  # the worker went on
    assert after.return_value() == os.getpid()  # no child process per job
