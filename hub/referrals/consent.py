"""Consent rules (pure): no referral goes out without a recorded consent / assent, or a documented
best-interests exception for an unaccompanied child. Messages are French and name the field."""

from __future__ import annotations

from datetime import datetime

from hub.referrals.models import (
    BEST_INTERESTS_EXCEPTION,
    CONSENT_GIVERS,
    CONSENT_KINDS,
    CONSENT_METHODS,
)


def N_(message: str) -> str:
    """Marks a msgid for extraction; translated where it is shown (this module stays Flask-free)."""
    return message


class ConsentProblem(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def check_consent(consent: dict | None, *, unaccompanied: bool, now: datetime) -> None:
    """Raise ConsentProblem naming the first missing or invalid field; return None when consent holds.

    The messages are French msgids: callers translate them with gettext at the edge.
    """
    if not consent or not consent.get("kind"):
        raise ConsentProblem("consent", N_(
            "Consentement requis : enregistrez le consentement éclairé ou l'assentiment (qui, quand, "
            "comment), ou une exception d'intérêt supérieur documentée pour un enfant non accompagné."))
    kind = consent["kind"]
    if kind not in CONSENT_KINDS:
        raise ConsentProblem("consent.kind", N_("Type de consentement inconnu."))
    if kind == BEST_INTERESTS_EXCEPTION:
        if not unaccompanied:
            raise ConsentProblem("consent.kind", N_(
                "L'exception d'intérêt supérieur n'est possible que pour un enfant non accompagné."))
        if not (consent.get("best_interests_justification") or "").strip():
            raise ConsentProblem("consent.best_interests_justification",
                                 N_("Justification de l'intérêt supérieur requise."))
    else:
        if consent.get("given_by") not in CONSENT_GIVERS:
            raise ConsentProblem("consent.given_by", N_("Indiquez qui a donné le consentement."))
        if consent.get("method") not in CONSENT_METHODS:
            raise ConsentProblem("consent.method", N_("Indiquez comment le consentement a été recueilli."))
    at = consent.get("at")
    if at is not None and at > now:
        raise ConsentProblem("consent.at", N_("La date du consentement ne peut pas être dans le futur."))
