"""`rq worker --worker-class hub.worker.SiraWorker`: the app is built once in the worker's main process.

RQ's default worker forks a child per job. Without this, each child built the Flask app anew and imported
the channel SDKs and configured the ORM mappers (about a second per job); with it, children inherit both.
The engine's pool is emptied before any fork so that no database connection is shared across processes.
"""

from __future__ import annotations

import importlib

from rq.worker import Worker
from sqlalchemy.orm import configure_mappers

# Imported by delivery jobs; twilio loads its REST resources lazily, so name them too.
PRELOAD = ("notifications.delivery", "adapters.twilio_sms", "adapters.telegram", "adapters.email_smtp",
           "hub.webhooks.inbound", "twilio.rest.api.v2010.account.message")


class SiraWorker(Worker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from hub.dispatch import _worker_app
        from hub.extensions import db

        for module in PRELOAD:
            importlib.import_module(module)
        app = _worker_app()
        configure_mappers()  # SQLAlchemy configures mappers lazily: ~0.5 s that every child would repeat
        with app.app_context():
            db.engine.dispose()
