"""Routing pathways of the Bamako POS over a small fictitious directory (public organisation names only)."""

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from routing import (
    DEFAULT_POS_PATH,
    Contact,
    DirectoryView,
    ProviderService,
    ReferralFacts,
    evaluate,
    load_pos,
    next_provider,
    snapshot_deadline,
)

POS = load_pos(DEFAULT_POS_PATH)
FRIDAY_3PM = datetime(2026, 5, 15, 15, 0, tzinfo=UTC)


def service(service_id, acronym, service_type, **extra) -> ProviderService:
    return ProviderService(
        service_id=service_id, organisation_id=f"org-{acronym}", organisation_name=acronym,
        organisation_acronym=acronym, service_type=service_type,
        contacts=(Contact(f"{acronym}-head", "head", ("email",)), Contact(f"{acronym}-fp", "focal_point", ("sms",)),
                  Contact(f"{acronym}-backup", "backup", ("telegram", "sms"))),
        **extra,
    )


DIRECTORY = [
    service("s-drpfef", "DRPFEF", "protection_etat", district_wide=True),
    service("s-bcpem", "BCPEM", "securite_police", district_wide=True),
    service("s-capf", "CAPF", "hebergement", max_age=4, district_wide=True, open_referrals=9, free_places=3),
    service("s-horonya", "BNCE-Mali", "hebergement", sexes=("female",), min_age=5, communes=("Commune VI",)),
    service("s-samu", "Samusocial", "hebergement", min_age=5, communes=("Commune II",)),
    service("s-enda", "ENDA", "hebergement", min_age=5, communes=("Commune VI", "Commune V"), open_referrals=2),
    service("s-oim", "OIM", "hebergement", min_age=5, quartiers=("Niamakoro",), open_referrals=4),
    service("s-kanuya", "Kanuya", "hebergement", min_age=5, district_wide=True, status="suspended"),
    service("s-tdh-rrf", "TdH", "rrf", district_wide=True, languages=("fr", "bm")),
    service("s-hcr-dis", "HCR", "dis", district_wide=True, statuses=("refugee", "asylum_seeker"), open_referrals=5),
    service("s-tdh-dis", "TdH", "dis", district_wide=True),
    service("s-plan-edu", "Plan", "education", district_wide=True, status="inactive"),
]
VIEW = DirectoryView(DIRECTORY)


def facts(**values) -> ReferralFacts:
    return ReferralFacts(**{"risk": "moyen", "age": 14, "sex": "male", "quartier": "Niamakoro", **values})


def chosen(decision, need):
    return [t.organisation_acronym for t in decision.targets if t.need == need]


def left_out(decision, need):
    return {x.organisation_acronym: x.reason for x in decision.left_out if x.need == need}


def test_unaccompanied_child_needing_shelter_in_commune_vi():
    decision = evaluate(facts(unaccompanied=True, needs=("hebergement",)), POS, VIEW, FRIDAY_3PM)

    assert decision.needs == ("hebergement", "protection_etat", "rrf")
    assert chosen(decision, "hebergement") == ["ENDA"]         # covers Commune VI, least loaded
    assert left_out(decision, "hebergement") == {
        "CAPF": "eligibility", "BNCE-Mali": "eligibility", "Samusocial": "coverage", "Kanuya": "suspended"}
    assert [a.organisation_acronym for a in decision.alternatives if a.need == "hebergement"] == ["OIM"]
    state = next(t for t in decision.targets if t.need == "protection_etat")
    assert state.mandatory and state.organisation_acronym == "DRPFEF"
    assert "enfant_non_accompagne" in state.reason
    assert chosen(decision, "rrf") == ["TdH"]
    shelter = next(t for t in decision.targets if t.need == "hebergement")
    assert "Niamakoro (Commune VI)" in shelter.reason and "le moins chargé" in shelter.reason
    # Moyen: 1 working day; Friday 15:00 -> Monday 15:00, decision 2 working days -> Tuesday 15:00.
    assert shelter.ack_deadline == datetime(2026, 5, 18, 15, tzinfo=UTC)
    assert shelter.decision_deadline == datetime(2026, 5, 19, 15, tzinfo=UTC)
    assert [c["contact_id"] for c in shelter.contacts] == ["ENDA-fp", "ENDA-backup", "ENDA-head"]


