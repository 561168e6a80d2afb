"""French wording of routing codes, shared by explanations, `sira pos explain` and the rendered POS."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from directory.taxonomy import SERVICE_TYPES, label

SEX_FR = {"female": "filles", "male": "garçons"}
STATUS_FR = {
    "national": "nationaux", "migrant": "migrants", "refugee": "réfugiés", "asylum_seeker": "demandeurs d'asile",
    "returnee": "rapatriés", "stateless": "apatrides",
}
LANGUAGE_FR = {"fr": "français", "bm": "bambara", "en": "anglais", "ff": "peul", "snk": "soninké",
               "son": "songhaï", "ar": "arabe", "wo": "wolof"}
CLOCK_FR = {"24/7": "24 h sur 24, 7 jours sur 7", "working_hours": "heures ouvrées"}
ACTION_FR = {
    "reminder": "Rappel au point focal",
    "backup_contact": "Message au suppléant",
    "head_of_organisation": "Message au responsable de l'organisation",
    "coordinator": "Alerte au coordinateur",
    "reroute": "Réorientation vers le prestataire suivant",
    "flag_meeting": "Inscription à l'ordre du jour de la réunion de coordination",
}
LEFT_OUT_FR = {
    "inactive": "service inactif",
    "suspended": "service suspendu",
    "declined_before": "a déjà décliné cette orientation",
    "eligibility": "critères d'éligibilité",
    "coverage": "hors zone",
    "language": "langue",
    "full": "complet",
}
INTENT_FR = {"accept": "Accepter", "decline": "Refuser", "seen": "Vu", "help": "Aide", "status": "Statut",
             "full": "Complet", "available": "Disponible"}
REPLY_LANGUAGE_FR = {"fr": "français", "bm": "bambara", "en": "anglais"}


def service_type_fr(code: str) -> str:
    return label(SERVICE_TYPES, code, "fr")


def listing(codes, names: dict[str, str]) -> str:
    return ", ".join(names.get(code, code) for code in codes)


def when_fr(instant: datetime, timezone: str = "Africa/Bamako") -> str:
    """'lun. 12/05/2026 15:00' in the calendar's zone (Bamako is UTC+0 all year)."""
    local = instant.astimezone(ZoneInfo(timezone))
    day = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")[local.weekday()]
    return f"{day} {local:%d/%m/%Y %H:%M}"
