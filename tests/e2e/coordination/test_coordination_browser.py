"""The coordinator's board updates itself after a sweep; a meeting goes from agenda to decision to a
downloaded minutes PDF carrying the referral code; the reports page shows its charts."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.extensions import db
from tests.integration.referrals.conftest import child_payload
from tests.pdf_text import pdf_text

pytestmark = pytest.mark.browser


class HoldJobs:
    """A dispatcher that keeps jobs for later (the outbox relay would send them)."""

    mode = "embedded"

    def submit(self, job) -> None:
        pass


def send_referral(site) -> str:
    client = site["app"].test_client()
    response = client.post("/api/v1/referrals", json=child_payload(), headers=site["world"].headers("caseworker"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def first_target(site, code):
    from hub.referrals.models import Referral

    referral = db.session.scalar(select(Referral).where(Referral.code == code))
    return referral, referral.targets[0]


def test_an_overdue_referral_appears_on_the_board_without_a_reload(referrals_site, open_page):
    from hub.timeutil import utcnow
    from notifications.sweep import sweep

    site = referrals_site
    site["app"].config["COORDINATION_POLL_SECONDS"] = 1
    page = open_page(site, "coordinator@test.sira")
    page.goto(f"{site['url']}/coordination/tableau")
    assert "Aucune référence en retard" in page.inner_text("#board-rows")
    page.evaluate("window.__notReloaded = true")

    code = send_referral(site)
    with site["app"].app_context():
        # Time passes: the acknowledgement deadline and the first escalation step are behind us.
        _referral, target = first_target(site, code)
        past = utcnow() - timedelta(hours=2)
        target.acknowledge_due_at, target.next_action_at = past, past
        db.session.commit()
    # Deliveries are not this test's subject: the sweep's messages stay pending for the relay.
    dispatcher = site["app"].extensions["sira_dispatcher"]
    site["app"].extensions["sira_dispatcher"] = HoldJobs()
    try:
        with site["app"].app_context():
            report = sweep()
    finally:
        site["app"].extensions["sira_dispatcher"] = dispatcher
    assert report.applied, "the sweep applied the first escalation step"

    row = page.wait_for_selector(f"#board-rows tr[data-code='{code}']:has-text('étape 1')", timeout=15_000)
    assert page.evaluate("window.__notReloaded") is True
    text = row.inner_text()
    assert "étape 1" in text and "Aminata" not in page.inner_text("main")
    assert int(page.inner_text("#count-overdue")) >= 1


def test_meeting_agenda_decision_and_minutes_pdf(referrals_site, open_page, tmp_path):
    from hub.timeutil import utcnow
    from notifications.escalation_records import NO_ANSWER, MeetingFlag

    site = referrals_site
    code = send_referral(site)
    with site["app"].app_context():
        referral, target = first_target(site, code)
        target.escalation_step = 6
        db.session.add(MeetingFlag(referral_id=referral.id, target_id=target.id, reason=NO_ANSWER, step_index=6,
                                   flagged_at=utcnow()))
        db.session.commit()
        owner = target.organisation.acronym

    page = open_page(site, "coordinator@test.sira")
    page.goto(f"{site['url']}/coordination/reunions")
    page.fill("#place", "DRPFEF, salle de réunion")
    page.locator("#meeting-form label.inline", has_text="DRPFEF").first.locator("input").check()
    page.click("#meeting-form button[type=submit]")
    page.wait_for_url("**/coordination/reunions/*")
    item = page.locator(f"section.item[data-code='{code}']")
    assert item.count() == 1 and "inscrite par l'escalade" in item.inner_text()

    item.locator("textarea[name=discussion]").fill("Aucune réponse du prestataire après six étapes.")
    item.locator("textarea[name=decision]").fill("Confier la prise en charge au centre de la DRPFEF.")
    item.locator("form.decision button").click()
    page.wait_for_load_state()
    item = page.locator(f"section.item[data-code='{code}']")
    assert "Confier la prise en charge" in item.locator("textarea[name=decision]").input_value()
    item.locator("input[name=description]").fill("Confirmer l'hébergement")
    item.locator("select[name=owner]").select_option(label=owner)
    item.locator("input[name=due_on]").fill((utcnow() + timedelta(days=3)).date().isoformat())
    item.locator("form.action-form button").click()
    page.wait_for_load_state()
    assert "Confirmer l'hébergement" in page.inner_text(f"section.item[data-code='{code}'] ul.actions")

    with page.expect_download() as info:
        page.click("#minutes-pdf")
    path = tmp_path / "compte-rendu.pdf"
    info.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 1000
    text = pdf_text(data)
    assert code in text and "Confier la prise en charge au centre de la DRPFEF." in text
    assert "Aminata" not in text


def test_the_reports_page_shows_its_charts(referrals_site, open_page):
    site = referrals_site
    send_referral(site)
    page = open_page(site, "coordinator@test.sira")
    page.click("header >> text=Rapports")
    page.wait_for_url("**/coordination/rapports")
    charts = page.locator("svg.chart")
    assert charts.count() == 4
    for index in range(4):
        assert charts.nth(index).is_visible()
        assert charts.nth(index).bounding_box()["height"] > 20
    assert page.locator("#chart-needs rect").count() >= 1
    assert page.locator("#chart-risks rect").count() >= 1
    assert page.inner_text("#total-referrals") == "1"
