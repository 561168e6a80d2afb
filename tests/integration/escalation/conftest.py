"""A referral world for escalation scenarios: the demo directory, users, and helpers on a moving clock."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from hub.audit import AuditEntry
from hub.auth.models import User
from hub.extensions import db
from hub.referrals import service
from hub.referrals.models import Referral, ReferralTarget
from notifications.outbox import OutboxMessage
from tests.integration.referrals.conftest import add_provider, child_payload, make_world


@pytest.fixture
def world(app):
    return make_world(app)


def refer(world, when: datetime, risk: str = "eleve", needs=("assistance_juridique",), **child) -> str:
    """A referral made by the caseworker at `when` (inside an app context); its code. By default a boy
    living with his family, so that the rules add no mandatory notification: one target to follow, with
    two other eligible providers of legal aid in the demo directory to re-route to."""
    actor = db.session.get(User, world.users["caseworker"])
    payload = child_payload(risk_level=risk, needs=list(needs))
    payload["child"].update({"unaccompanied": False, "sex": "male", "status": "national", **child})
    return service.create_referral(actor, payload, when).code


def targets_of(code: str) -> list[ReferralTarget]:
    db.session.expire_all()
    referral = db.session.scalar(select(Referral).where(Referral.code == code))
    return list(referral.targets)


def messages(target_id: int | None = None, kind: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if target_id is not None:
        query = query.where(OutboxMessage.target_id == target_id)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def audit(action_prefix: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action.startswith(action_prefix))
                                   .order_by(AuditEntry.seq)))


__all__ = ["add_provider", "refer", "targets_of", "messages", "audit"]
