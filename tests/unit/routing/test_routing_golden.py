"""Routing decisions pinned down: seeded children × seeded directories against a checked-in fingerprint.

Speed work on `routing.evaluate` must not change a single choice, order, reason or explanation. This test
evaluates a fixed set of generated referrals (every fact, every kind of rule, every reason to leave a
service out, accents and case in place names) and compares a digest of each decision, as its JSON
(targets with reasons, every left-out service with its French explanation, alternatives, unmet needs,
notes), with `routing_golden.json`, written once from the implementation before the speed work.

Everything the cases depend on is in this file or in `minimal_pos.yaml`, so that a change elsewhere (the
bench's generator, the district's place list, the Bamako POS) does not move the fingerprint. Only a
deliberate change of routing's behaviour or wording should, and then the file is rewritten with
`python -m tests.unit.routing.test_routing_golden --write` and the diff reviewed like any behaviour change.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from routing import Contact, DirectoryView, ProviderService, ReferralFacts, evaluate, load_pos, next_provider
from routing.pos import Actions, Conditions, Rule

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "routing_golden.json"
NOW = datetime(2026, 5, 15, 15, 0, tzinfo=UTC)

# A frozen copy of a few communes and quartiers, spelt as people type them (accents, case) on purpose.
PLACES = {
    "Commune I": ("Banconi", "Djélibougou", "Korofina"),
    "Commune II": ("Niaréla", "Bagadadji", "Médina-Coura"),
    "Commune IV": ("Lafiabougou", "Hamdallaye", "Sébénikoro"),
    "Commune V": ("Badalabougou", "Kalaban-Coura", "Daoudabougou"),
    "Commune VI": ("Faladié", "Niamakoro", "Sénou", "Yirimadio"),
}
QUARTIER_COMMUNES = {q: c for c, qs in PLACES.items() for q in qs}
SPELLINGS = {"Sénou": "SENOU", "Niaréla": "niarela", "Djélibougou": "Djelibougou", "Commune VI": "commune vi",
             "Commune II": "COMMUNE II"}
NEEDS = ("hebergement", "soins_medicaux", "soutien_psychosocial", "rrf", "dis", "protection_etat",
         "education", "assistance_juridique")
STATUSES = ("national", "migrant", "refugee", "asylum_seeker", "returnee", "stateless")
LANGUAGES = ("fr", "bm", "ff", "snk", "ar")
ROLES = ("focal_point", "backup", "head", "other")


def spelt(rng: random.Random, name: str) -> str:
    return SPELLINGS.get(name, name) if rng.random() < 0.3 else name


def generated_services(seed: int, count: int) -> list[ProviderService]:
    rng = random.Random(seed)
    communes, quartiers = list(PLACES), list(QUARTIER_COMMUNES)
    acronyms = [f"ORG{n:02d}" for n in range(count // 3 + 1)]
    services = []
    for index in range(count):
        organisation = rng.randrange(len(acronyms))
        # Two organisations whose acronyms differ only by case: preferences fold them together.
        acronym = acronyms[organisation] if organisation % 7 else acronyms[organisation].lower()
        coverage = rng.random()
        services.append(ProviderService(
            service_id=index if index % 5 else f"s{index}",
            organisation_id=organisation, organisation_name=f"Organisation {organisation}",
            organisation_acronym=acronym, service_type=rng.choice(NEEDS),
            status=rng.choices(["active", "full", "suspended", "inactive"], [80, 10, 5, 5])[0],
            min_age=rng.choice([None, None, 0, 5, 12]), max_age=rng.choice([None, None, 4, 11, 17]),
            sexes=rng.choice([(), (), (), ("female",), ("male",)]),
            statuses=rng.choice([(), (), (), ("refugee", "asylum_seeker"), ("migrant",)]),
            unaccompanied_only=rng.random() < 0.1,
            languages=rng.choice([(), (), ("fr",), ("bm", "fr"), ("ff", "bm", "fr"), ("ar",)]),
            full_until=rng.choice([None, None, None, NOW - timedelta(days=2), NOW + timedelta(days=3), NOW]),
            free_places=rng.choice([None, None, 0, 1, 2, 10]),
            district_wide=coverage < 0.2,
            communes=tuple(spelt(rng, c) for c in rng.sample(communes, 2)) if 0.2 <= coverage < 0.65 else (),
            quartiers=(tuple(spelt(rng, q) for q in rng.sample(quartiers, rng.randint(1, 3)))
                       if 0.65 <= coverage < 0.97 else ()),   # the rest declare no zone at all
            open_referrals=rng.randint(0, 4),     # few values: many ties for the tie-break to settle
            contacts=tuple(Contact(f"c{index}-{n}", rng.choice(ROLES), tuple(rng.sample(("sms", "email",
                                                                                       "telegram"), 2)))
                           for n in range(rng.randint(0, 3))),
        ))
    return services


def generated_rules(seed: int, services: list[ProviderService]) -> tuple[Rule, ...]:
    rng = random.Random(seed)
    quartiers = list(QUARTIER_COMMUNES)
    rules = []
    for index in range(30):
        need = rng.choice(NEEDS)
        # Preferences name organisations that offer the need, or they would rarely change a choice.
        acronyms = sorted({s.organisation_acronym for s in services if s.service_type == need}) or ["AUCUNE"]
        when = rng.choice([
            Conditions(needs_any=(need,)),
            Conditions(age_under=rng.randint(3, 18), needs_any=(need,)),
            Conditions(age_from=rng.randint(5, 15)),
            Conditions(quartier=(spelt(rng, rng.choice(quartiers)),)),
            Conditions(commune=(spelt(rng, rng.choice(list(PLACES))),)),
            Conditions(status=(rng.choice(STATUSES),), separated=True),
            Conditions(unaccompanied=True, risk=("moyen",)),
            Conditions(sex=("female",), language=("bm",)),
            Conditions(nationality=("gn",), trafficking_suspected=True),
        ])
        then = rng.choice([
            Actions(prefer=((need, tuple(rng.sample(acronyms, min(2, len(acronyms))))),)),
            Actions(prefer=((need, (rng.choice(acronyms).lower(),)),)),
            Actions(request=(need,)),
            Actions(notify=(need,)),
            Actions(providers_per_need=((need, rng.choice([2, 3])),)),
            Actions(request=(need,), minimum_risk="urgence"),
        ])
        rules.append(Rule(id=f"regle_{index}", title=f"Règle {index}", when=when, then=then,
                          stop=rng.random() < 0.05))
    return tuple(rules)


def generated_children(seed: int, count: int, organisation_ids: list) -> list[ReferralFacts]:
    rng = random.Random(seed)
    quartiers = [*QUARTIER_COMMUNES, "Quartier inconnu"]
    children = []
    for _ in range(count):
        age_kind = rng.random()
        place_kind = rng.random()
        quartier = spelt(rng, rng.choice(quartiers)) if place_kind < 0.6 else None
        commune = spelt(rng, rng.choice(list(PLACES))) if 0.45 <= place_kind < 0.8 else None
        children.append(ReferralFacts(
            risk=rng.choice(["moyen", "moyen", "urgence"]),
            needs=tuple(rng.sample(NEEDS, rng.randint(1, 4))),
            age=rng.randint(0, 17) if age_kind < 0.7 else None,
            age_min=rng.randint(0, 9) if 0.7 <= age_kind < 0.9 else None,
            age_max=rng.randint(10, 17) if 0.7 <= age_kind < 0.9 else None,
            sex=rng.choice(["female", "male", None]),
            unaccompanied=rng.random() < 0.4, separated=rng.random() < 0.3,
            status=rng.choice([None, *STATUSES]),
            nationality=rng.choice([None, "ML", "GN", "ci"]),
            trafficking_suspected=rng.random() < 0.15,
            quartier=quartier, commune=commune,
            languages=tuple(rng.sample(LANGUAGES, rng.randint(0, 2))),
            declined_by=tuple(rng.sample(organisation_ids, rng.choice([0, 0, 1, 3]))),
        ))
    return children


def decision_json(decision) -> dict:
    """The decision as stored and shown, minus what depends on the POS file rather than on routing."""
    data = decision.to_dict()
    for key in ("pos_version", "pos_hash", "escalation"):
        data.pop(key)
    return data


def digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:16]


def cases():
    """(case name, child, POS, view): 40 children over each of three directories of 30, 120 and 400 services."""
    base = load_pos(HERE / "minimal_pos.yaml")
    for seed, size in ((1, 30), (2, 120), (3, 400)):
        services = generated_services(seed, size)
        pos = replace(base, rules=generated_rules(seed, services))
        view = DirectoryView(services, QUARTIER_COMMUNES)
        organisation_ids = sorted({s.organisation_id for s in services})
        for number, child in enumerate(generated_children(seed, 40, organisation_ids)):
            yield f"directory{seed}-child{number:02d}", child, pos, view


def fingerprints() -> dict[str, str]:
    """Case name -> digest of the decision and of the re-routing answers for its first two needs."""
    result = {}
    for name, child, pos, view in cases():
        decision = evaluate(child, pos, view, NOW)
        rerouted = []
        for need in decision.needs[:2]:
            tried = [t.organisation_id for t in decision.targets if t.need == need]
            target = next_provider(child, need, pos, view, NOW, tried_organisations=tried)
            rerouted.append(target.to_dict() if target else None)
        result[name] = digest([decision_json(decision), rerouted])
    return result


def test_routing_decisions_match_the_recorded_fingerprint():
    recorded = json.loads(GOLDEN.read_text())
    current = fingerprints()
    changed = sorted(name for name in recorded if current.get(name) != recorded[name])
    assert set(current) == set(recorded)
    assert not changed, f"{len(changed)} decisions changed, e.g. {changed[:5]}"


def test_the_cases_reach_every_way_of_being_left_out_and_chosen():
    """The fingerprint is only worth the variety behind it: the generated cases reach every branch."""
    decisions = [evaluate(child, pos, view, NOW) for _, child, pos, view in cases()]
    assert {x.reason for d in decisions for x in d.left_out} == {
        "inactive", "suspended", "declined_before", "eligibility", "coverage", "language", "full"}
    targets = [t for d in decisions for t in d.targets]
    assert any(t.mandatory for t in targets) and any(t.rank > 1 for t in targets)
    assert any("préférée" in t.reason for t in targets) and any("le moins chargé" in t.reason for t in targets)
    assert any("couverture non vérifiée" in t.reason for t in targets)
    assert any(d.alternatives for d in decisions) and any(d.unmet for d in decisions)
    assert any(d.risk != d.requested_risk for d in decisions)
    explanations = {x.explanation.split(" ")[0] for d in decisions for x in d.left_out}
    assert {"Âge", "Sexe", "Statut", "Hors", "Langue", "Complet"} <= explanations


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        GOLDEN.write_text(json.dumps(fingerprints(), indent=1, sort_keys=True) + "\n")
        print(f"wrote {GOLDEN}")
    else:
        print(__doc__)
