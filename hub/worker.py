"""`rq worker --worker-class hub.worker.SiraWorker`: the app is built once, and jobs run in the worker itself.

RQ's default worker forks a child per job. A child cannot keep anything for the next job: each delivery
opened a new PostgreSQL connection (a new server backend), a new HTTP connection (a TLS handshake with
the real Twilio or Telegram) and, for Telegram, a new Bot (one getMe). SiraWorker runs every job in the
worker process itself, like rq's SimpleWorker, so the engine's pool, the adapters' HTTP sessions and the
Telegram event loop live as long as the worker.

What stays true:
- Job timeouts: rq arms the same SIGALRM death penalty around each job (it runs in the main thread), so
  a job over its timeout fails with JobTimeoutException and the worker goes on with the next one.
- Shutdown: SIGTERM finishes the job in hand then stops; a second SIGTERM/SIGINT stops at once.
- A crash (SIGKILL, the OOM killer) takes the worker with its job, as killing a forking worker did: the
  outbox row stays `sending` and the relay hands it back after SENDING_TIMEOUT; a supervisor (the
  Procfile's process manager, systemd) starts the worker again. Delivery is safe to run twice.

SiraForkingWorker keeps one process per job (isolation from a job that leaks or crashes, at several
times the cost per message: bench/bench_channels.py) with the same preloading.
"""

from __future__ import annotations

import importlib
import os

from rq.worker import SimpleWorker, Worker
from sqlalchemy.orm import configure_mappers

# Imported by delivery jobs; twilio loads its REST resources lazily, so name them too.
PRELOAD = ("notifications.delivery", "adapters.twilio_sms", "adapters.telegram", "adapters.email_smtp",
           "hub.webhooks.inbound", "twilio.rest.api.v2010.account.message")


def _preload() -> None:
    """Build the app and import what jobs need, once per worker process rather than on the first job."""
    from hub.dispatch import _worker_app

    for module in PRELOAD:
        importlib.import_module(module)
    _worker_app()
    configure_mappers()  # SQLAlchemy configures mappers lazily: ~0.5 s otherwise spent by the first job


class SiraWorker(SimpleWorker):
    """Runs jobs in its own process: database connections and HTTP clients are reused across jobs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _preload()
        global _fork_hook_registered
        if not _fork_hook_registered:
            # rq forks its scheduler process (--with-scheduler) from this one: the child must never use
            # the pooled connections, which belong to this process (SQLAlchemy's recipe for fork).
            os.register_at_fork(after_in_child=_forget_inherited_connections)
            _fork_hook_registered = True


_fork_hook_registered = False


def _forget_inherited_connections() -> None:
    from hub import dispatch
    from hub.extensions import db

    if dispatch._worker_app_instance is not None:
        with dispatch._worker_app_instance.app_context():
            db.engine.dispose(close=False)


class SiraForkingWorker(Worker):
    """One forked child per job (rq's default model), with the app preloaded in the parent."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from hub.dispatch import _worker_app
        from hub.extensions import db

        _preload()
        with _worker_app().app_context():
            db.engine.dispose()  # no connection is shared across processes: each child opens its own
