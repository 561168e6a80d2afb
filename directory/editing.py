"""Changes to the directory made by people (API and web): one function per change, each audited.

The caller commits. Every function raises ValueError with a French message naming the field on bad input.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.channels import normalise_channel
from directory.hours import validate_hours
from directory.models import (
    Contact,
    ContactChannel,
    Coverage,
    Organisation,
    Place,
    Service,
    ServiceAtLocation,
)
from directory.taxonomy import CONTACT_ROLES, ORGANISATION_KINDS, SEXES, STATUSES
from hub.audit import Actor, record


class FieldError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def may_set_capacity(user, service: Service) -> bool:
    """Admins, and the provider focal points of the service's own organisation."""
    if user is None:
        return False
    return user.role == "admin" or (user.role == "provider" and user.organisation_id == service.organisation_id)


def set_capacity(session: Session, service: Service, actor: Actor, *, full: bool,
                 full_until: datetime | None = None, free_places: int | None = None,
                 now: datetime | None = None) -> None:
    """Mark a service full (optionally until an instant) or available again."""
    if full_until is not None and now is not None and full_until <= now:
        raise FieldError("full_until", "la date de fin doit être dans le futur")
    if free_places is not None and free_places < 0:
        raise FieldError("free_places", "le nombre de places libres ne peut pas être négatif")
    before = {"status": service.status, "full_until": service.full_until, "free_places": service.free_places}
    if full:
        service.status, service.full_until = "full", full_until
        if free_places is not None:
            service.free_places = free_places
    else:
        service.status, service.full_until = "active", None
        if free_places is not None:
            service.free_places = free_places
        elif service.free_places == 0:
            # "Available again" with no count: a stale zero would keep routing treating it as full.
            service.free_places = None
    record(actor, "service.capacity", "service", service.id,
           {"before": before, "after": {"status": service.status, "full_until": service.full_until,
                                        "free_places": service.free_places}})


def _place(session: Session, name: str, kind: str | None = None) -> Place:
    query = select(Place).where(Place.name == name)
    if kind:
        query = query.where(Place.kind == kind)
    place = session.scalar(query)
    if place is None:
        raise FieldError("quartier" if kind == "quartier" else "coverage", f"lieu inconnu « {name} »")
    return place


SERVICE_FIELDS = ("name", "description", "type_code", "min_age", "max_age", "sexes", "statuses",
                  "unaccompanied_separated_only", "languages", "opening_hours", "status", "full_until",
                  "free_places", "district_wide")


def apply_service_fields(session: Session, service: Service, values: dict) -> None:
    """Check and write the editable fields present in `values` (plain, already typed values)."""
    from directory.models import ServiceType

    if "type_code" in values and session.get(ServiceType, values["type_code"]) is None:
        raise FieldError("type_code", f"type de service inconnu « {values['type_code']} »")
    for field in ("sexes", "statuses"):
        allowed = SEXES if field == "sexes" else STATUSES
        for value in values.get(field) or []:
            if value not in allowed:
                raise FieldError(field, f"valeur inconnue « {value} » ({', '.join(allowed)})")
    if "opening_hours" in values:
        try:
            values["opening_hours"] = validate_hours(values["opening_hours"] or {})
        except ValueError as error:
            raise FieldError("opening_hours", str(error)) from None
    low = values.get("min_age", service.min_age)
    high = values.get("max_age", service.max_age)
    if low is not None and high is not None and low > high:
        raise FieldError("min_age", "l'âge minimum dépasse l'âge maximum")
    if "name" in values and not (values["name"] or "").strip():
        raise FieldError("name", "le nom du service est obligatoire")
    for field in SERVICE_FIELDS:
        if field in values:
            setattr(service, field, values[field])
    if "coverage" in values:
        places = [_place(session, name) for name in dict.fromkeys(values["coverage"] or [])]
        service.coverage = []
        session.flush()
        service.coverage = [Coverage(place=p) for p in places]
    if "locations" in values:
        service.locations = [
            ServiceAtLocation(quartier=_place(session, loc["quartier"], "quartier") if loc.get("quartier") else None,
                              address=loc.get("address") or "", latitude=loc.get("latitude"),
                              longitude=loc.get("longitude"))
            for loc in values["locations"] or []]


def apply_organisation_fields(organisation: Organisation, values: dict) -> None:
    if "kind" in values and values["kind"] not in {t.code for t in ORGANISATION_KINDS}:
        raise FieldError("kind", f"type d'organisation inconnu « {values['kind']} »")
    if "name" in values and not (values["name"] or "").strip():
        raise FieldError("name", "le nom de l'organisation est obligatoire")
    for field in ("name", "acronym", "kind", "description", "parent_id"):
        if field in values:
            setattr(organisation, field, values[field])


def apply_contact_fields(session: Session, contact: Contact, values: dict) -> None:
    if "role" in values and values["role"] not in {t.code for t in CONTACT_ROLES}:
        raise FieldError("role", f"rôle inconnu « {values['role']} »")
    if "language" in values and values["language"] not in ("fr", "en"):
        raise FieldError("language", "langue : fr ou en")
    for field in ("name", "role", "language", "demo", "service_id", "organisation_id"):
        if field in values:
            setattr(contact, field, values[field])
    if "channels" in values:
        channels = []
        for position, channel in enumerate(values["channels"] or []):
            try:
                address = normalise_channel(channel["kind"], channel["address"])
            except ValueError as error:
                raise FieldError(f"channels.{position}.address", str(error)) from None
            channels.append(ContactChannel(position=position, kind=channel["kind"], address=address))
        if contact.channels:
            contact.channels = []
            session.flush()
        contact.channels = channels