def test_suspected_trafficking_notifies_the_bcpem_and_raises_the_risk():
    decision = evaluate(facts(trafficking_suspected=True, needs=("soutien_psychosocial",)), POS, VIEW, FRIDAY_3PM)

    police = next(t for t in decision.targets if t.need == "securite_police")
    assert police.organisation_acronym == "BCPEM" and police.mandatory
    assert (decision.requested_risk, decision.risk, decision.clock) == ("moyen", "eleve", "24/7")
    assert police.ack_deadline == datetime(2026, 5, 15, 19, tzinfo=UTC)       # 4 h, night or not
    assert decision.escalation["risk"] == "eleve" and any("relevé" in n for n in decision.notes)
    assert [u.need for u in decision.unmet] == ["soutien_psychosocial"]
    assert "aucun service de ce type" in decision.unmet[0].explanation


def test_a_child_under_five_goes_to_the_pouponniere_first():
    decision = evaluate(facts(age=3, needs=("hebergement",)), POS, VIEW, FRIDAY_3PM)

    assert chosen(decision, "hebergement") == ["CAPF"]          # preferred although the most loaded
    assert "moins_de_cinq_ans_hebergement" in decision.rules_applied
    assert "préférée par la règle « moins_de_cinq_ans_hebergement »" in decision.targets[0].reason
    assert left_out(decision, "hebergement")["ENDA"] == "eligibility"
    assert "Âge" in next(x.explanation for x in decision.left_out if x.organisation_acronym == "ENDA")


def test_a_refugee_child_needing_a_best_interests_determination():
    refugee = evaluate(facts(status="refugee", separated=True, needs=("dis",)), POS, VIEW, FRIDAY_3PM)
    assert chosen(refugee, "dis") == ["HCR"]                    # preferred by refugie_dis despite its load
    assert chosen(refugee, "rrf") == ["TdH"]                    # separated: family tracing

    national = evaluate(facts(status="national", needs=("dis",)), POS, VIEW, FRIDAY_3PM)
    assert chosen(national, "dis") == ["TdH"]
    assert left_out(national, "dis") == {"HCR": "eligibility"}
    assert "réfugiés" in national.left_out[0].explanation


@pytest.mark.parametrize("changes, excluded", [
    ({"status": "full"}, True),
    ({"free_places": 0}, True),
    ({"status": "full", "full_until": datetime(2026, 5, 20, tzinfo=UTC)}, True),
    ({"status": "full", "full_until": datetime(2026, 5, 10, tzinfo=UTC)}, False),   # date passed
    ({"free_places": 0, "full_until": datetime(2026, 5, 15, 15, tzinfo=UTC)}, False),
])
def test_a_full_provider_is_left_out_until_its_date(changes, excluded):
    directory = [replace(s, **changes) if s.organisation_acronym == "ENDA" else s for s in DIRECTORY]
    decision = evaluate(facts(needs=("hebergement",)), POS, DirectoryView(directory), FRIDAY_3PM)
    if excluded:
        assert left_out(decision, "hebergement")["ENDA"] == "full"
        assert chosen(decision, "hebergement") == ["OIM"]
    else:
        assert chosen(decision, "hebergement") == ["ENDA"]


def test_mandatory_notifications_ignore_capacity():
    directory = [replace(s, status="full") if s.organisation_acronym == "DRPFEF" else s for s in DIRECTORY]
    decision = evaluate(facts(unaccompanied=True), POS, DirectoryView(directory), FRIDAY_3PM)
    assert chosen(decision, "protection_etat") == ["DRPFEF"]


