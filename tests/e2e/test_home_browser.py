"""The home page in real headless Chromium: French first, English on request."""


def test_home_page_in_chromium_switches_language(live_server, page):
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "le chemin de chaque enfant" in page.locator("h1").inner_text()
    page.click("a[hreflang=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "every child's path" in page.locator("h1").inner_text()


def test_healthz_answers_json_in_chromium(live_server, page):
    response = page.goto(live_server.url + "/healthz")
    assert response.status == 200
    assert response.json()["database"]["ok"] is True
