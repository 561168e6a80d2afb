"""The records around referrals: the audit chain, key rotation, retention."""

from cryptography.fernet import Fernet
from sqlalchemy import text

from hub.extensions import db
from tests.integration.referrals.conftest import send


def cancel_all(client, world, referral):
    for target in referral["targets"]:
        client.post(f"/api/v1/referrals/{referral['code']}/targets/{target['id']}/cancel",
                    json={"reason_text": "Réunifié avec Aminata's family"}, headers=world.headers("caseworker"))


def test_audit_verify_catches_an_edited_row(app, sent, client, world):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    with app.app_context():
        db.session.execute(text("UPDATE audit_entry SET action = 'referral.view' WHERE seq = 1"))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "seq 1 was edited" in result.output


def test_audit_verify_catches_a_deleted_row(app, client, world, sent):
    client.get(f"/api/v1/referrals/{sent['code']}", headers=world.headers("caseworker"))  # a second row
    client.get(f"/api/v1/referrals/{sent['code']}", headers=world.headers("caseworker"))  # a third row
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_entry WHERE seq = 2"))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "deleted" in result.output


def test_rotating_keys_re_encrypts_with_the_newest_key(app, client, world, sent):
    old_key = app.config["ENCRYPTION_KEYS"][0]
    new_key = Fernet.generate_key().decode()
    app.config["ENCRYPTION_KEYS"] = [new_key, old_key]
    result = app.test_cli_runner().invoke(args=["crypto", "rotate"])
    assert result.exit_code == 0, result.output
    app.config["ENCRYPTION_KEYS"] = [new_key]  # the old key is retired
    detail = client.get(f"/api/v1/referrals/{sent['code']}", headers=world.headers("caseworker")).get_json()
    assert detail["child"]["given_name"] == "Aminata"
    with app.app_context():
        token = db.session.execute(text("SELECT given_name FROM child")).scalar()
    assert Fernet(new_key).decrypt(token.encode()) == b"Aminata"


def test_retention_anonymises_old_closed_referrals_and_keeps_statistics(app, client, world, sent):
    still_open = send(client, world).get_json()
    cancel_all(client, world, sent)
    runner = app.test_cli_runner()
    soon = runner.invoke(args=["retention", "purge", "--now", "2999-01-01T00:00:00+00:00", "--dry-run"])
    assert soon.exit_code == 0 and sent["code"] in soon.output and still_open["code"] not in soon.output
    not_yet = runner.invoke(args=["retention", "purge"])
    assert "0 referral(s)" in not_yet.output

    done = runner.invoke(args=["retention", "purge", "--now", "2999-01-01T00:00:00+00:00"])
    assert done.exit_code == 0 and sent["code"] in done.output
    detail = client.get(f"/api/v1/referrals/{sent['code']}", headers=world.headers("caseworker")).get_json()
    assert detail["anonymised"] is True and detail["child"] is None
    assert detail["facts"]["risk_level"] == "eleve" and detail["facts"]["quartier"] == "Niamakoro"
    assert {t["state"] for t in detail["targets"]} == {"cancelled"}
    with app.app_context():
        names = db.session.execute(text("SELECT given_name, narrative FROM child ORDER BY id")).all()
        texts = db.session.execute(text("SELECT reason_text FROM target_transition "
                                        "WHERE action = 'cancel'")).scalars().all()
    assert names[0] == (None, None) and names[1][0] is not None  # the open referral keeps its child
    assert set(texts) == {None}
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
