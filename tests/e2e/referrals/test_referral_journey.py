"""Create, route, accept, complete and cancel referrals through the web, in headless Chromium."""

import pytest
from sqlalchemy import select

from hub.extensions import db

pytestmark = pytest.mark.browser


def fill_referral(page, site, *, consent=True):
    page.goto(f"{site['url']}/references/nouvelle")
    page.fill("#given_name", "Aminata")
    page.fill("#family_name", "Traoré-Secret")
    page.fill("#age_years", "14")
    page.select_option("#sex", "female")
    page.check("input[name=unaccompanied]")
    page.select_option("#status", "migrant")
    page.fill("#quartier", "Niamakoro")
    page.select_option("#risk_level", "eleve")
    page.check("input[name=needs][value=hebergement]")
    if consent:
        page.check("input[name=consent_kind][value=assent]")
        page.select_option("#consent_given_by", "child")
        page.select_option("#consent_method", "oral")


def first_target(site, code):
    from hub.referrals.models import Referral

    with site["app"].app_context():
        referral = db.session.scalar(select(Referral).where(Referral.code == code))
        return referral.targets[0].id, referral.targets[0].organisation_id


def send_referral(page, site) -> str:
    fill_referral(page, site)
    # The live preview names the chosen providers and why, before anything is sent.
    page.wait_for_selector("#preview-targets li")
    assert "Retenu" in page.inner_text("#preview-targets")
    page.click("form#referral-form button[type=submit]")
    page.wait_for_url("**/references/*")
    return page.url.rsplit("/", 1)[-1]


def test_refused_without_consent_then_sent_accepted_and_completed(referrals_site, open_page):
    site = referrals_site
    caseworker = open_page(site, "caseworker@test.sira")
    fill_referral(caseworker, site, consent=False)
    caseworker.click("form#referral-form button[type=submit]")
    assert "Consentement requis" in caseworker.inner_text("main")

    code = send_referral(caseworker, site)
    assert "Aminata" in caseworker.inner_text(".identity")
    caseworker.click("text=Références")
    assert caseworker.locator(f"tr[data-code='{code}']").count() == 1

    target_id, organisation_id = first_target(site, code)
    site["add_provider"]("focal", organisation_id)
    provider = open_page(site, "focal@test.sira")
    provider.goto(f"{site['url']}/prestataire/boite")
    item = provider.locator(f"article[data-code='{code}']")
    assert "Aminata" not in provider.inner_text("main")
    item.locator("form.action-accept button").click()
    provider.wait_for_url("**/prestataire/boite")
    provider.goto(f"{site['url']}/references/{code}")
    assert "Aminata" in provider.inner_text(".identity")
    provider.locator(f"#target-{target_id} form.action-start button").click()
    provider.locator(f"#target-{target_id} form.action-complete input[name=outcome]").fill("Hébergée au centre")
    provider.locator(f"#target-{target_id} form.action-complete button").click()
    provider.wait_for_selector(f"#target-{target_id}[data-state=completed]")

    caseworker.goto(f"{site['url']}/references/{code}")
    assert "Terminée" in caseworker.inner_text(f"#target-{target_id}")
    assert "Hébergée au centre" in caseworker.inner_text(f"#target-{target_id} .timeline")


def test_caseworker_cancels_a_target_with_a_reason(referrals_site, open_page):
    site = referrals_site
    caseworker = open_page(site, "caseworker@test.sira")
    code = send_referral(caseworker, site)
    target_id, _ = first_target(site, code)
    form = caseworker.locator(f"#target-{target_id} form.action-cancel")
    form.locator("input[name=reason_text]").fill("Enfant réunifié avec sa famille")
    form.locator("button").click()
    caseworker.wait_for_selector(f"#target-{target_id}[data-state=cancelled]")
    assert "Annulée" in caseworker.inner_text(f"#target-{target_id}")


def test_provider_declines_with_a_coded_reason(referrals_site, open_page):
    site = referrals_site
    caseworker = open_page(site, "caseworker@test.sira")
    code = send_referral(caseworker, site)
    target_id, organisation_id = first_target(site, code)
    site["add_provider"]("focal", organisation_id)
    provider = open_page(site, "focal@test.sira")
    provider.goto(f"{site['url']}/prestataire/boite")
    item = provider.locator(f"article[data-code='{code}']")
    item.locator("form.action-decline select").select_option("no_capacity")
    item.locator("form.action-decline button").click()
    provider.wait_for_url("**/prestataire/boite")
    assert provider.locator(f"article[data-code='{code}']").count() == 0  # no longer waiting
    caseworker.goto(f"{site['url']}/references/{code}")
    assert "Refusée" in caseworker.inner_text(f"#target-{target_id}")
