"""Issue 6 speed: the inbound SMS webhook under gunicorn, and delivery with N RQ workers (ratios, one run).

1. Inbound: `POST /webhooks/twilio/sms` under gunicorn (2 workers) on PostgreSQL when reachable (else SQLite),
   each request signed like Twilio signs and carrying a real change: "PLEIN" / "DISPO" from a provider
   contact (signature check, MessageSid de-duplication row, sender lookup, POS vocabulary, capacity change,
   audit row, TwiML). Baseline: a bare Flask endpoint doing one UPDATE on the same database, same gunicorn,
   same client. Target: >= 0.5.
2. Delivery: K outbox rows delivered by N `rq worker` processes (hub.worker.SiraWorker) to the loopback fake
   Twilio API, vs K no-op jobs run by N plain `rq worker` processes on the same Redis. Target: >= 0.5.

Loopback only, bounded loops; about a minute.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from bench import Figure

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
POSTGRES_ADMIN = os.environ.get("SIRA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SIRA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
GUNICORN_WORKERS = 2
CLIENT_THREADS = 8
INBOUND_SECONDS = 6.0
RQ_WORKERS = 2
DELIVERIES = 150
NOOP_JOBS = 300


def noop() -> None:
    """The baseline job: nothing."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database(workdir: Path) -> tuple[str, str, callable]:
    """(url, label, drop): a fresh PostgreSQL database when the server answers, else a SQLite file."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"sira_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(make_url(POSTGRES_ADMIN), isolation_level="AUTOCOMMIT",
                              connect_args={"connect_timeout": 3})
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        return f"sqlite:///{workdir / 'bench.db'}", "SQLite", lambda: None

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(POSTGRES_ADMIN).set(database=name).render_as_string(hide_password=False), "PostgreSQL", drop


def _environment(database_url: str, workdir: Path, twilio_base: str, **extra) -> dict:
    from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIRA_", "TWILIO_", "TELEGRAM_", "SMTP_"))}
    env.update({
        "SIRA_DATABASE_URL": database_url, "SIRA_SECRET_KEY": "bench-secret-key-0123456789",
        "SIRA_INSTANCE_PATH": str(workdir / "instance"), "SIRA_PUBLIC_URL": "https://sira.bench.example",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_FROM": "+22370000000",
        "TWILIO_API_BASE": twilio_base, "TWILIO_TIMEOUT": "5", "PYTHONPATH": str(REPO),
    })
    env.update(extra)
    return env


def _prepare(env: dict) -> dict:
    """Schema, demo directory, one real (non-demo) provider contact with one service; returns its details."""
    from sqlalchemy import func, select

    from directory.demo import load_demo_directory
    from directory.models import Contact, Service
    from hub import create_app
    from hub.extensions import db

    os.environ.update(env)
    app = create_app({"TESTING": True, "JOBS_INLINE": True, "SIRA_REDIS_URL": ""})
    with app.app_context():
        db.drop_all()
        db.create_all()
        load_demo_directory()
        db.session.commit()
        counts = dict(db.session.execute(select(Service.organisation_id, func.count()).group_by(
            Service.organisation_id)).all())
        contact = next(c for c in db.session.scalars(select(Contact).order_by(Contact.id))
                       if counts.get(c.organisation_id) == 1 and c.role == "focal_point")
        contact.demo = False
        db.session.commit()
        phone = next(ch.address for ch in contact.channels if ch.kind == "sms")
        info = {"contact_id": contact.id, "phone": phone}
        db.engine.dispose()
    return info


def _wait_http(url: str, seconds: float = 20.0) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not start")


def _gunicorn(app_spec: str, env: dict, port: int) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / "gunicorn"), "--workers", str(GUNICORN_WORKERS), "--bind",
                             f"127.0.0.1:{port}", "--log-level", "warning", app_spec],
                            env=env, cwd=str(REPO), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _hammer(url: str, bodies: list[tuple[bytes, dict]], seconds: float) -> float:
    """Requests per second that answered 200, from CLIENT_THREADS threads for `seconds` (bounded)."""
    import requests

    done, errors, stop = [0], [0], threading.Event()
    lock = threading.Lock()
    cursor = iter(range(len(bodies)))

    def worker():
        session = requests.Session()
        while not stop.is_set():
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            data, headers = bodies[index]
            response = session.post(url, data=data, headers=headers, timeout=10)
            with lock:
                if response.status_code == 200:
                    done[0] += 1
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(CLIENT_THREADS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors[0]:
        raise RuntimeError(f"{errors[0]} requests failed")
    return done[0] / elapsed


def _signed_sms(env: dict, phone: str, count: int) -> list[tuple[bytes, dict]]:
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(env["TWILIO_AUTH_TOKEN"])
    url = env["SIRA_PUBLIC_URL"] + "/webhooks/twilio/sms"
    bodies = []
    for index in range(count):
        form = {"MessageSid": f"SM{uuid.uuid4().hex}", "AccountSid": env["TWILIO_ACCOUNT_SID"], "From": phone,
                "To": env["TWILIO_FROM"], "Body": "PLEIN" if index % 2 == 0 else "DISPO", "NumMedia": "0"}
        headers = {"X-Twilio-Signature": validator.compute_signature(url, form),
                   "Content-Type": "application/x-www-form-urlencoded"}
        bodies.append((urlencode(form).encode(), headers))
    return bodies


def _inbound(env: dict, info: dict, label: str) -> list[Figure]:
    port = _free_port()
    server = _gunicorn("hub:create_app()", env, port)
    try:
        _wait_http(f"http://127.0.0.1:{port}/healthz")
        bodies = _signed_sms(env, info["phone"], 40_000)
        _hammer(f"http://127.0.0.1:{port}/webhooks/twilio/sms", bodies[:50], 0.5)  # warm-up
        sira = _hammer(f"http://127.0.0.1:{port}/webhooks/twilio/sms", bodies[50:], INBOUND_SECONDS)
    finally:
        _stop(server)
    port = _free_port()
    _create_counter_table(env["SIRA_DATABASE_URL"])  # here, not in each gunicorn worker: they raced
    bare = _gunicorn("bench.bench_channels:bare_app()", env, port)
    try:
        _wait_http(f"http://127.0.0.1:{port}/")
        blank = [(b"x=1", {"Content-Type": "application/x-www-form-urlencoded"})] * 400_000
        _hammer(f"http://127.0.0.1:{port}/update", blank[:50], 0.5)
        baseline = _hammer(f"http://127.0.0.1:{port}/update", blank, INBOUND_SECONDS)
    finally:
        _stop(bare)
    return [Figure(f"inbound SMS webhook, gunicorn x{GUNICORN_WORKERS}, {label}", sira, baseline, "req/s", 0.5,
                   "min_ratio", f"PLEIN/DISPO signed by Twilio's validator, {CLIENT_THREADS} client threads; "
                   "baseline: bare Flask, one UPDATE")]


def _create_counter_table(url: str) -> None:
    """The baseline's table, 1,000 rows. Created before gunicorn starts: two workers creating it at once
    on PostgreSQL could fail one worker's boot (a duplicate pg_type row) and leave the baseline at 0 req/s."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS bench_counter (id INTEGER PRIMARY KEY, n INTEGER)"))
        if not connection.execute(text("SELECT count(*) FROM bench_counter")).scalar():
            connection.execute(text("INSERT INTO bench_counter (id, n) VALUES " +
                                    ", ".join(f"({i}, 0)" for i in range(1, 1001))))
    engine.dispose()


