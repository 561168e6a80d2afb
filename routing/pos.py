"""The POS (procédures opérationnelles standards) as plain values, built by `routing.loader`."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from routing.calendar import Duration, WorkingCalendar

ESCALATION_ACTIONS = ("reminder", "backup_contact", "head_of_organisation", "coordinator", "reroute",
                      "flag_meeting")

DECLINE_REASON_CODES = ("no_capacity", "outside_coverage", "not_eligible", "service_not_offered",
                        "already_served", "other")


@lru_cache(maxsize=65536)   # called for every service of every evaluation: the same few thousand names
def fold(text: str) -> str:
    """Case- and accent-insensitive key: 'Sénou' == 'senou', 'AWƆ' == 'awɔ'."""
    decomposed = unicodedata.normalize("NFKD", str(text).strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class RiskLevel:
    code: str
    label: str
    clock: str
    acknowledge_within: Duration
    decide_within: Duration
    description: str = ""


@dataclass(frozen=True)
class Conditions:
    """All given conditions must hold (AND). None / empty = not a condition."""

    age_under: int | None = None          # strictly younger than
    age_from: int | None = None           # at least this age
    sex: tuple[str, ...] = ()
    unaccompanied: bool | None = None
    separated: bool | None = None
    status: tuple[str, ...] = ()
    nationality: tuple[str, ...] = ()
    trafficking_suspected: bool | None = None
    risk: tuple[str, ...] = ()
    commune: tuple[str, ...] = ()
    quartier: tuple[str, ...] = ()
    needs_any: tuple[str, ...] = ()
    language: tuple[str, ...] = ()

    @property
    def is_catch_all(self) -> bool:
        return all(value in (None, ()) for value in self.__dict__.values())

    def implies(self, other: Conditions) -> bool:
        """True when every referral matching `self` also matches `other` (self is narrower or equal)."""
        for name in ("unaccompanied", "separated", "trafficking_suspected"):
            wanted = getattr(other, name)
            if wanted is not None and getattr(self, name) != wanted:
                return False
        for name in ("sex", "status", "nationality", "risk", "commune", "quartier", "needs_any", "language"):
            wanted = getattr(other, name)
            if wanted and not (getattr(self, name) and set(getattr(self, name)) <= set(wanted)):
                return False
        if other.age_under is not None and (self.age_under is None or self.age_under > other.age_under):
            return False
        if other.age_from is not None and (self.age_from is None or self.age_from < other.age_from):
            return False
        return True


@dataclass(frozen=True)
class Actions:
    request: tuple[str, ...] = ()                     # service types requested for the child
    notify: tuple[str, ...] = ()                      # mandatory notifications (service types)
    providers_per_need: tuple[tuple[str, int], ...] = ()
    prefer: tuple[tuple[str, tuple[str, ...]], ...] = ()   # service type -> organisation acronyms, in order
    minimum_risk: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    when: Conditions
    then: Actions
    stop: bool = False
    note: str = ""
    line: int | None = None


@dataclass(frozen=True)
class EscalationStep:
    wait: Duration
    action: str
    note: str = ""


@dataclass(frozen=True)
class EscalationLadder:
    risk: str
    clock: str
    steps: tuple[EscalationStep, ...]


@dataclass(frozen=True)
class ReplyIntent:
    code: str
    label: str
    words: tuple[tuple[str, str], ...]   # (language, word)


@dataclass(frozen=True)
class DeclineReason:
    code: str
    number: int
    fr: str
    en: str


@dataclass(frozen=True)
class PosIssue:
    path: str
    line: int | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"ligne {self.line}" if self.line else "ligne ?"
        label = "ERREUR" if self.severity == "error" else "AVERTISSEMENT"
        return f"{label} {where} [{self.path or '/'}] : {self.message}"


@dataclass(frozen=True)
class Pos:
    version: str
    title: str
    content_hash: str
    calendar: WorkingCalendar
    risk_levels: dict[str, RiskLevel]          # in order, most urgent first
    rules: tuple[Rule, ...]
    ladders: dict[str, EscalationLadder]
    replies: tuple[ReplyIntent, ...]
    decline_reasons: tuple[DeclineReason, ...]
    retention_days: int
    default_providers_per_need: int = 1
    warnings: tuple[PosIssue, ...] = ()
    source: str | None = None
    _reply_index: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        self._reply_index.update({fold(word): intent.code for intent in self.replies for _, word in intent.words})

    def reply_intent(self, word: str) -> str | None:
        """'awɔ', 'Oui', 'ok' -> 'accept'; unknown words -> None."""
        return self._reply_index.get(fold(word))

    def decline_reason(self, code_or_number: str | int) -> DeclineReason | None:
        for reason in self.decline_reasons:
            if str(code_or_number) in (reason.code, str(reason.number)):
                return reason
        return None

    def risk_rank(self, code: str) -> int:
        return list(self.risk_levels).index(code)
