"""Idempotent seeding of the editable vocabularies: service types and Bamako places.

Seeding only adds what is missing: labels an admin edited are never overwritten.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import Place, ServiceType
from directory.places import BAMAKO_COMMUNES
from directory.taxonomy import SERVICE_TYPES


def seed_service_types(session: Session) -> int:
    known = set(session.scalars(select(ServiceType.code)))
    added = 0
    for term in SERVICE_TYPES:
        if term.code not in known:
            session.add(ServiceType(code=term.code, label_fr=term.fr, label_en=term.en, active=True))
            added += 1
    session.flush()
    return added


def seed_places(session: Session) -> int:
    existing = {(p.kind, p.name): p for p in session.scalars(select(Place))}
    added = 0
    for commune_name, quartiers in BAMAKO_COMMUNES.items():
        commune = existing.get(("commune", commune_name))
        if commune is None:
            commune = Place(kind="commune", name=commune_name)
            session.add(commune)
            session.flush()
            added += 1
        for quartier_name in quartiers:
            if ("quartier", quartier_name) not in existing:
                session.add(Place(kind="quartier", name=quartier_name, commune_id=commune.id))
                added += 1
    session.flush()
    return added


def seed_reference_data(session: Session) -> int:
    return seed_service_types(session) + seed_places(session)
