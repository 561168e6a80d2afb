"""Configuration for `rq cron -u $SIRA_REDIS_URL hub/cron_config.py` (run exactly one such process)."""

import os

from rq import cron

from hub.dispatch import run_job
from hub.schedule import PERIODIC_JOBS

QUEUE_NAME = os.environ.get("SIRA_QUEUE_NAME") or "sira"

for path, interval in PERIODIC_JOBS:
    cron.register(run_job, queue_name=QUEUE_NAME, args=(path,), interval=interval)
