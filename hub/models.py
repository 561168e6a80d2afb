"""Imports every model module so that the metadata (and Alembic) sees all tables."""

from hub.heartbeat import PeriodicRun  # noqa: F401