def bare_app():
    """Gunicorn target of the baseline: one UPDATE per request on the same database, nothing else."""
    import random

    from flask import Flask
    from sqlalchemy import create_engine, text

    url = os.environ["SIRA_DATABASE_URL"]
    engine = create_engine(url, **({"connect_args": {"timeout": 30}} if url.startswith("sqlite") else {}))
    app = Flask("bare")

    @app.get("/")
    def index():
        return "ok"

    @app.post("/update")
    def update():
        with engine.begin() as connection:
            connection.execute(text("UPDATE bench_counter SET n = n + 1 WHERE id = :id"),
                               {"id": random.randint(1, 1000)})
        return "ok"

    return app


def _rq_workers(env: dict, queue: str, worker_class: str | None) -> list[subprocess.Popen]:
    """N long-running workers (as in production), started before the clock so start-up is not measured."""
    from redis import Redis
    from rq import Queue, Worker

    command = [str(BIN / "rq"), "worker", "--url", env["SIRA_REDIS_URL"], queue]
    if worker_class:
        command[2:2] = ["--worker-class", worker_class]
    processes = [subprocess.Popen(command, env=env, cwd=str(REPO), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) for _ in range(RQ_WORKERS)]
    redis, deadline = Redis.from_url(env["SIRA_REDIS_URL"]), time.monotonic() + 60
    while Worker.count(queue=Queue(queue, connection=redis)) < RQ_WORKERS:
        if time.monotonic() > deadline:
            _stop_all(processes)
            raise RuntimeError("RQ workers did not start")
        time.sleep(0.1)
    time.sleep(0.5)  # past registration: listening
    return processes


