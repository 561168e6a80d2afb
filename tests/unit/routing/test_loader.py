"""Loading and checking POS files: the shipped one passes, each broken one fails with its own error.

Each file in broken/ starts with `# expect: <part of the message>` and `# expect-line: <line>`.
"""

import hashlib
import re
from pathlib import Path

import pytest

from routing import DEFAULT_POS_PATH, PosError, check_pos, load_pos

HERE = Path(__file__).resolve().parent
BROKEN = sorted((HERE / "broken").glob("*.yaml"))
MINIMAL = HERE / "minimal_pos.yaml"


def test_the_shipped_pos_passes_without_errors_or_warnings():
    pos, issues = check_pos(DEFAULT_POS_PATH)
    assert issues == []
    assert pos.version == "bamako-2026.1"
    assert pos.content_hash == hashlib.sha256(DEFAULT_POS_PATH.read_bytes()).hexdigest()
    assert list(pos.risk_levels) == ["urgence", "eleve", "moyen", "faible"]
    assert all(any(s.action == "coordinator" for s in ladder.steps) for ladder in pos.ladders.values())
    assert {r.code for r in pos.decline_reasons} == {
        "no_capacity", "outside_coverage", "not_eligible", "service_not_offered", "already_served", "other"}


def test_the_shipped_pos_makes_the_mandatory_notifications():
    pos = load_pos(DEFAULT_POS_PATH)
    notified = {need: rule.when for rule in pos.rules for need in rule.then.notify}
    assert notified["protection_etat"].unaccompanied is True
    assert notified["securite_police"].trafficking_suspected is True


@pytest.mark.parametrize("word, intent", [
    ("OUI", "accept"), ("ok", "accept"), ("Accepté", "accept"), ("awɔ", "accept"), ("AWO", "accept"),
    ("yes", "accept"), ("NON", "decline"), ("ayi", "decline"), ("No", "decline"), ("refus", "decline"),
    ("VU", "seen"), ("aide", "help"), ("HELP", "help"), ("STATUT", "status"), ("plein", "full"),
    ("DISPO", "available"), ("peut-être", None),
])
def test_reply_vocabulary(word, intent):
    assert load_pos(DEFAULT_POS_PATH).reply_intent(word) == intent


def test_decline_reasons_by_code_or_number():
    pos = load_pos(DEFAULT_POS_PATH)
    assert pos.decline_reason("1").code == "no_capacity"
    assert pos.decline_reason("outside_coverage").number == 2
    assert pos.decline_reason("99") is None


def test_the_minimal_pos_used_to_build_the_broken_ones_is_valid():
    assert check_pos(MINIMAL)[1] == []


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_each_broken_pos_yields_its_expected_error(path):
    header = path.read_text(encoding="utf-8")
    expected = re.search(r"^# expect: (.+)$", header, re.M).group(1)
    expected_line = int(re.search(r"^# expect-line: (\d+)$", header, re.M).group(1))
    with pytest.raises(PosError) as raised:
        load_pos(path)
    matching = [i for i in raised.value.errors if expected in i.message]
    assert matching, f"no error mentions {expected!r}: {[str(i) for i in raised.value.errors]}"
    assert expected_line in [i.line for i in matching]


def test_every_error_is_reported_at_once():
    text = MINIMAL.read_text().replace("needs_any: [hebergement]", "needs_any: [abri]").replace(
        "clock: working_hours", "clock: bureau")
    _, issues = check_pos(text)
    assert {i.path for i in issues} == {"rules[1].when.needs_any[0]", "risk_levels.moyen.clock"}


def test_shadowed_rules_are_warnings_not_errors():
    text = MINIMAL.read_text().replace(
        "    then:\n      notify: [protection_etat]\n",
        "    then:\n      notify: [protection_etat]\n    stop: true\n",
    ).replace("      commune: \"Commune VI\"\n", "      commune: \"Commune VI\"\n      unaccompanied: true\n")
    pos, issues = check_pos(text)
    assert pos is not None
    assert [(i.severity, i.path) for i in issues] == [("warning", "rules[1]")]
    assert "masquée" in issues[0].message and pos.warnings == tuple(issues)


def test_yaml_keeps_no_and_times_as_text():
    text = MINIMAL.read_text().replace("fr: [NON]", "fr: [NON]\n    en: [NO]").replace(
        'tuesday: "08:00-17:00"', "tuesday: 08:00-17:00")
    pos = load_pos(text)
    assert pos.reply_intent("no") == "decline"


def test_duplicate_keys_are_errors():
    text = MINIMAL.read_text().replace('version: "test-1"', 'version: "test-1"\nversion: "test-2"')
    _, issues = check_pos(text)
    assert any("deux fois" in i.message and i.line == 3 for i in issues)


def test_the_hash_is_of_the_bytes_and_changes_with_any_edit():
    first = load_pos(MINIMAL.read_bytes())
    second = load_pos(MINIMAL.read_text() + "\n# un commentaire\n")
    assert first.content_hash == hashlib.sha256(MINIMAL.read_bytes()).hexdigest()
    assert first.content_hash != second.content_hash and first.version == second.version
