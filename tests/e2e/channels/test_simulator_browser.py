"""The simulator page in headless Chromium: a coordinator replies "OUI <code>" as a demo provider over SMS
and the referral is accepted through the same inbound path as a real SMS."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.models import Contact
from hub.extensions import db
from hub.referrals.models import ReferralTarget
from tests.integration.referrals.conftest import make_world, send

pytestmark = pytest.mark.browser


def test_reply_oui_as_a_demo_provider_accepts_the_referral(live_server, page):
    app = live_server.app
    world = make_world(app)
    body = send(app.test_client(), world).get_json()
    assert "targets" in body, body
    code, target_id = body["code"], body["targets"][0]["id"]
    with app.app_context():
        target = db.session.get(ReferralTarget, target_id)
        contact = db.session.get(Contact, target.contact_order[0])
        contact_id, sms = contact.id, next(c for c in contact.channels if c.kind == "sms")
        sms_channel_id = sms.id

    live_server.login(page, "admin", "DRPFEF Bamako")
    page.goto(f"{live_server.url}/simulateur")
    page.select_option("select[name=contact]", str(contact_id))
    page.wait_for_selector("#contact-name")
    section = page.locator(f"#channel-{sms_channel_id}")
    assert code in section.inner_text()
    assert "GSM-7" in section.locator(".sms-cost").first.inner_text()
    assert "segment" in section.locator(".sms-cost").first.inner_text()

    section.locator("input[name=text]").fill(f"OUI {code}")
    section.locator("form.reply button[type=submit]").click()
    page.wait_for_selector(f"#channel-{sms_channel_id} article.reply")
    replies = page.locator(f"#channel-{sms_channel_id} article.message").all_inner_texts()
    assert any(f"OUI {code}" in text for text in replies)
    assert any("acceptée" in text for text in replies)  # the answer Twilio would have carried back
    with app.app_context():
        assert db.session.get(ReferralTarget, target_id).state == "accepted"


def test_only_demo_contacts_can_be_simulated(live_server, page):
    app = live_server.app
    make_world(app)
    with app.app_context():
        contact = db.session.scalar(select(Contact).order_by(Contact.id))
        contact.demo = False
        contact_id, channel_id = contact.id, contact.channels[0].id
        db.session.commit()
    live_server.login(page, "coordinator", "DRPFEF Bamako")
    page.goto(f"{live_server.url}/simulateur")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") if page.locator(
        "input[name=csrf_token]").count() else None
    response = page.request.post(f"{live_server.url}/simulateur/repondre",
                                 form={"contact_id": str(contact_id), "channel_id": str(channel_id),
                                       "text": "OUI", "csrf_token": token or ""})
    assert response.status in (400, 403)
