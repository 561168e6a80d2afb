"""HSDS 3.0 and one-sheet import/export: schema-valid, lossless, all-or-nothing."""

import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from directory.exchange import tabular
from directory.exchange.formats import export_directory, import_file
from directory.exchange.hsds_schema import errors, export_errors
from directory.exchange.records import ImportRejected
from directory.models import Contact, ContactChannel, Organisation, Service
from hub.extensions import db

EXAMPLES = Path(__file__).resolve().parents[3] / "directory" / "hsds_3_0" / "examples"


def snapshot() -> tuple:
    return (db.session.scalar(select(func.count()).select_from(Organisation)),
            db.session.scalar(select(func.count()).select_from(Service)),
            db.session.scalar(select(func.count()).select_from(Contact)),
            sorted(db.session.scalars(select(ContactChannel.address))))


def empty_directory():
    for model in (ContactChannel, Contact):
        db.session.execute(model.__table__.delete())
    for service in db.session.scalars(select(Service)):
        db.session.delete(service)
    db.session.flush()
    db.session.execute(Organisation.__table__.update().values(parent_id=None))
    db.session.execute(Organisation.__table__.delete())
    db.session.commit()


def test_the_demo_export_validates_against_the_official_hsds_schemas(demo_directory, tmp_path):
    export_directory(db.session, "hsds-json", tmp_path / "annuaire.json")
    organisations = json.loads((tmp_path / "annuaire.json").read_text())
    assert len(organisations) == 21
    assert export_errors(organisations) == []
    service = organisations[0]["services"][0]
    assert service["attributes"][0]["taxonomy_term"]["taxonomy"] == "sira_service_type"
    assert service["service_at_locations"][0]["location"]["addresses"][0]["country"] == "ML"


def test_the_tabular_export_validates_against_the_official_tabular_schema(demo_directory, tmp_path):
    export_directory(db.session, "hsds-csv", tmp_path / "paquet")
    package = json.loads((tmp_path / "paquet" / "datapackage.json").read_text())
    assert package["profile"] == "tabular-data-package"
    tables = {}
    for resource in package["resources"]:
        rows = list(csv.DictReader(io.StringIO((tmp_path / "paquet" / resource["path"]).read_text())))
        types = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
        required = {f["name"] for f in resource["schema"]["fields"] if f.get("constraints", {}).get("required")}
        # In CSV an empty cell is no value, except in a required column, where it is the empty string.
        tables[resource["name"]] = [{k: tabular._coerce(v, types.get(k, "string"), "", k, []) for k, v in row.items()
                                     if v != "" or k in required} for row in rows]
    assert errors("tabular_compiled", tables) == []
    assert len(tables["service"]) == 43 and len(tables["x_sira_channel"]) > 64


@pytest.mark.parametrize(("fmt", "name"), [("hsds-json", "a.json"), ("hsds-csv", "paquet"),
                                            ("hsds-csv", "paquet.zip"), ("csv", "feuille.csv")])
def test_export_import_export_is_identical(demo_directory, tmp_path, fmt, name):
    export_directory(db.session, fmt, tmp_path / name)
    export_directory(db.session, "hsds-json", tmp_path / "before.json")
    empty_directory()
    assert snapshot()[:3] == (0, 0, 0)
    report = import_file(db.session, tmp_path / name)
    db.session.commit()
    assert report.created == {"organisations": 21, "services": 43, "contacts": 64}
    export_directory(db.session, "hsds-json", tmp_path / "after.json")
    assert (tmp_path / "after.json").read_text() == (tmp_path / "before.json").read_text()
    export_directory(db.session, fmt, tmp_path / f"again-{name}")
    if fmt != "hsds-csv":
        assert (tmp_path / f"again-{name}").read_text() == (tmp_path / name).read_text()


def test_reimporting_the_same_file_updates_and_duplicates_nothing(demo_directory, tmp_path):
    export_directory(db.session, "hsds-json", tmp_path / "a.json")
    before = snapshot()
    report = import_file(db.session, tmp_path / "a.json")
    db.session.commit()
    assert report.updated["services"] == 43 and report.created["services"] == 0
    assert snapshot() == before


@pytest.mark.parametrize("example", ["service_full.json", "organization_full.json", "service_list.json", "csv"])
def test_the_official_examples_import(app_context, example):
    report = import_file(db.session, EXAMPLES / example)
    db.session.commit()
    service = db.session.scalar(select(Service))
    assert service.name == "Community Counselling"
    assert service.type_code == "autre"  # no Sira type in the example: said in a warning
    assert any("autre" in str(w) for w in report.warnings)
    if example != "service_list.json":
        contact = db.session.scalar(select(Contact))
        assert contact.name == "Ann Persona"
        assert [c.address for c in contact.channels][0] == "+441234234567"
        assert service.opening_hours == {"thursday": [["10:00", "18:00"]], "friday": [["10:00", "18:00"]]}


