"""`sira pos check | explain | render` through Flask's CLI runner, and the recorded POS versions."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from routing import DEFAULT_POS_PATH

HERE = Path(__file__).resolve().parent
BROKEN = HERE.parent.parent / "unit" / "routing" / "broken"
FACTS = HERE / "facts_unaccompanied.json"
DIRECTORY = HERE / "directory.json"


def run(app, *args):
    return app.test_cli_runner().invoke(args=["pos", *map(str, args)], catch_exceptions=False)


def test_check_accepts_the_shipped_pos(sqlite_app):
    result = run(sqlite_app, "check", DEFAULT_POS_PATH)
    assert result.exit_code == 0, result.output
    assert "bamako-2026.1" in result.output and "valide" in result.output


def test_check_lists_every_error_with_line_and_path_and_fails(sqlite_app):
    result = run(sqlite_app, "check", BROKEN / "unreachable_rule.yaml")
    assert result.exit_code == 1
    assert "ERREUR ligne 27 [rules[1]]" in result.output and "ERREUR ligne 33 [rules[2]]" in result.output
    assert "2 erreur(s)" in result.output


def test_check_reports_yaml_syntax_with_its_line(sqlite_app):
    result = run(sqlite_app, "check", BROKEN / "bad_yaml.yaml")
    assert result.exit_code == 1 and "ligne 29" in result.output and "YAML illisible" in result.output


def test_explain_from_a_directory_file_in_french(sqlite_app):
    result = run(sqlite_app, "explain", "--facts", FACTS, "--directory", DIRECTORY, "--at", "2026-05-15T15:00")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Accusé de réception avant : lun. 18/05/2026 15:00 (1 jour ouvré)" in out
    assert "[OBLIGATOIRE] — 1. DRPFEF" in out
    assert "Hors zone : le service couvre Commune II, pas Niamakoro (Commune VI)." in out
    assert "Alerte au coordinateur" in out


def test_explain_as_json(sqlite_app):
    result = run(sqlite_app, "explain", "--facts", FACTS, "--directory", DIRECTORY, "--at", "2026-05-15T15:00Z",
                 "--json", "--pos", DEFAULT_POS_PATH)
    decision = json.loads(result.output)
    assert [t["organisation_acronym"] for t in decision["targets"]] == ["ENDA", "DRPFEF", "TdH"]
    assert decision["escalation"]["risk"] == "moyen"


def test_explain_from_the_database_directory(app):
    # The directory tables are empty here: every need is unmet, and the explanation says so.
    result = run(app, "explain", "--facts", FACTS, "--at", "2026-05-15T15:00")
    assert result.exit_code == 0, result.output
    assert "aucun service de ce type" in result.output


def test_explain_refuses_unknown_facts(sqlite_app, tmp_path):
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"risk": "moyen", "prenom": "Awa"}))
    result = sqlite_app.test_cli_runner().invoke(args=["pos", "explain", "--facts", str(facts),
                                                       "--directory", str(DIRECTORY)])
    assert result.exit_code == 1 and "inconnus" in result.output


@pytest.mark.parametrize("fmt, marker", [("md", "## 5. Escalade"), ("html", "<h2>5. Escalade")])
def test_render_text_formats(sqlite_app, tmp_path, fmt, marker):
    out = tmp_path / f"pos.{fmt}"
    result = run(sqlite_app, "render", "--format", fmt, "--out", out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert marker in text and "Motifs de refus" in text and "awɔ" in text


def test_render_pdf(sqlite_app, tmp_path):
    out = tmp_path / "pos.pdf"
    result = run(sqlite_app, "render", "--format", "pdf", "--out", out)
    assert result.exit_code == 0, result.output
    content = out.read_bytes()
    assert content.startswith(b"%PDF") and len(content) > 10_000
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
        assert "Niveaux de risque et délais" in text


def test_active_pos_records_each_content_once(app, tmp_path):
    from hub.extensions import db
    from routing.models import PosVersion
    from routing.store import active_pos, pos_for_hash

    with app.app_context():
        first = active_pos()
        again = active_pos()
        db.session.commit()
        assert first is again
        rows = db.session.scalars(select(PosVersion)).all()
        assert [(r.version, r.content_hash, r.active) for r in rows] == [("bamako-2026.1", first.content_hash, True)]

        edited = tmp_path / "pos.yaml"
        edited.write_text(DEFAULT_POS_PATH.read_text(encoding="utf-8").replace("bamako-2026.1", "bamako-2026.2"),
                          encoding="utf-8")
        app.config["POS_FILE"] = str(edited)
        second = active_pos()
        db.session.commit()
        rows = db.session.scalars(select(PosVersion).order_by(PosVersion.id)).all()
        assert [(r.version, r.active) for r in rows] == [("bamako-2026.1", False), ("bamako-2026.2", True)]
        assert rows[1].loaded_at.tzinfo is not None

        # A running referral keeps the hash it was routed with; its POS can be read back exactly.
        from routing.store import clear_cache

        clear_cache()
        assert pos_for_hash(first.content_hash).version == "bamako-2026.1"
        assert pos_for_hash(second.content_hash).version == "bamako-2026.2"
        assert pos_for_hash("0" * 64) is None
