"""Benchmarks: each `bench/bench_*.py` module has `run() -> list[Figure]`; `python -m bench` runs them all."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Figure:
    """One measured figure beside its same-run baseline.

    `value` and `baseline` are in `unit`. The verdict compares either the absolute value with `target`
    (`kind="max"`: value must stay under it) or the ratio value/baseline with `target`
    (`kind="max_ratio"` or `kind="min_ratio"`).
    """

    name: str
    value: float
    baseline: float
    unit: str
    target: float
    kind: str = "max"
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")

    @property
    def met(self) -> bool:
        if self.kind == "max":
            return self.value <= self.target
        if self.kind == "max_ratio":
            return self.ratio <= self.target
        return self.ratio >= self.target

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio, "met": self.met}


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def time_calls(function: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds per call, `repeat` calls after one warm-up."""
    function()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


@contextmanager
def fresh_schema(database_url: str | None) -> Iterator[object]:
    """An app context on an empty schema: `database_url`, else a SQLite file in a temporary folder.

    The schema is dropped afterwards, so a benchmark never leaves its rows on a shared server.
    """
    from hub.extensions import db
    from tests.support import dispose, make_test_app

    with tempfile.TemporaryDirectory() as tmp:
        app = make_test_app(database_url or f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp))
        try:
            with app.app_context():
                db.drop_all()
                db.create_all()
                yield db.session
                db.session.remove()  # end the read transaction, or PostgreSQL's DROP waits for it
                db.drop_all()
        finally:
            dispose(app)


POSTGRES_SERVER_URL = os.environ.get("SIRA_BENCH_POSTGRES_URL",
                                     "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_postgres(purpose: str) -> Iterator[str | None]:
    """The URL of a new database on SIRA_BENCH_POSTGRES_URL's server, dropped afterwards.

    None (and a line on stderr naming `purpose`) when the server is unreachable: the benchmark then
    reports its SQLite figures only.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(POSTGRES_SERVER_URL)
    name = f"sira_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        print(f"{purpose}: PostgreSQL unreachable at {server.render_as_string(hide_password=True)} "
              f"({type(error).__name__}: {error}); skipped", file=sys.stderr)
        yield None
        return
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
