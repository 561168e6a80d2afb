"""Pure routing: referral facts + POS + directory view + now -> a decision with a reason for everything.

Order of the choice for each need (issue 4): the services of that type; leave out the inactive, the
suspended, the organisations that declined this referral, the ineligible (age, sex, status,
unaccompanied only), those not covering the child's place, those not speaking the child's language, the
full ones; rank the rest by the POS preference, then the fewest open referrals, then organisation acronym
and service id (deterministic); take as many distinct organisations as the POS asks for.

Uncertain facts never exclude: an unknown sex or place does not leave a provider out; an age range
leaves out only a provider that no age in the range fits. Rule conditions are the reverse: a rule applies
only when the facts surely satisfy it ("under five" needs an age or a range entirely under five).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from routing.calendar import Duration, WorkingCalendar
from routing.labels import (
    ACTION_FR,
    LANGUAGE_FR,
    LEFT_OUT_FR,
    SEX_FR,
    STATUS_FR,
    listing,
    service_type_fr,
    when_fr,
)
from routing.pos import Pos, Rule, fold
from routing.screening import Screening, TypeIndex, bit_indices
from routing.view import DirectoryView, ProviderService, ReferralFacts

# --- Output types ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    need: str
    service_id: Any
    organisation_id: Any
    organisation_name: str
    organisation_acronym: str
    rank: int                        # 1 = first provider chosen for this need
    mandatory: bool                  # a notification the POS makes compulsory
    reason: str                      # in French
    contacts: tuple[dict, ...]       # contact order: [{contact_id, role, channels}]
    ack_deadline: datetime
    decision_deadline: datetime      # assuming acknowledgement at once; see Decision.decide_within
    rules: tuple[str, ...] = ()      # ids of the rules behind this need

    def to_dict(self) -> dict:
        return {
            "need": self.need, "service_id": self.service_id, "organisation_id": self.organisation_id,
            "organisation_name": self.organisation_name, "organisation_acronym": self.organisation_acronym,
            "rank": self.rank, "mandatory": self.mandatory, "reason": self.reason,
            "contacts": [dict(c) for c in self.contacts],
            "ack_deadline": _iso(self.ack_deadline), "decision_deadline": _iso(self.decision_deadline),
            "rules": list(self.rules),
        }


@dataclass(slots=True)
class LeftOut:
    """A provider not chosen and why. Read-only by convention (slots, not frozen: it is made thousands
    of times per evaluation on a large directory); the French explanation is written when first read."""

    need: str
    service_id: Any
    organisation_id: Any
    organisation_acronym: str
    reason: str          # inactive, suspended, declined_before, eligibility, coverage, language, full
    _service: ProviderService | None = field(default=None, repr=False, compare=False)
    _context: tuple = field(default=(), repr=False, compare=False)   # (facts, commune, now)
    _explanation: str | None = field(default=None, repr=False, compare=False)

    @property
    def explanation(self) -> str:
        """In French, e.g. « Hors zone : le service couvre Commune II, pas Niamakoro (Commune VI). »"""
        if self._explanation is None:
            facts, commune, _now = self._context
            self._explanation = _explanation(self.reason, self._service, facts, commune)
        return self._explanation

    def to_dict(self) -> dict:
        return {"need": self.need, "service_id": self.service_id, "organisation_id": self.organisation_id,
                "organisation_acronym": self.organisation_acronym, "reason": self.reason,
                "explanation": self.explanation}


@dataclass(frozen=True)
class Alternative:
    """Eligible but not chosen now: where a re-route would go, in order."""

    need: str
    service_id: Any
    organisation_id: Any
    organisation_acronym: str
    rank: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class UnmetNeed:
    need: str
    mandatory: bool
    wanted: int
    found: int
    explanation: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Decision:
    pos_version: str
    pos_hash: str
    evaluated_at: datetime
    requested_risk: str
    risk: str                          # after the rules' minimum_risk
    rules_applied: tuple[str, ...]
    needs: tuple[str, ...]
    targets: tuple[Target, ...]
    unmet: tuple[UnmetNeed, ...]
    acknowledge_within: Duration
    decide_within: Duration
    clock: str
    escalation: dict                   # the policy snapshot, JSON-able (see escalation_snapshot)
    notes: tuple[str, ...] = ()        # French sentences: risk raised, place unknown ...
    # Per need: (need, its services in tie-break order, ((reason code, mask of the services it left
    # out), ...), (facts, commune, now)). On a large directory most services are left out; their LeftOut
    # values are made only when someone reads them.
    _left_out_parts: tuple = field(default=(), repr=False, compare=False)
    # Per need: (need, eligible services of distinct organisations in order, how many were chosen).
    _alternative_parts: tuple = field(default=(), repr=False, compare=False)

    @cached_property
    def alternatives(self) -> tuple[Alternative, ...]:
        """Eligible providers not chosen, best first per need: where a re-route would go."""
        return tuple(
            Alternative(need, s.service_id, s.organisation_id, s.organisation_acronym, rank)
            for need, distinct, chosen in self._alternative_parts
            for rank, s in enumerate(distinct[chosen:], start=chosen + 1)
        )

    @cached_property
    def left_out(self) -> tuple[LeftOut, ...]:
        """Every provider of a requested type that was not eligible, with its reason code and explanation."""
        return tuple(
            LeftOut(need, service.service_id, service.organisation_id, service.organisation_acronym, code,
                    service, context)
            for need, services, reasons, context in self._left_out_parts
            for service, code in _in_directory_order(services, reasons)
        )

    def to_dict(self) -> dict:
        return {
            "pos_version": self.pos_version, "pos_hash": self.pos_hash,
            "evaluated_at": _iso(self.evaluated_at),
            "requested_risk": self.requested_risk, "risk": self.risk,
            "rules_applied": list(self.rules_applied), "needs": list(self.needs),
            "targets": [t.to_dict() for t in self.targets],
            "left_out": [x.to_dict() for x in self.left_out],
            "alternatives": [a.to_dict() for a in self.alternatives],
            "unmet": [u.to_dict() for u in self.unmet],
            "clock": self.clock,
            "acknowledge_within": self.acknowledge_within.to_dict(),
            "decide_within": self.decide_within.to_dict(),
            "escalation": self.escalation,
            "notes": list(self.notes),
        }


def _in_directory_order(services: list[ProviderService], reasons: tuple[tuple[str, int], ...]):
    """(service, reason code) for every service some reason's mask holds, in the services' order."""
    code_at = {position: code for code, mask in reasons for position in bit_indices(mask)}
    return [(services[position], code_at[position]) for position in sorted(code_at)]


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()


# --- The routing plan: what the rules say ----------------------------------------------------------------

@dataclass
class _NeedPlan:
    mandatory: bool = False
    count: int | None = None
    prefer: tuple[tuple[str, str], ...] = ()          # (acronym, rule id)
    rules: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    risk: str
    needs: dict[str, _NeedPlan]
    rules_applied: list[Rule]
    notes: list[str]


def _matches(rule: Rule, facts: ReferralFacts, commune: str | None, needs: Iterable[str], risk: str) -> bool:
    when = rule.when
    youngest, oldest = facts.age_bounds
    if when.age_under is not None and (oldest is None or oldest >= when.age_under):
        return False
    if when.age_from is not None and (youngest is None or youngest < when.age_from):
        return False
    if when.sex and facts.sex not in when.sex:
        return False
    if when.unaccompanied is not None and facts.unaccompanied != when.unaccompanied:
        return False
    if when.separated is not None and facts.separated != when.separated:
        return False
    if when.trafficking_suspected is not None and facts.trafficking_suspected != when.trafficking_suspected:
        return False
    if when.status and facts.status not in when.status:
        return False
    if when.nationality and (facts.nationality or "").upper() not in {n.upper() for n in when.nationality}:
        return False
    if when.risk and risk not in when.risk:
        return False
    if when.commune and fold(commune or "") not in {fold(c) for c in when.commune}:
        return False
    if when.quartier and fold(facts.quartier or "") not in {fold(q) for q in when.quartier}:
        return False
    if when.needs_any and not set(when.needs_any) & set(needs):
        return False
    if when.language and not set(when.language) & set(facts.languages):
        return False
    return True


def _plan(facts: ReferralFacts, commune: str | None, pos: Pos) -> _Plan:
    if facts.risk not in pos.risk_levels:
        raise ValueError(f"niveau de risque inconnu {facts.risk!r}; attendu : {', '.join(pos.risk_levels)}")
    needs: dict[str, _NeedPlan] = {need: _NeedPlan() for need in dict.fromkeys(facts.needs)}
    risk = facts.risk
    applied: list[Rule] = []
    notes: list[str] = []
    for rule in pos.rules:
        # Needs added by earlier rules count for later ones: rules can build on each other.
        if not _matches(rule, facts, commune, needs, risk):
            continue
        applied.append(rule)
        actions = rule.then
        for need in actions.notify:
            plan = needs.setdefault(need, _NeedPlan())
            plan.mandatory = True
            plan.rules.append(rule.id)
        for need in actions.request:
            needs.setdefault(need, _NeedPlan()).rules.append(rule.id)
        for need, count in actions.providers_per_need:
            if need in needs:
                needs[need].count = count
        for need, acronyms in actions.prefer:
            if need in needs:
                known = {a for a, _ in needs[need].prefer}
                needs[need].prefer += tuple((a, rule.id) for a in acronyms if a not in known)
        if actions.minimum_risk and pos.risk_rank(actions.minimum_risk) < pos.risk_rank(risk):
            notes.append(f"Risque relevé de « {pos.risk_levels[risk].label} » à "
                         f"« {pos.risk_levels[actions.minimum_risk].label} » par la règle « {rule.id} ».")
            risk = actions.minimum_risk
        if rule.stop:
            break
    return _Plan(risk, needs, applied, notes)


# --- Providers: who can take the child ------------------------------------------------------------------

def _coverage_text(service: ProviderService) -> str:
    if service.district_wide:
        return "tout le district"
    return ", ".join([*service.communes, *service.quartiers]) or "aucune zone déclarée"


def _place_text(quartier: str | None, commune: str | None) -> str:
    if quartier and commune:
        return f"{quartier} ({commune})"
    return quartier or commune or "lieu inconnu"


def _is_full(service: ProviderService, now: datetime) -> bool:
    if service.full_until is not None and service.full_until <= now:
        return False   # declared full until a date that has passed: available again
    return service.status == "full" or service.free_places == 0


_FIXED_EXPLANATIONS = {
    "inactive": "Service inactif dans le répertoire.",
    "suspended": "Service suspendu.",
    "declined_before": "L'organisation a déjà décliné cette orientation.",
}


def _left_out_reason(service: ProviderService, facts: ReferralFacts, commune: str | None, now: datetime,
                     check_capacity: bool) -> tuple[str, str] | None:
    """(reason code, French explanation) when the service cannot take this child now, else None.

    The reference for the order of the checks: `routing.screening` makes the same ones over masks.
    """
    if service.status in ("inactive", "suspended"):
        return service.status, _FIXED_EXPLANATIONS[service.status]
    if service.organisation_id in facts.declined_by:
        return "declined_before", _FIXED_EXPLANATIONS["declined_before"]
    ineligible = _ineligibility(service, facts)
    if ineligible:
        return "eligibility", ineligible
    if not _covers(service, facts.quartier, commune):
        return "coverage", _coverage_explanation(service, facts, commune)
    if service.languages and facts.languages and not set(service.languages) & set(facts.languages):
        return "language", _language_explanation(service, facts)
    if check_capacity and _is_full(service, now):
        return "full", _full_explanation(service)
    return None


def _explanation(code: str, service: ProviderService, facts: ReferralFacts, commune: str | None) -> str:
    """The French text of `_left_out_reason` for a service the screening already gave `code`: only the
    text is written, the checks before it are not made again (thousands of times in a decision's JSON)."""
    if code in _FIXED_EXPLANATIONS:
        return _FIXED_EXPLANATIONS[code]
    if code == "eligibility":
        return _ineligibility(service, facts) or ""
    if code == "coverage":
        return _coverage_explanation(service, facts, commune)
    if code == "language":
        return _language_explanation(service, facts)
    return _full_explanation(service) if code == "full" else ""


def _ineligibility(service: ProviderService, facts: ReferralFacts) -> str | None:
    """Why the child is outside the service's criteria (age, sex, status, unaccompanied), first one first."""
    youngest, oldest = facts.age_bounds
    if (service.min_age is not None and oldest is not None and oldest < service.min_age) or (
            service.max_age is not None and youngest is not None and youngest > service.max_age):
        child = f"{facts.age} ans" if facts.age is not None else f"{youngest}–{oldest} ans"
        return (f"Âge : le service accueille les {service.min_age or 0}–"
                f"{service.max_age if service.max_age is not None else 17} ans ; l'enfant a {child}.")
    if service.sexes and facts.sex and facts.sex not in service.sexes:
        return f"Sexe : service réservé aux {listing(service.sexes, SEX_FR)}."
    if service.statuses and facts.status and facts.status not in service.statuses:
        return (f"Statut : service réservé aux {listing(service.statuses, STATUS_FR)} ; "
                f"l'enfant est {STATUS_FR.get(facts.status, facts.status)}.")
    if service.unaccompanied_only and not facts.unaccompanied:
        return "Service réservé aux enfants non accompagnés."
    return None


def _coverage_explanation(service: ProviderService, facts: ReferralFacts, commune: str | None) -> str:
    return f"Hors zone : le service couvre {_coverage_text(service)}, pas {_place_text(facts.quartier, commune)}."


def _language_explanation(service: ProviderService, facts: ReferralFacts) -> str:
    return (f"Langue : le service parle {listing(service.languages, LANGUAGE_FR)}, "
            f"l'enfant {listing(facts.languages, LANGUAGE_FR)}.")


def _full_explanation(service: ProviderService) -> str:
    if service.full_until is not None:
        return f"Complet jusqu'au {when_fr(service.full_until)}."
    return "Complet : aucune place libre." if service.free_places == 0 else "Complet."


def _covers(service: ProviderService, quartier: str | None, commune: str | None) -> bool:
    if service.district_wide or (quartier is None and commune is None):
        return True
    if commune and fold(commune) in {fold(c) for c in service.communes}:
        return True
    return bool(quartier) and fold(quartier) in {fold(q) for q in service.quartiers}


def _screen(need: str, plan: _NeedPlan, facts: ReferralFacts, commune: str | None, view: DirectoryView,
            now: datetime, exclude_organisations=frozenset(), exclude_services=frozenset()
            ) -> tuple[list[ProviderService], TypeIndex, Screening]:
    """The eligible services of `need`, best first, with the screening that left the others out.

    The same checks, in the same order, as `_left_out_reason` (which writes the explanations; a test
    holds the two together), made over the view's masks of the type (routing.screening): a
    10,000-service directory must still route in a few milliseconds.
    """
    youngest, oldest = facts.age_bounds
    index = view.index_of(need)
    screening = index.screen(
        youngest=youngest, oldest=oldest, sex=facts.sex, status=facts.status, unaccompanied=facts.unaccompanied,
        declined=frozenset(facts.declined_by),
        commune_key=fold(commune) if commune else None,
        quartier_key=fold(facts.quartier) if facts.quartier else None,
        languages=frozenset(facts.languages),
        # A mandatory notification is not a request for a place: the state service is told even when full.
        check_capacity=not plan.mandatory, now=now,
        exclude_organisations=exclude_organisations, exclude_services=exclude_services)
    services = index.services
    eligible = [services[position] for position in bit_indices(screening.eligible)]
    # Services come in tie-break order (acronym, id) and sorting is stable: only preference and load here.
    if plan.prefer:
        preference = {fold(acronym): rank for rank, (acronym, _) in enumerate(plan.prefer)}
        eligible.sort(key=lambda s: (preference.get(fold(s.organisation_acronym), len(preference)),
                                     s.open_referrals))
    else:
        eligible.sort(key=lambda s: s.open_referrals)
    return eligible, index, screening


def _choice_reason(service: ProviderService, need: str, plan: _NeedPlan, rank: int, eligible_count: int,
                   facts: ReferralFacts, commune: str | None) -> str:
    parts = [f"Retenu pour « {service_type_fr(need)} »"]
    if plan.mandatory:
        parts.append(f"notification obligatoire (règle « {plan.rules[0]} »)" if plan.rules
                     else "notification obligatoire")
    place = _place_text(facts.quartier, commune)
    parts.append("éligible" + (f", couvre {place}" if place != "lieu inconnu"
                               else " (lieu de l'enfant inconnu : couverture non vérifiée)"))
    if service.free_places:
        parts.append(f"{service.free_places} place{'s' if service.free_places > 1 else ''} libre"
                     f"{'s' if service.free_places > 1 else ''}")
    preferred = {fold(a): rule_id for a, rule_id in plan.prefer}
    rule_id = preferred.get(fold(service.organisation_acronym))
    if rule_id:
        parts.append(f"organisation préférée par la règle « {rule_id} »")
    load = f"{service.open_referrals} orientation{'s' if service.open_referrals > 1 else ''} en cours"
    if eligible_count > 1 and not rule_id:
        load += (" : le moins chargé" if rank == 1 else f" : rang {rank}") + f" des {eligible_count} éligibles"
    parts.append(load)
    return f"{parts[0]} : " + " ; ".join(parts[1:]) + "."


# --- The escalation policy snapshot -------------------------------------------------------------------

def escalation_snapshot(pos: Pos, risk: str) -> dict:
    """The frozen, JSON-able policy a referral keeps: deadlines, ladder, and the calendar they run on.

    {"pos_version", "pos_hash", "risk", "risk_label", "clock", "timezone",
     "acknowledge_within": {"text", "days", "minutes"}, "decide_within": {...},
     "steps": [{"index": 1, "wait": {"text", "days", "minutes"}, "action": "reminder", "label", "note"}],
     "calendar": WorkingCalendar.to_dict()}
    Waits count from the previous step (the first from sending), on `clock`.
    """
    level = pos.risk_levels[risk]
    ladder = pos.ladders[risk]
    return {
        "pos_version": pos.version,
        "pos_hash": pos.content_hash,
        "risk": risk,
        "risk_label": level.label,
        "clock": ladder.clock,
        "timezone": pos.calendar.timezone,
        "acknowledge_within": level.acknowledge_within.to_dict(),
        "decide_within": level.decide_within.to_dict(),
        "steps": [
            {"index": index, "wait": step.wait.to_dict(), "action": step.action,
             "label": ACTION_FR.get(step.action, step.action), "note": step.note}
            for index, step in enumerate(ladder.steps, start=1)
        ],
        "calendar": pos.calendar.to_dict(),
    }


def snapshot_deadline(policy: dict, start: datetime, duration: dict | Duration) -> datetime:
    """When a wait or deadline of a frozen policy ends, on the policy's own clock and calendar (UTC).

    The escalation engine calls it with `policy["steps"][i]["wait"]` and the time of the previous step.
    """
    if isinstance(duration, dict):
        duration = Duration.from_dict(duration)
    return WorkingCalendar.from_dict(policy["calendar"]).add(start, duration, policy["clock"])


# --- Entry points ---------------------------------------------------------------------------------------

def _check_now(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be timezone-aware")


def _commune(facts: ReferralFacts, view: DirectoryView) -> str | None:
    return facts.commune or view.commune_of(facts.quartier)


def evaluate(facts: ReferralFacts, pos: Pos, view: DirectoryView, now: datetime) -> Decision:
    """Route a referral. Pure: same inputs, same decision."""
    _check_now(now)
    commune = _commune(facts, view)
    plan = _plan(facts, commune, pos)
    level = pos.risk_levels[plan.risk]
    ack_deadline = pos.calendar.add(now, level.acknowledge_within, level.clock)
    decision_deadline = pos.calendar.add(now, level.decide_within, level.clock)
    notes = list(plan.notes)
    if facts.quartier is None and commune is None:
        notes.append("Lieu de l'enfant inconnu : la couverture géographique n'a pas été vérifiée.")

    targets: list[Target] = []
    left_out_parts: list[tuple] = []
    alternative_parts: list[tuple] = []
    unmet: list[UnmetNeed] = []
    for need, need_plan in plan.needs.items():
        wanted = need_plan.count or pos.default_providers_per_need
        eligible, index, screening = _screen(need, need_plan, facts, commune, view, now)
        if screening.left_out:
            left_out_parts.append((need, index.services, screening.left_out, (facts, commune, now)))
        chosen_organisations: set = set()
        distinct = [s for s in eligible if not (s.organisation_id in chosen_organisations
                                                or chosen_organisations.add(s.organisation_id))]
        for rank, service in enumerate(distinct[:wanted], start=1):
            targets.append(Target(
                need=need, service_id=service.service_id, organisation_id=service.organisation_id,
                organisation_name=service.organisation_name, organisation_acronym=service.organisation_acronym,
                rank=rank, mandatory=need_plan.mandatory,
                reason=_choice_reason(service, need, need_plan, rank, len(distinct), facts, commune),
                contacts=tuple(c.to_dict() for c in service.ordered_contacts()),
                ack_deadline=ack_deadline, decision_deadline=decision_deadline, rules=tuple(need_plan.rules),
            ))
        if len(distinct) > wanted:
            alternative_parts.append((need, distinct, wanted))
        if len(distinct) < wanted:
            unmet.append(UnmetNeed(need, need_plan.mandatory, wanted, len(distinct),
                                   _unmet_text(need, need_plan.mandatory, wanted, len(distinct), screening.counts())))

    return Decision(
        pos_version=pos.version, pos_hash=pos.content_hash, evaluated_at=now.astimezone(UTC),
        requested_risk=facts.risk, risk=plan.risk, rules_applied=tuple(r.id for r in plan.rules_applied),
        needs=tuple(plan.needs), targets=tuple(targets),
        unmet=tuple(unmet),
        acknowledge_within=level.acknowledge_within, decide_within=level.decide_within, clock=level.clock,
        escalation=escalation_snapshot(pos, plan.risk), notes=tuple(notes),
        _left_out_parts=tuple(left_out_parts), _alternative_parts=tuple(alternative_parts),
    )


def _unmet_text(need: str, mandatory: bool, wanted: int, found: int, left_out_counts: dict[str, int]) -> str:
    label = service_type_fr(need)
    if found:
        text = f"« {label} » : {found} prestataire(s) éligible(s) sur {wanted} demandé(s)."
    elif not left_out_counts:
        text = f"« {label} » : aucun service de ce type dans le répertoire."
    else:
        detail = ", ".join(f"{n} {LEFT_OUT_FR.get(code, code)}" for code, n in sorted(left_out_counts.items()))
        text = (f"« {label} » : aucun prestataire éligible ({sum(left_out_counts.values())} écarté(s) : "
                f"{detail}).")
    if mandatory and not found:
        text += " Notification obligatoire non adressée : le coordinateur doit la faire."
    return text


def next_provider(facts: ReferralFacts, need: str, pos: Pos, view: DirectoryView, now: datetime,
                  tried_organisations: Iterable = (), tried_services: Iterable = ()) -> Target | None:
    """The next eligible provider for `need` when re-routing, skipping those already tried; None if none.

    Same order as `evaluate` (preferences, load, tie-break); deadlines count from `now`.
    """
    _check_now(now)
    commune = _commune(facts, view)
    plan = _plan(facts, commune, pos)
    need_plan = plan.needs.get(need, _NeedPlan())
    eligible, _, _ = _screen(need, need_plan, facts, commune, view, now,
                             exclude_organisations=frozenset(tried_organisations),
                             exclude_services=frozenset(tried_services))
    if not eligible:
        return None
    service = eligible[0]
    level = pos.risk_levels[plan.risk]
    return Target(
        need=need, service_id=service.service_id, organisation_id=service.organisation_id,
        organisation_name=service.organisation_name, organisation_acronym=service.organisation_acronym,
        rank=1, mandatory=need_plan.mandatory,
        reason="Réorientation : " + _choice_reason(service, need, need_plan, 1, len(eligible), facts, commune),
        contacts=tuple(c.to_dict() for c in service.ordered_contacts()),
        ack_deadline=pos.calendar.add(now, level.acknowledge_within, level.clock),
        decision_deadline=pos.calendar.add(now, level.decide_within, level.clock),
        rules=tuple(need_plan.rules),
    )
