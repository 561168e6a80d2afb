def test_home_page_speaks_french_first(sqlite_app):
    page = sqlite_app.test_client().get("/")
    assert page.status_code == 200
    assert 'lang="fr"' in page.text
    assert "le chemin de chaque enfant" in page.text


def test_language_switch_to_english_and_back(sqlite_app):
    client = sqlite_app.test_client()
    response = client.get("/langue/en?next=/")
    assert response.status_code == 302 and response.location == "/"
    page = client.get("/")
    assert 'lang="en"' in page.text
    assert "every child's path between services" in page.text
    client.get("/langue/fr")
    assert 'lang="fr"' in client.get("/").text


def test_language_switch_never_redirects_off_site(sqlite_app):
    response = sqlite_app.test_client().get("/langue/en?next=https://evil.example/")
    assert response.location == "/"
