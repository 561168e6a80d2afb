"""Sira in scale-out mode for real, for a benchmark or a smoke test: the Procfile's processes on loopback.

`scaleout_stack(...)` creates a fresh PostgreSQL database, flushes its Redis database, starts the fake
Twilio and Telegram APIs, prepares the schema and data in this process (`prepare(app)`), then starts
gunicorn (`hub:create_app()`), N `rq worker --with-scheduler --worker-class hub.worker.SiraWorker` and one
`rq cron hub/cron_config.py`, exactly as the Procfile runs them. On the way out every process is terminated
(then killed), the fakes stop, the Redis database is flushed and the PostgreSQL database dropped.

Not a benchmark module itself (`python -m bench` only runs bench/bench_*.py).
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

from bench.bench_channels import BIN, REPO, _database, _environment, _free_port, _wait_http
from tests.fakes.telegram_api import FakeTelegramApi
from tests.fakes.twilio_api import FakeTwilioApi

TELEGRAM_SECRET = "bench-telegram-secret-0123456789"
QUEUE_NAME = "sira-load"


class ServiceUnreachable(RuntimeError):
    """PostgreSQL or Redis does not answer: a real scale-out run is impossible."""


class _StampedList(list):
    """The fake Twilio's record of accepted messages, each stamped with its arrival time (queue lag)."""

    def append(self, item):
        item["received_at"] = time.time()
        super().append(item)


class StampedTwilio(FakeTwilioApi):
    def __init__(self):
        super().__init__()
        self.messages = _StampedList()


class StampedTelegram(FakeTelegramApi):
    """Records, on each sendMessage call, the message id it answered with and when it arrived: the
    outbox stores "chat:message_id", and a button press must name the message it came from."""

    def _message(self, params: dict, text: str | None = None) -> dict:
        message = super()._message(params, text)
        params.setdefault("_message_id", message["message_id"])
        params.setdefault("_received_at", time.time())
        return message


@dataclass
class Stack:
    env: dict
    base_url: str
    twilio: StampedTwilio
    telegram: StampedTelegram
    redis: object
    app: object  # an app in this process on the same database, for set-up and verification
    info: dict = field(default_factory=dict)
    processes: list[subprocess.Popen] = field(default_factory=list)
    logs: Path | None = None

    def log_tail(self, lines: int = 40) -> str:
        out = []
        for path in sorted(self.logs.glob("*.log")) if self.logs else []:
            text = path.read_text(errors="replace").splitlines()[-lines:]
            if text:
                out.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(out)


def _start(name: str, command: list[str], env: dict, logs: Path) -> subprocess.Popen:
    # Output to a file, never an unread pipe: a full pipe would block the process under load.
    handle = open(logs / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(command, env=env, cwd=str(REPO), stdout=handle, stderr=subprocess.STDOUT)
    process.log_handle = handle
    return process


def _stop_all(processes: list[subprocess.Popen], grace: float = 10.0) -> None:
    """SIGTERM to all at once (RQ workers finish their job, gunicorn its requests), SIGKILL after `grace`."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        finally:
            process.log_handle.close()


def _wait_for_workers(redis, count: int, processes: list[subprocess.Popen], seconds: float = 90.0) -> None:
    from rq import Queue, Worker

    deadline = time.monotonic() + seconds
    while Worker.count(queue=Queue(QUEUE_NAME, connection=redis)) < count:
        if any(p.poll() is not None for p in processes):
            raise RuntimeError("an RQ worker exited at start-up")
        if time.monotonic() > deadline:
            raise RuntimeError("RQ workers did not start")
        time.sleep(0.1)


@contextmanager
def scaleout_stack(redis_url: str, prepare: Callable[[object], dict], *, web_workers: int = 2,
                   rq_workers: int = 2, extra_env: dict | None = None) -> Iterator[Stack]:
    from redis import Redis
    from redis.exceptions import RedisError

    from hub import create_app
    from hub.extensions import db

    redis = Redis.from_url(redis_url, socket_connect_timeout=3)
    try:
        redis.ping()
    except RedisError as error:
        raise ServiceUnreachable(f"Redis {redis_url}: {error}") from None
    with tempfile.TemporaryDirectory(prefix="sira-load-") as tmp:
        workdir = Path(tmp)
        logs = workdir / "logs"
        logs.mkdir()
        database_url, label, drop = _database(workdir)
        if label != "PostgreSQL":
            raise ServiceUnreachable("PostgreSQL (SIRA_TEST_POSTGRES_URL) does not answer")
        twilio = telegram = app = stack = None
        try:
            redis.flushdb()
            twilio = StampedTwilio().start()
            telegram = StampedTelegram().start()
            env = _environment(
                database_url, workdir, twilio.url, SIRA_REDIS_URL=redis_url, SIRA_QUEUE_NAME=QUEUE_NAME,
                SIRA_ENCRYPTION_KEYS=Fernet.generate_key().decode(), TELEGRAM_BOT_TOKEN=telegram.token,
                TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET, TELEGRAM_API_BASE=telegram.base_url,
                TELEGRAM_TIMEOUT="5", **(extra_env or {}))
            settings = {k: v for k, v in env.items() if k.startswith("SIRA_")}
            app = create_app({"INSTANCE_PATH": env["SIRA_INSTANCE_PATH"], "TESTING": True,
                              "JOBS_INLINE": True, **settings, "SIRA_REDIS_URL": ""})
            with app.app_context():
                db.create_all()
                info = prepare(app)
                db.session.remove()
                db.engine.dispose()  # no connection of ours may be inherited by the forked processes
            port = _free_port()
            stack = Stack(env, f"http://127.0.0.1:{port}", twilio, telegram, redis, app, info, logs=logs)
            stack.processes.append(_start("web", [str(BIN / "gunicorn"), "--workers", str(web_workers),
                                                  "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
                                                  "hub:create_app()"], env, logs))
            workers = [_start(f"worker{i}", [str(BIN / "rq"), "worker", "--with-scheduler", "--worker-class",
                                             "hub.worker.SiraWorker", "--url", redis_url, "--logging_level",
                                             "WARNING", QUEUE_NAME], env, logs) for i in range(rq_workers)]
            stack.processes += workers
            stack.processes.append(_start("cron", [str(BIN / "rq"), "cron", "--url", redis_url,
                                                   "--logging-level", "warning", "hub/cron_config.py"],
                                          env, logs))
            _wait_http(f"{stack.base_url}/healthz", seconds=60)
            _wait_for_workers(redis, rq_workers, workers)
            yield stack
        except Exception:
            if stack is not None:
                print(stack.log_tail(), flush=True)
            raise
        finally:
            try:
                _stop_all(stack.processes if stack else [])
                for fake in (twilio, telegram):
                    if fake is not None:  # stopping a server that never started would wait forever
                        fake.stop()
                if app is not None:
                    with app.app_context():
                        db.session.remove()
                        db.engine.dispose()
            finally:  # whatever failed above, leave no database and no Redis keys behind
                redis.flushdb()
                redis.close()
                drop()


__all__ = ["Stack", "ServiceUnreachable", "scaleout_stack", "TELEGRAM_SECRET", "QUEUE_NAME"]
