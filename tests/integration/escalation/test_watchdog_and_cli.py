"""The watchdog (late escalations on /healthz, an hourly alert to the coordinators) and the drill CLI."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from hub.extensions import db
from hub.referrals.models import ReferralTarget
from hub.timeutil import utcnow
from notifications.watchdog import alert_coordinators
from tests.integration.escalation.conftest import messages, refer, targets_of


def test_late_escalations_turn_healthz_503_and_alert_coordinators_once_an_hour(app, client, world):
    assert client.get("/healthz").status_code == 200
    with app.app_context():
        now = utcnow()
        code = refer(world, now - timedelta(hours=3))
        db.session.execute(update(ReferralTarget).values(next_action_at=now - timedelta(minutes=7)))
        db.session.commit()

    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 503 and "escalations" in body["failing"]
    assert "1 target(s)" in body["escalations"]["error"] and "oldest due" in body["escalations"]["error"]

    with app.app_context():
        first = alert_coordinators(now)
        db.session.commit()
        assert first and {m.kind for m in messages()} >= {"escalations_late"}
        assert alert_coordinators(now + timedelta(minutes=30)) == []          # at most once an hour
        db.session.commit()
        assert alert_coordinators(now + timedelta(minutes=61))
        db.session.commit()
        late_alerts = messages(kind="escalations_late")
        assert all(code not in m.body for m in late_alerts)                 # no referral named at all


def test_the_cli_dry_run_writes_nothing_and_the_sweep_applies_at_the_given_time(app, world):
    with app.app_context():
        start = utcnow() - timedelta(days=1)
        code = refer(world, start)
        [target] = targets_of(code)
        when = (start + timedelta(hours=2)).isoformat()
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["escalations", "sweep", "--now", when, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "reminder" in dry.output
    with app.app_context():
        assert messages(target.id, "reminder") == []

    real = runner.invoke(args=["escalations", "sweep", "--now", when])
    assert real.exit_code == 0, real.output
    assert "1 étape(s) appliquée(s)" in real.output
    with app.app_context():
        assert len(messages(target.id, "reminder")) == 1
