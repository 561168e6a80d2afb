"""Imports every model module so that the metadata (and Alembic) sees all tables."""

from directory.models import Organisation  # noqa: F401
from hub.audit import AuditEntry, AuditHead  # noqa: F401
from hub.auth.models import ApiToken, User  # noqa: F401
from hub.heartbeat import PeriodicRun  # noqa: F401
