"""The one-sheet CSV: rows are read and checked without a database; every refusal names row and column."""

import pytest

from directory.exchange import sheet
from directory.exchange.records import ImportRejected
from directory.exchange.validate import Reference, validate
from directory.places import BAMAKO_COMMUNES
from directory.taxonomy import SERVICE_TYPE_CODES

HEADER = ",".join(sheet.COLUMNS)


def reference() -> Reference:
    places = {commune: "commune" for commune in BAMAKO_COMMUNES}
    places.update({q: "quartier" for qs in BAMAKO_COMMUNES.values() for q in qs})
    return Reference(service_types=set(SERVICE_TYPE_CODES), places=places)


def row(**cells) -> str:
    defaults = {"organisation": "ENDA Mali", "type_organisation": "national_ngo", "service": "Centre d'accueil",
                "type_service": "hebergement", "horaires": "lun-ven 08:00-17:00", "quartier": "Bozola",
                "contact": "Point focal", "role": "focal_point", "canaux": "sms:70 00 00 01; email:pf@demo.sira.invalid"}
    defaults.update(cells)
    return ",".join(f'"{defaults.get(column, "")}"' for column in sheet.COLUMNS)


def problems_of(*rows: str) -> list[str]:
    text = "\n".join([HEADER, *rows]) + "\n"
    try:
        data = sheet.loads(text, "annuaire.csv")
    except ImportRejected as rejected:
        return [str(p) for p in rejected.problems]
    return [str(p) for p in validate(data, reference())]


def test_a_good_row_gives_an_organisation_a_service_and_a_contact_with_ordered_channels():
    data = sheet.loads("\n".join([HEADER, row()]), "annuaire.csv")
    assert [o.name for o in data.organisations] == ["ENDA Mali"]
    assert data.services[0].opening_hours["friday"] == [["08:00", "17:00"]]
    assert validate(data, reference()) == []
    assert [(c.kind, c.address) for c in data.contacts[0].channels] == [
        ("sms", "+22370000001"), ("email", "pf@demo.sira.invalid")]


def test_two_contacts_of_one_service_make_one_service():
    data = sheet.loads("\n".join([HEADER, row(), row(contact="Suppléant", role="backup")]), "annuaire.csv")
    assert len(data.services) == 1 and len(data.contacts) == 2
    assert {c.service_uid for c in data.contacts} == {data.services[0].uid}


def test_french_labels_are_understood():
    data = sheet.loads("\n".join([HEADER, row(role="Point focal", type_service="Hébergement / abri sûr",
                                              etat="complet")]), "annuaire.csv")
    assert data.contacts[0].role == "focal_point"
    assert data.services[0].type_code == "hebergement"
    assert data.services[0].status == "full"


@pytest.mark.parametrize(("cells", "column", "reason"), [
    ({"canaux": "sms:70 12"}, "canaux", "numéro"),
    ({"type_service": "massage"}, "type_service", "type de service inconnu"),
    ({"age_min": "douze"}, "age_min", "nombre entier"),
    ({"horaires": "lun-ven 17:00-08:00"}, "horaires", "la fin doit suivre"),
    ({"quartier": "Atlantis"}, "quartier", "quartier inconnu"),
    ({"role": "chef"}, "role", "rôle inconnu"),
    ({"demo": "peut-être"}, "demo", "oui ou non"),
])
def test_a_bad_cell_names_its_row_and_column(cells, column, reason):
    problems = problems_of(row(), row(service="Autre service", contact="Autre", **cells))
    assert len(problems) == 1, problems
    assert problems[0].startswith("annuaire.csv, ligne 3")
    assert f"« {column} »" in problems[0] and reason in problems[0]


def test_a_truncated_last_row_is_named():
    truncated = row(contact="Autre")[:40]
    problems = problems_of(row(), truncated)
    assert problems and "ligne 3" in problems[0] and "incomplète" in problems[0]


def test_the_same_service_with_different_values_is_refused():
    problems = problems_of(row(), row(contact="Autre", age_max="12"))
    assert problems == ["annuaire.csv, ligne 3, colonne « age_max » : valeur différente de la ligne 2 pour la "
                        "même entrée"]