def _stop_all(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        _stop(process)


def _until(condition, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("jobs did not finish in time")
        time.sleep(0.02)


def _delivery(env: dict, info: dict) -> list[Figure]:
    from redis import Redis
    from rq import Queue
    from rq.registry import FinishedJobRegistry
    from sqlalchemy import func, select

    from directory.models import Contact
    from hub import create_app
    from hub.extensions import db
    from notifications.outbox import OutboxMessage, queue_to_contact
    from notifications.templates import MessageContext, MessageKind

    redis = Redis.from_url(env["SIRA_REDIS_URL"])
    redis.flushdb()
    os.environ.update(env)
    app = create_app({"TESTING": True, "JOBS_INLINE": False})

    def sent() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.status == "sent"))

    workers = _rq_workers(env, env["SIRA_QUEUE_NAME"], "hub.worker.SiraWorker")
    try:
        start = time.perf_counter()
        with app.app_context():  # K rows in one commit; the commit enqueues their K deliver jobs
            contact = db.session.get(Contact, info["contact_id"])
            context = MessageContext(code="K7Q2", service="Hébergement", urgency="Élevé", commune="Commune VI")
            for _ in range(DELIVERIES):
                queue_to_contact(contact, MessageKind.NEW_REFERRAL, context)
            db.session.commit()
        _until(lambda: sent() >= DELIVERIES)
        delivery_seconds = time.perf_counter() - start
    finally:
        _stop_all(workers)
    with app.app_context():
        db.engine.dispose()

    noop_queue = Queue("bench-noop", connection=redis)
    finished = FinishedJobRegistry(queue=noop_queue)
    workers = _rq_workers(env, "bench-noop", None)
    try:
        start = time.perf_counter()
        for _ in range(NOOP_JOBS):
            noop_queue.enqueue(noop)
        _until(lambda: finished.count >= NOOP_JOBS)
        noop_seconds = time.perf_counter() - start
    finally:
        _stop_all(workers)
    redis.flushdb()
    return [Figure(f"delivery to fake Twilio, {RQ_WORKERS} RQ workers", DELIVERIES / delivery_seconds,
                   NOOP_JOBS / noop_seconds, "msg/s", 0.5, "min_ratio",
                   f"{DELIVERIES} SMS through the twilio SDK vs {NOOP_JOBS} no-op jobs; hub.worker.SiraWorker "
                   "(jobs in the worker's process) vs rq's default forking Worker, started before the clock")]


def run() -> list[Figure]:
    from tests.fakes.twilio_api import FakeTwilioApi

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        database_url, label, drop = _database(workdir)
        fake = FakeTwilioApi().start()
        saved = dict(os.environ)
        try:
            env = _environment(database_url, workdir, fake.url, SIRA_QUEUE_NAME="sira-bench",
                               SIRA_REDIS_URL=REDIS_URL)  # scale-out mode, as gunicorn runs in production
            info = _prepare(env)
            figures = _inbound(env, info, label)
            figures += _delivery(env, info)
            return figures
        finally:
            os.environ.clear()
            os.environ.update(saved)
            fake.stop()
            drop()