def test_a_missing_mandatory_notification_is_unmet_and_says_so():
    directory = [s for s in DIRECTORY if s.service_type != "protection_etat"]
    decision = evaluate(facts(unaccompanied=True), POS, DirectoryView(directory), FRIDAY_3PM)
    unmet = next(u for u in decision.unmet if u.need == "protection_etat")
    assert unmet.mandatory and "coordinateur" in unmet.explanation


@pytest.mark.parametrize("fact_changes, service_changes, reason", [
    ({"languages": ("ar",)}, {}, "language"),
    ({"declined_by": ("org-TdH",)}, {}, "declined_before"),
    ({}, {"status": "inactive"}, "inactive"),
    ({}, {"status": "suspended"}, "suspended"),
    ({}, {"district_wide": False, "communes": ("Commune I",)}, "coverage"),
    ({"sex": "female"}, {"sexes": ("male",)}, "eligibility"),
    ({}, {"unaccompanied_only": True}, "eligibility"),
    ({"age": None, "age_min": 15, "age_max": 17}, {"max_age": 14}, "eligibility"),
])
def test_every_left_out_reason(fact_changes, service_changes, reason):
    rrf = replace(DIRECTORY[8], **service_changes)
    decision = evaluate(facts(needs=("rrf",), **fact_changes), POS, DirectoryView([rrf]), FRIDAY_3PM)
    assert [(x.reason, bool(x.explanation)) for x in decision.left_out] == [(reason, True)]
    assert decision.targets == () and decision.unmet[0].need == "rrf"


def test_uncertain_facts_never_exclude():
    decision = evaluate(ReferralFacts(risk="faible", needs=("hebergement",), age_min=3, age_max=8),
                        POS, VIEW, FRIDAY_3PM)
    # The range 3-8 fits the CAPF (under 5) and the others (5+); place and sex unknown: nobody left out
    # for them; the rule "under five" does not apply (the child may be older).
    assert set(left_out(decision, "hebergement")) == {"Kanuya"}
    assert "moins_de_cinq_ans_hebergement" not in decision.rules_applied
    assert any("Lieu de l'enfant inconnu" in n for n in decision.notes)


def test_urgent_shelter_asks_two_distinct_organisations_on_the_24_7_clock():
    decision = evaluate(facts(risk="urgence", needs=("hebergement",)), POS, VIEW, FRIDAY_3PM)
    assert chosen(decision, "hebergement") == ["ENDA", "OIM"]
    assert [t.rank for t in decision.targets] == [1, 2]
    assert decision.targets[0].ack_deadline == datetime(2026, 5, 15, 16, tzinfo=UTC)


def test_ties_are_broken_by_acronym_then_service_id():
    twins = [service("b", "ZETA", "education", district_wide=True), service("a", "ALPHA", "education", district_wide=True),
             service("c", "ALPHA", "education", district_wide=True)]
    decision = evaluate(facts(needs=("education",)), POS, DirectoryView(twins), FRIDAY_3PM)
    assert [(t.organisation_acronym, t.service_id) for t in decision.targets] == [("ALPHA", "a")]
    assert [a.organisation_acronym for a in decision.alternatives] == ["ZETA"]   # one target per organisation


def test_commune_is_derived_from_the_quartier_and_given_communes_win():
    derived = evaluate(facts(quartier="sénou", needs=("hebergement",)), POS, VIEW, FRIDAY_3PM)
    assert chosen(derived, "hebergement") == ["ENDA"]
    given = evaluate(facts(quartier=None, commune="Commune II", needs=("hebergement",)), POS, VIEW, FRIDAY_3PM)
    assert chosen(given, "hebergement") == ["Samusocial"]


def test_next_provider_for_rerouting_skips_those_tried():
    child = facts(needs=("hebergement",))
    first = next_provider(child, "hebergement", POS, VIEW, FRIDAY_3PM)
    second = next_provider(child, "hebergement", POS, VIEW, FRIDAY_3PM, tried_organisations=["org-ENDA"])
    none_left = next_provider(child, "hebergement", POS, VIEW, FRIDAY_3PM,
                              tried_organisations=["org-ENDA"], tried_services=["s-oim"])
    assert (first.organisation_acronym, second.organisation_acronym, none_left) == ("ENDA", "OIM", None)
    assert second.reason.startswith("Réorientation")


