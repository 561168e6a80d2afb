"""A periodic job that proves the scheduler runs: /healthz shows when it last beat."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from hub.extensions import db
from hub.timeutil import utcnow
from hub.types import UTCDateTime


class PeriodicRun(db.Model):
    __tablename__ = "periodic_run"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_run_at: Mapped[object] = mapped_column(UTCDateTime())


def record_run(name: str) -> None:
    row = db.session.get(PeriodicRun, name)
    if row is None:
        row = PeriodicRun(name=name)
        db.session.add(row)
    row.last_run_at = utcnow()


def beat() -> None:
    record_run("heartbeat")
    db.session.commit()
