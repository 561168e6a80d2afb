"""Between records and tables: read the whole directory as records, and write records all-or-nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.exchange.records import (
    ChannelRecord,
    ContactRecord,
    DirectoryData,
    ImportRejected,
    LocationRecord,
    OrganisationRecord,
    Problem,
    ServiceRecord,
)
from directory.exchange.validate import Reference, validate
from directory.models import (
    Contact,
    ContactChannel,
    Coverage,
    Organisation,
    Place,
    Service,
    ServiceAtLocation,
    ServiceType,
)
from directory.seed import seed_reference_data

ROLE_ORDER = {"focal_point": 0, "backup": 1, "head": 2, "coordinator": 3}
Progress = Callable[[int], None]


def read_directory(session: Session) -> DirectoryData:
    """The whole directory in a stable order (never the database ids), so exports are reproducible."""
    organisations = session.scalars(select(Organisation).options(selectinload(Organisation.parent))).all()
    services = session.scalars(select(Service).options(
        selectinload(Service.organisation), selectinload(Service.locations).selectinload(ServiceAtLocation.quartier),
        selectinload(Service.coverage).selectinload(Coverage.place))).all()
    contacts = session.scalars(select(Contact).options(
        selectinload(Contact.channels), selectinload(Contact.organisation), selectinload(Contact.service))).all()
    data = DirectoryData()
    for org in sorted(organisations, key=lambda o: (o.name, o.uid)):
        data.organisations.append(OrganisationRecord(
            uid=org.uid, name=org.name, acronym=org.acronym, kind=org.kind, description=org.description or "",
            parent_ref=org.parent.uid if org.parent else None))
    for service in sorted(services, key=lambda s: (s.organisation.name, s.name, s.uid)):
        data.services.append(service_record(service))
    for contact in sorted(contacts, key=lambda c: (c.organisation.name, c.service.uid if c.service else "",
                                                   ROLE_ORDER.get(c.role, 9), c.name, c.uid)):
        data.contacts.append(contact_record(contact))
    return data


def service_record(service: Service) -> ServiceRecord:
    return ServiceRecord(
        uid=service.uid, organisation_uid=service.organisation.uid, type_code=service.type_code,
        name=service.name, description=service.description or "", min_age=service.min_age,
        max_age=service.max_age, sexes=list(service.sexes or []), statuses=list(service.statuses or []),
        unaccompanied_separated_only=service.unaccompanied_separated_only,
        languages=list(service.languages or []), opening_hours=dict(service.opening_hours or {}),
        status=service.status, full_until=service.full_until.isoformat() if service.full_until else None,
        free_places=service.free_places, district_wide=service.district_wide,
        coverage=sorted(c.place.name for c in service.coverage),
        locations=[LocationRecord(uid=loc.uid, quartier=loc.quartier.name if loc.quartier else None,
                                  address=loc.address or "", latitude=loc.latitude, longitude=loc.longitude)
                   for loc in sorted(service.locations, key=lambda loc: loc.uid)])


def contact_record(contact: Contact) -> ContactRecord:
    return ContactRecord(
        uid=contact.uid, organisation_uid=contact.organisation.uid,
        service_uid=contact.service.uid if contact.service else None, role=contact.role, name=contact.name,
        language=contact.language, demo=contact.demo,
        channels=[ChannelRecord(c.kind, c.address, c.healthy, c.last_error) for c in contact.channels])


def load_reference(session: Session) -> Reference:
    organisations = session.execute(select(Organisation.uid, Organisation.name, Organisation.acronym)).all()
    names = {name: uid for uid, name, _ in organisations}
    names.update({acronym: uid for uid, _, acronym in organisations if acronym})
    return Reference(
        service_types=set(session.scalars(select(ServiceType.code))),
        places={p.name: p.kind for p in session.scalars(select(Place))},
        organisation_uids={uid for uid, _, _ in organisations},
        organisation_names=names,
        service_organisations=dict(session.execute(
            select(Service.uid, Organisation.uid).join(Service.organisation)).all()),
    )


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=lambda: {"organisations": 0, "services": 0, "contacts": 0})
    updated: dict[str, int] = field(default_factory=lambda: {"organisations": 0, "services": 0, "contacts": 0})
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        parts = [f"{what} : {self.created[what]} créé(s), {self.updated[what]} mis à jour" for what in self.created]
        prefix = "Simulation (rien n'est écrit) — " if self.dry_run else ""
        return prefix + " ; ".join(parts)


def import_directory(session: Session, data: DirectoryData, *, dry_run: bool = False,
                     progress: Progress | None = None) -> ImportReport:
    """Validate everything, then write everything in the caller's transaction; ImportRejected otherwise.

    The caller commits (or, on ImportRejected or dry run, rolls back): nothing is ever half-imported.
    """
    seed_reference_data(session)
    problems = validate(data, load_reference(session))
    if problems:
        raise ImportRejected(problems)
    report = ImportReport(warnings=list(data.warnings), dry_run=dry_run)
    if dry_run:
        return report
    _apply(session, data, report, progress or (lambda _n: None))
    return report


def _apply(session: Session, data: DirectoryData, report: ImportReport, progress: Progress) -> None:
    organisations = {o.uid: o for o in session.scalars(select(Organisation))}
    by_name = {o.name: o for o in organisations.values()}
    for record in data.organisations:
        org = organisations.get(record.uid) or by_name.get(record.name)
        if org is None:
            org = Organisation(uid=record.uid)
            session.add(org)
            report.created["organisations"] += 1
        else:
            report.updated["organisations"] += 1
        org.uid, org.name, org.acronym, org.kind = record.uid, record.name, record.acronym, record.kind
        org.description = record.description
        organisations[record.uid] = org
        progress(1)
    session.flush()
    for record in data.organisations:
        organisations[record.uid].parent = organisations.get(record.parent_ref) if record.parent_ref else None

    places = {p.name: p for p in session.scalars(select(Place))}
    services = {s.uid: s for s in session.scalars(select(Service).options(
        selectinload(Service.locations), selectinload(Service.coverage)))}
    for record in data.services:
        service = services.get(record.uid)
        if service is None:
            service = Service(uid=record.uid)
            session.add(service)
            report.created["services"] += 1
        else:
            report.updated["services"] += 1
        service.organisation = organisations[record.organisation_uid]
        service.type_code = record.type_code
        service.name, service.description = record.name, record.description
        service.min_age, service.max_age = record.min_age, record.max_age
        service.sexes, service.statuses = list(record.sexes), list(record.statuses)
        service.unaccompanied_separated_only = record.unaccompanied_separated_only
        service.languages, service.opening_hours = list(record.languages), dict(record.opening_hours)
        service.status, service.free_places = record.status, record.free_places
        service.full_until = datetime.fromisoformat(record.full_until) if record.full_until else None
        service.district_wide = record.district_wide
        wanted = [places[name] for name in dict.fromkeys(record.coverage)]
        if [c.place_id for c in service.coverage] != [p.id for p in wanted]:
            service.coverage = []
            session.flush()  # the unique (service, place) pair must be free before it is written again
            service.coverage = [Coverage(place=p) for p in wanted]
        _apply_locations(service, record, places)
        services[record.uid] = service
        progress(1)
    session.flush()

    contacts = {c.uid: c for c in session.scalars(select(Contact).options(selectinload(Contact.channels)))}
    for record in data.contacts:
        contact = contacts.get(record.uid)
        if contact is None:
            contact = Contact(uid=record.uid)
            session.add(contact)
            report.created["contacts"] += 1
        else:
            report.updated["contacts"] += 1
        contact.organisation = organisations.get(record.organisation_uid) or session.scalar(
            select(Organisation).where(Organisation.uid == record.organisation_uid))
        contact.service = services.get(record.service_uid) if record.service_uid else None
        contact.role, contact.name = record.role, record.name
        contact.language, contact.demo = record.language, record.demo
        _apply_channels(session, contact, record.channels)
        progress(1)
    session.flush()


def _apply_locations(service: Service, record: ServiceRecord, places: dict[str, Place]) -> None:
    existing = {loc.uid: loc for loc in service.locations}
    kept = []
    for location_record in record.locations:
        location = existing.pop(location_record.uid, None) or ServiceAtLocation(uid=location_record.uid)
        location.quartier = places.get(location_record.quartier) if location_record.quartier else None
        location.address = location_record.address
        location.latitude, location.longitude = location_record.latitude, location_record.longitude
        kept.append(location)
    if not record.locations_complete:
        kept.extend(existing.values())
    service.locations = kept


def _apply_channels(session: Session, contact: Contact, records: list[ChannelRecord]) -> None:
    known = {(c.kind, c.address): (c.healthy, c.last_error) for c in contact.channels}
    wanted = []
    for position, record in enumerate(records):
        healthy, last_error = known.get((record.kind, record.address), (True, None))
        if record.healthy is not None:
            healthy, last_error = record.healthy, record.last_error
        wanted.append((position, record.kind, record.address, healthy, last_error))
    current = [(c.position, c.kind, c.address, c.healthy, c.last_error) for c in contact.channels]
    if current == wanted:
        return
    if contact.channels:
        contact.channels = []
        session.flush()  # free the (contact, position) pairs before writing the new order
    contact.channels = [ContactChannel(position=p, kind=k, address=a, healthy=h, last_error=e)
                        for p, k, a, h, e in wanted]