def test_the_decision_is_json_and_deterministic():
    child = facts(unaccompanied=True, trafficking_suspected=True, needs=("hebergement", "dis"))
    first = evaluate(child, POS, VIEW, FRIDAY_3PM).to_dict()
    again = evaluate(child, POS, DirectoryView(list(reversed(DIRECTORY))), FRIDAY_3PM).to_dict()
    assert json.loads(json.dumps(first)) == first
    assert first == again
    assert first["pos_version"] == POS.version and first["pos_hash"] == POS.content_hash
    assert first["acknowledge_within"] == {"text": "4h", "days": 0, "minutes": 240}


def test_the_escalation_snapshot_runs_on_its_own_calendar():
    policy = evaluate(facts(needs=("rrf",)), POS, VIEW, FRIDAY_3PM).escalation
    assert policy["clock"] == "working_hours"
    assert [s["action"] for s in policy["steps"]][-3:] == ["coordinator", "reroute", "flag_meeting"]
    first_wait = policy["steps"][0]["wait"]
    assert snapshot_deadline(policy, FRIDAY_3PM, first_wait) == datetime(2026, 5, 18, 15, tzinfo=UTC)


def test_naive_now_and_unknown_risk_are_refused():
    with pytest.raises(ValueError):
        evaluate(facts(), POS, VIEW, datetime(2026, 5, 15, 15))
    with pytest.raises(ValueError):
        evaluate(facts(risk="critique"), POS, VIEW, FRIDAY_3PM)


def test_facts_and_services_from_plain_dicts():
    child = ReferralFacts.from_dict({"risk": "moyen", "needs": ["rrf"], "languages": "bm"})
    assert child.needs == ("rrf",) and child.languages == ("bm",)
    provider = ProviderService.from_dict({
        "service_id": 1, "organisation_id": 2, "organisation_name": "X", "organisation_acronym": "X",
        "service_type": "rrf", "full_until": "2026-05-20T00:00:00+00:00",
        "contacts": [{"contact_id": 7, "role": "focal_point", "channels": ["sms"]}],
    })
    assert provider.contacts[0].channels == ("sms",) and provider.full_until.tzinfo is not None
    with pytest.raises(ValueError, match="inconnus"):
        ReferralFacts.from_dict({"risk": "moyen", "nom": "secret"})


def test_the_fast_screening_agrees_with_the_written_explanations():
    """evaluate() screens services over masks (routing.screening); _left_out_reason checks one service at a
    time and writes the French text. Same verdicts, same texts."""
    from bench.bench_routing import generated_directory
    from routing.evaluate import _left_out_reason

    services = generated_directory(600, seed=11)
    view = DirectoryView(services)
    children = [
        facts(needs=("hebergement", "soins_medicaux", "rrf"), languages=("bm",)),
        facts(age=None, age_min=2, age_max=6, sex=None, quartier=None, status="refugee", needs=("dis", "education")),
        facts(sex="female", commune="Commune II", quartier=None, declined_by=(3, 7, 11), needs=("hebergement",)),
    ]
    for child in children:
        decision = evaluate(child, POS, view, FRIDAY_3PM)
        commune = child.commune or view.commune_of(child.quartier)
        chosen_ids = {t.service_id for t in decision.targets} | {a.service_id for a in decision.alternatives}
        by_id = {s.service_id: s for s in services}
        for item in decision.left_out:
            code, text = _left_out_reason(by_id[item.service_id], child, commune, FRIDAY_3PM, check_capacity=True)
            assert (item.reason, item.explanation) == (code, text)
        for service_id in chosen_ids:
            assert _left_out_reason(by_id[service_id], child, commune, FRIDAY_3PM, check_capacity=True) is None
