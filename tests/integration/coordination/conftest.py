"""Coordination tests reuse the referrals' small world: the demo directory and one user per role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.extensions import db
from tests.integration.referrals.conftest import add_provider, make_world, send


@pytest.fixture
def world(app):
    return make_world(app)


@pytest.fixture
def overdue(app, client, world):
    """A referral whose first target's acknowledgement deadline has passed; a provider user for it."""
    from hub.referrals.models import Referral
    from hub.timeutil import utcnow

    response = send(client, world)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    with app.app_context():
        referral = db.session.scalar(select(Referral).where(Referral.code == body["code"]))
        target = referral.targets[0]
        target.acknowledge_due_at = utcnow() - timedelta(hours=3)
        db.session.commit()
        add_provider(app, world, "provider", target.organisation_id)
        return {"code": body["code"], "target_id": target.id, "referral_id": referral.id,
                "organisation_id": target.organisation_id}
