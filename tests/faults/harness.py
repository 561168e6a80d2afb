"""Real services to break on purpose: a private redis-server, real `rq worker` processes, PostgreSQL
connections terminated by the server, and the app wired to them and to the loopback fake providers.

Everything started here is owned by the caller and stopped in `finally` blocks: a private Redis is never
the shared one (which other test runs use), a worker runs in a process group of its own so that SIGKILL
takes its forked work horse with it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bench.bench_channels import BIN, REPO, _environment, _free_port
from tests.support import TEST_ENCRYPTION_KEY, dispose, make_test_app, reset_database

QUEUE = "sira-faults"


class ServiceMissing(RuntimeError):
    """A service the scenario needs is not there (tests turn it into service_unavailable)."""


class PrivateRedis:
    """`redis-server` on a free loopback port, without persistence: stopping it loses every queued job,
    as a crash of an ephemeral Redis would."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise ServiceMissing("redis-server is not installed")
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> PrivateRedis:
        from redis import Redis
        from redis.exceptions import RedisError

        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client, deadline = Redis.from_url(self.url, socket_connect_timeout=1), time.monotonic() + 10
        while True:
            try:
                client.ping()
                client.close()
                return self
            except RedisError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise ServiceMissing(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.02)

    def stop(self) -> None:
        """SIGKILL: a crash, not a shutdown (nothing is saved anyway)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@contextmanager
def private_redis():
    redis = PrivateRedis().start()
    try:
        yield redis
    finally:
        redis.stop()


def channel_settings(twilio=None, telegram=None, timeout: float = 2.0) -> dict:
    """TWILIO_* / TELEGRAM_* pointing at the fakes; a channel without a fake goes to the simulator."""
    settings = {"SIRA_PUBLIC_URL": "https://sira.example.org"}
    if twilio is not None:
        settings.update({"TWILIO_ACCOUNT_SID": twilio.account_sid, "TWILIO_AUTH_TOKEN": twilio.auth_token,
                         "TWILIO_FROM": "+22370000000", "TWILIO_API_BASE": twilio.url,
                         "TWILIO_TIMEOUT": str(timeout)})
    if telegram is not None:
        settings.update({"TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE": telegram.base_url,
                         "TELEGRAM_WEBHOOK_SECRET": "faults-webhook-secret-0123456789",
                         "TELEGRAM_TIMEOUT": str(timeout)})
    return settings


@contextmanager
def scaleout_app(database_url: str, workdir: Path, redis_url: str, **settings):
    """The app in scale-out mode (jobs on RQ) on an emptied schema; disposed afterwards."""
    app = make_test_app(database_url, workdir, SIRA_REDIS_URL=redis_url, SIRA_QUEUE_NAME=QUEUE,
                        JOBS_INLINE=False, **settings)
    reset_database(app)
    try:
        yield app
    finally:
        dispose(app)


def worker_environment(database_url: str, workdir: Path, redis_url: str, twilio, **extra) -> dict:
    """The environment a real worker process builds its app from: the same database, keys and fakes."""
    return _environment(database_url, workdir, twilio.url, SIRA_REDIS_URL=redis_url, SIRA_QUEUE_NAME=QUEUE,
                        SIRA_ENCRYPTION_KEYS=TEST_ENCRYPTION_KEY, SIRA_PUBLIC_URL="https://sira.example.org",
                        **extra)


class WorkerProcess:
    """`rq worker --worker-class hub.worker.SiraWorker` (or `worker_class`), in a process group of its own."""

    def __init__(self, env: dict, *, log: Path | None = None, worker_class: str = "hub.worker.SiraWorker"):
        command = [str(BIN / "rq"), "worker", "--worker-class", worker_class, "--url",
                   env["SIRA_REDIS_URL"], "--disable-job-desc-logging", QUEUE]
        self.redis_url = env["SIRA_REDIS_URL"]
        self.log = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115  (closed in stop)
        self.process = subprocess.Popen(command, env=env, cwd=str(REPO), stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def wait_listening(self, seconds: float = 60) -> WorkerProcess:
        """Until the worker has registered on Redis (it builds the app first: a few seconds)."""
        from redis import Redis
        from rq import Queue, Worker

        redis = Redis.from_url(self.redis_url)
        try:
            wait_for(lambda: not self.alive() or Worker.count(queue=Queue(QUEUE, connection=redis)) > 0,
                     seconds, "rq worker start-up")
        finally:
            redis.close()
        if not self.alive():
            raise AssertionError(f"rq worker exited at start-up with {self.process.returncode}")
        return self

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker and its work horse at once, as a lost machine would. RQ puts the horse in a
        process group of its own (os.setpgrp), so it is found among the worker's children first."""
        horses = _children(self.process.pid) if self.alive() else []
        self._signal_group(signal.SIGKILL)
        for pid in horses:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=10)
        self._close()

    def kill_horse(self) -> int:
        """SIGKILL only the work horse (the process running the job), as the OOM killer would pick it: the
        worker itself records the job as failed and goes on with the next one. Horses killed."""
        horses = _children(self.process.pid)
        for pid in horses:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return len(horses)

    def stop(self) -> None:
        # A horse still at work (held by a hanging fake) would outlive its worker: it goes first.
        for pid in _children(self.process.pid) if self.alive() else []:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.alive():
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait(timeout=10)
        self._close()

    def _signal_group(self, number: int) -> None:
        if self.process.returncode is not None:
            return  # reaped: its id may belong to another process by now
        try:
            os.killpg(self.process.pid, number)
        except ProcessLookupError:
            pass

    def _close(self) -> None:
        if self.log is not subprocess.DEVNULL:
            self.log.close()
            self.log = subprocess.DEVNULL


def _children(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (Linux /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def wait_for(condition, seconds: float, what: str, interval: float = 0.05) -> float:
    """Poll `condition` until true; seconds waited. Raises naming `what` after `seconds` (a bound, not a
    timing assertion: a healthy run is far inside it)."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            raise AssertionError(f"{what}: not done after {seconds:.0f} s")
        time.sleep(interval)
    return time.monotonic() - start


# --- PostgreSQL connections terminated by the server -----------------------------------------------------


class ConnectionKiller:
    """Terminates the app's PostgreSQL connections from an admin connection, as a database restart, a
    fail-over or an idle-session reaper does: `all_now()` between two pieces of work, or `arm(pattern)` to
    terminate the connection about to run the next statement matching `pattern` (mid-transaction)."""

    def __init__(self, engine):
        self.engine = engine
        self.database = engine.url.database
        self.admin = create_engine(make_url(engine.url).set(database="postgres"), isolation_level="AUTOCOMMIT",
                                   poolclass=NullPool)
        self.pattern: re.Pattern | None = None
        self.killed = 0
        event.listen(engine, "before_cursor_execute", self._before_execute)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before_execute)
        self.admin.dispose()

    def all_now(self) -> int:
        with self.admin.connect() as connection:
            pids = connection.scalars(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"),
                {"name": self.database}).all()
            for pid in pids:
                # The timeout makes the call wait until the backend is really gone.
                connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        self.killed += len(pids)
        return len(pids)

    def arm(self, pattern: str) -> None:
        self.pattern = re.compile(pattern, re.IGNORECASE | re.DOTALL)

    def _before_execute(self, connection, cursor, statement, parameters, context, executemany):
        if self.pattern is None or not self.pattern.search(statement):
            return
        self.pattern = None
        pid = cursor.connection.info.backend_pid
        with self.admin.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        self.killed += 1