# ---------------------------------------------------------------- corrupted files change nothing


def _corrupt_json(path: Path, change) -> None:
    organisations = json.loads(path.read_text())
    change(organisations)
    path.write_text(json.dumps(organisations))


def _rejected(path: Path) -> list[str]:
    with pytest.raises(ImportRejected) as rejected:
        import_file(db.session, path)
    db.session.rollback()
    return [str(p) for p in rejected.value.problems]


@pytest.fixture
def exported(demo_directory, tmp_path):
    # Edit the directory after the export, so that a partial import would show.
    export_directory(db.session, "hsds-json", tmp_path / "a.json")
    export_directory(db.session, "hsds-csv", tmp_path / "paquet")
    export_directory(db.session, "csv", tmp_path / "feuille.csv")
    for service in db.session.scalars(select(Service)):
        service.name = service.name + " (modifié)"
    db.session.commit()
    return tmp_path


def test_a_bad_phone_in_json_rejects_the_file_naming_where(exported):
    before = snapshot()

    def bad_phone(organisations):
        organisations[20]["contacts"][1]["x_sira_channels"][0]["address"] = "+223 12"
    _corrupt_json(exported / "a.json", bad_phone)
    problems = _rejected(exported / "a.json")
    assert len(problems) == 1
    assert "[20].contacts[1].x_sira_channels[0]" in problems[0] and "n'est pas un numéro" in problems[0]
    assert snapshot() == before
    assert db.session.scalar(select(func.count()).select_from(Service).where(Service.name.like("%(modifié)"))) == 43


def test_an_unknown_service_type_in_the_package_names_file_row_and_column(exported):
    before = snapshot()
    path = exported / "paquet" / "attributes.csv"
    lines = path.read_text().splitlines()
    lines[5] = lines[5].replace(",hebergement", ",massage") if ",hebergement" in lines[5] else lines[5]
    path.write_text("\n".join(lines) + "\n")
    terms = exported / "paquet" / "taxonomy_terms.csv"
    terms.write_text(terms.read_text().replace(",hebergement,", ",massage,"))
    problems = _rejected(exported / "paquet")
    assert problems and all("type de service inconnu « massage »" in p for p in problems)
    assert problems[0].startswith("services.csv, ligne ")
    assert snapshot() == before


def test_a_broken_reference_in_the_package_is_named(exported):
    path = exported / "paquet" / "services.csv"
    rows = list(csv.reader(io.StringIO(path.read_text())))
    rows[7][rows[0].index("organization_id")] = "00000000-0000-4000-8000-000000000000"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue())
    before = snapshot()
    problems = _rejected(exported / "paquet")
    assert problems == ["services.csv, ligne 8, colonne « organization_id » : référence à une organisation absente "
                        "(00000000-0000-4000-8000-000000000000)"]
    assert snapshot() == before


@pytest.mark.parametrize("name", ["a.json", "feuille.csv", "paquet.zip"])
def test_a_truncated_file_is_refused_and_changes_nothing(exported, name):
    if name == "paquet.zip":
        shutil.make_archive(str(exported / "paquet"), "zip", exported / "paquet")
    path = exported / name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    before = snapshot()
    problems = _rejected(path)
    assert problems
    assert any(word in problems[0] for word in ("tronqué", "incomplète"))
    assert snapshot() == before


def test_a_truncated_csv_inside_a_package_names_the_row(exported):
    path = exported / "paquet" / "services.csv"
    text = path.read_text()
    path.write_text(text[: len(text) - 300])
    problems = _rejected(exported / "paquet")
    assert problems[0].startswith("services.csv, ligne ") and "incomplète" in problems[0]


def test_dry_run_checks_without_writing(exported):
    before = snapshot()
    report = import_file(db.session, exported / "feuille.csv", dry_run=True)
    db.session.rollback()
    assert report.dry_run and snapshot() == before
    assert db.session.scalar(select(func.count()).select_from(Service).where(Service.name.like("%(modifié)"))) == 43


def test_the_zip_package_reads_like_the_folder(exported):
    with zipfile.ZipFile(exported / "p.zip", "w") as archive:
        for file in (exported / "paquet").iterdir():
            archive.write(file, f"sira/{file.name}")
    import_file(db.session, exported / "p.zip")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Service).where(Service.name.like("%(modifié)"))) == 0
