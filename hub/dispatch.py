"""The dispatch seam: the only module that knows whether Sira runs embedded or scaled out.

`dispatch(job, *args)` promises that `job(*args)` runs after the current database transaction commits,
inside an application context, with a session of its own. Embedded mode runs it in-process (on one
background thread, or inline for tests); scale-out mode enqueues it on RQ. A rolled-back transaction
dispatches nothing, so a job never sees state that was not committed (ARCHITECTURE.md principle 3).

Periodic jobs are declared once in `hub.schedule.PERIODIC_JOBS`; embedded mode runs them on a
background thread started by the first web request, scale-out mode through one `rq cron` process
(`hub/cron_config.py`).
"""

from __future__ import annotations

import importlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from hub.extensions import db

log = logging.getLogger(__name__)

_PENDING_KEY = "sira_dispatch_pending"


@dataclass(frozen=True)
class PendingJob:
    path: str
    args: tuple
    job_id: str | None


def job_path(job: Callable | str) -> str:
    if isinstance(job, str):
        return job
    return f"{job.__module__}.{job.__qualname__}"


def resolve(path: str) -> Callable:
    module_name, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module_name), name)


def dispatch(job: Callable | str, *args, job_id: str | None = None) -> None:
    """Run `job(*args)` once the current transaction commits. Arguments must be plain values."""
    session = db.session()
    session.info.setdefault(_PENDING_KEY, []).append(PendingJob(job_path(job), args, job_id))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, None)
    if pending and has_app_context():
        backend = current_app.extensions["sira_dispatcher"]
        for job in pending:
            backend.submit(job)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


def run_job(path: str, *args):
    """Entry point of every job, in both modes: a fresh app context, hence a fresh session."""
    app = current_app._get_current_object() if has_app_context() else _worker_app()
    with app.app_context():
        try:
            return resolve(path)(*args)
        finally:
            db.session.remove()


_worker_app_instance: Flask | None = None


def _worker_app() -> Flask:
    """An RQ worker process builds the app once, from the same environment as the web process."""
    global _worker_app_instance
    if _worker_app_instance is None:
        from hub import create_app

        _worker_app_instance = create_app()
    return _worker_app_instance


class InlineBackend:
    """Runs each job right after commit, in the committing thread: deterministic, for tests."""

    mode = "embedded"

    def __init__(self, app: Flask):
        self.app = app

    def submit(self, job: PendingJob) -> None:
        try:
            with self.app.app_context():
                run_job(job.path, *job.args)
        except Exception:
            # The job's own state (e.g. an outbox row still pending) lets the relay try again.
            log.exception("job %s%r failed", job.path, job.args)

    def drain(self, timeout: float = 10.0) -> None:
        return None

    def health(self) -> dict:
        return {"mode": self.mode}


class ThreadBackend(InlineBackend):
    """Embedded mode: one background thread runs jobs in order, so SQLite sees one writer at a time."""

    def __init__(self, app: Flask):
        super().__init__(app)
        self._queue: queue.Queue[PendingJob] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="sira-jobs", daemon=True)
        self._thread.start()

    def submit(self, job: PendingJob) -> None:
        self._queue.put(job)

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            try:
                super().submit(job)
            finally:
                self._queue.task_done()

    def drain(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)


class RQBackend:
    """Scale-out mode: enqueue on RQ; workers run `run_job` with an app built from the environment."""

    mode = "scale-out"

    def __init__(self, app: Flask):
        from redis import Redis
        from rq import Queue

        self.redis = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)
        self.queue = Queue(app.config["QUEUE_NAME"], connection=self.redis)

    def submit(self, job: PendingJob) -> None:
        from redis.exceptions import RedisError

        try:
            self.queue.enqueue(run_job, job.path, *job.args, job_id=job.job_id)
        except RedisError:
            # Never fail the committed request: the outbox relay re-dispatches what stays pending.
            log.warning("could not enqueue %s%r: Redis unreachable", job.path, job.args, exc_info=True)

    def drain(self, timeout: float = 10.0) -> None:
        return None

    def health(self) -> dict:
        self.redis.ping()
        return {"mode": self.mode, "queue": self.queue.name, "queued": self.queue.count}


def init_dispatch(app: Flask) -> None:
    if app.config.get("REDIS_URL"):
        backend = RQBackend(app)
    elif app.config.get("JOBS_INLINE"):
        backend = InlineBackend(app)
    else:
        backend = ThreadBackend(app)
    app.extensions["sira_dispatcher"] = backend
    if backend.mode == "embedded" and not app.config.get("TESTING"):
        _start_scheduler_on_first_request(app)


def dispatcher() -> InlineBackend | RQBackend:
    return current_app.extensions["sira_dispatcher"]


# --- periodic jobs -------------------------------------------------------------------------------


class PeriodicRunner:
    """Embedded mode's `rq cron`: runs each periodic job every `interval` seconds on one thread."""

    def __init__(self, app: Flask, jobs: list[tuple[str, int]]):
        self.app = app
        self.jobs = jobs
        self.next_run = {path: time.monotonic() for path, _ in jobs}
        self.thread = threading.Thread(target=self._loop, name="sira-periodic", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def run_due(self, now: float) -> None:
        for path, interval in self.jobs:
            if now >= self.next_run[path]:
                self.next_run[path] = now + interval
                try:
                    with self.app.app_context():
                        run_job(path)
                except Exception:
                    log.exception("periodic job %s failed", path)

    def _loop(self) -> None:
        while True:
            self.run_due(time.monotonic())
            time.sleep(1)


def _start_scheduler_on_first_request(app: Flask) -> None:
    lock = threading.Lock()
    started = False

    @app.before_request
    def _start_periodic_jobs():
        nonlocal started
        if started:
            return
        with lock:
            if not started:
                from hub.schedule import PERIODIC_JOBS

                PeriodicRunner(app, PERIODIC_JOBS).start()
                started = True
