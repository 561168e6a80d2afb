"""The directory pages in headless Chromium: search, service page, provider capacity, admin form."""

import re

import pytest
from playwright.sync_api import expect

from directory.demo import load_demo_directory
from hub.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_server(live_server):
    with live_server.app.app_context():
        load_demo_directory()
        db.session.commit()
    return live_server


def test_a_caseworker_finds_a_shelter_for_a_girl_in_commune_vi(demo_server, page):
    demo_server.login(page, "caseworker", "DNDS")
    page.click("text=Annuaire")
    page.select_option("#type", "hebergement")
    page.select_option("#quartier", "Banankabougou")
    page.click("button:has-text('Chercher')")
    expect(page.locator("#result-count")).to_contain_text("services trouvés")
    page.click("text=Centre Horonya — accueil des filles")
    expect(page.locator("h1")).to_have_text("Centre Horonya — accueil des filles")
    # Channels are not for caseworkers.
    expect(page.locator("#contacts")).to_contain_text("visibles des coordinateurs")
    expect(page.locator("li.channel")).to_have_count(0)


def test_a_coordinator_sees_the_contact_channels(demo_server, page):
    demo_server.login(page, "coordinator", "DRPFEF Bamako")
    page.goto(f"{demo_server.url}/annuaire/?type=securite_police")
    page.click("text=Protection policière des enfants")
    expect(page.locator("li.channel").first).to_contain_text("+223 70 00")


def test_the_provider_marks_its_service_full_then_available(demo_server, page):
    demo_server.login(page, "provider", "ENDA Mali")
    page.goto(f"{demo_server.url}/annuaire/?q=ENDA")
    page.click("text=Centre d'accueil pour enfants migrants")
    page.fill("#full_until", "2099-12-31")
    page.click("button:has-text('Marquer le service complet')")
    expect(page.locator(".flash")).to_contain_text("complet")
    expect(page.locator("#service-status")).to_contain_text("31/12/2099")
    page.click("button:has-text('de nouveau disponibles')")
    expect(page.locator("#service-status")).to_contain_text("Disponible")


def test_a_provider_of_another_organisation_gets_no_switch(demo_server, page):
    demo_server.login(page, "provider", "OIM")
    page.goto(f"{demo_server.url}/annuaire/?q=ENDA")
    page.click("text=Centre d'accueil pour enfants migrants")
    expect(page.locator("#capacity")).to_have_count(0)


def test_the_admin_form_explains_mistakes_then_saves(demo_server, page):
    demo_server.login(page, "admin", "DRPFEF Bamako")
    page.goto(f"{demo_server.url}/annuaire/")
    page.click("text=Nouveau service")
    page.select_option("#organisation_id", label="Tdh — Terre des hommes")
    page.fill("#name", "Recherche familiale Commune I")
    page.fill("#min_age", "douze")
    page.fill("#hours", "lun-ven 17:00-08:00")
    page.click("button:has-text('Enregistrer')")
    expect(page.locator("#min_age-error")).to_contain_text("Nombre entier attendu")
    expect(page.locator("#hours-error")).to_contain_text("la fin doit suivre le début")
    page.fill("#min_age", "12")
    page.fill("#hours", "lun-jeu 08:00-16:00; ven 08:00-12:30")
    page.select_option("#quartier", "Banconi")
    page.click("button:has-text('Enregistrer')")
    expect(page).to_have_url(re.compile(r"/annuaire/services/\d+$"))
    expect(page.locator("h1")).to_have_text("Recherche familiale Commune I")
    expect(page.locator("main")).to_contain_text("lun-jeu 08:00-16:00; ven 08:00-12:30")
