"""Imports every model module so that the metadata (and Alembic) sees all tables."""

import adapters.simulator  # noqa: F401  (SimulatedMessage)
from directory.models import Organisation  # noqa: F401
from hub.audit import AuditEntry, AuditHead  # noqa: F401
from hub.auth.models import ApiToken, User  # noqa: F401
from hub.coordination.models import ActionPoint, AgendaItem, CoordinationMeeting, MeetingParticipant  # noqa: F401
from hub.heartbeat import PeriodicRun  # noqa: F401
from hub.referrals.models import (  # noqa: F401
    BreakGlassAccess,
    Child,
    IdempotencyRecord,
    Referral,
    ReferralTarget,
    TargetTransition,
)
from hub.webhooks.models import ProcessedInbound, TelegramLinkCode  # noqa: F401
from notifications.escalation_records import MeetingFlag  # noqa: F401
from notifications.outbox import OutboxMessage  # noqa: F401
from routing.models import PosVersion  # noqa: F401
