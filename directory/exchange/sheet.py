"""The one-sheet CSV for admins: one row per service and contact, French headers, readable values.

Organisation and service columns repeat on each contact row; rows without ids create new entries (a
service is then known by its organisation and name). Values: lists separated by commas, yes/no as
oui/non, hours as "lun-jeu 07:30-16:30; ven 07:30-12:30", coverage "Commune VI; Niamakoro" (or
district_entier = oui), channels in order as "sms:+22370000001; telegram:900000002; email:a@b.ml".
One location per service (the first); channel health is not in the sheet and is kept on import.
"""

from __future__ import annotations

import csv
import io
import uuid

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
from directory.hours import format_short_hours, parse_short_hours
from directory.taxonomy import CONTACT_ROLES, ORGANISATION_KINDS, SERVICE_TYPES

ORGANISATION_COLUMNS = ["organisation_id", "organisation", "sigle", "type_organisation", "organisation_parente",
                        "description_organisation"]
SERVICE_COLUMNS = ["service_id", "service", "type_service", "description_service", "age_min", "age_max", "sexes",
                   "statuts", "non_accompagnes_seulement", "langues", "horaires", "etat", "complet_jusqu_au",
                   "places_libres", "district_entier", "couverture", "lieu_id", "quartier", "adresse", "latitude",
                   "longitude"]
CONTACT_COLUMNS = ["contact_id", "contact", "role", "langue_contact", "demo", "canaux"]
COLUMNS = ORGANISATION_COLUMNS + SERVICE_COLUMNS + CONTACT_COLUMNS
REQUIRED_COLUMNS = ("organisation", "service", "type_service", "contact")
# The validator's HSDS column names -> this sheet's headers.
HSDS_TO_SHEET = {"id": "organisation_id", "name": "organisation", "x_sira_kind": "type_organisation",
                 "parent_organization_id": "organisation_parente", "organization_id": "organisation",
                 "attributes": "type_service", "x_sira_status": "etat", "minimum_age": "age_min",
                 "maximum_age": "age_max", "x_sira_sexes": "sexes", "x_sira_statuses": "statuts",
                 "languages": "langues", "x_sira_free_places": "places_libres",
                 "x_sira_full_until": "complet_jusqu_au", "schedules": "horaires", "service_areas": "couverture",
                 "x_sira_quartier": "quartier", "latitude": "latitude", "longitude": "longitude",
                 "service_id": "service_id", "x_sira_role": "role", "x_sira_language": "langue_contact",
                 "phones": "canaux", "email": "canaux", "x_sira_channels": "canaux"}

_LABELS = {fold: term.code for terms in (ORGANISATION_KINDS, CONTACT_ROLES, SERVICE_TYPES)
           for term in terms for fold in (term.fr.lower(), term.en.lower())}
_STATUS_LABELS = {"actif": "active", "complet": "full", "suspendu": "suspended", "inactif": "inactive"}


def _yes(value: bool) -> str:
    return "oui" if value else "non"


def _join(values) -> str:
    return ", ".join(values)


# ---------------------------------------------------------------- export

def dumps(data: DirectoryData) -> str:
    organisations = {o.uid: o for o in data.organisations}
    services_by_org: dict[str, list[ServiceRecord]] = {}
    for service in data.services:
        services_by_org.setdefault(service.organisation_uid, []).append(service)
    contacts_by_owner: dict[tuple[str, str | None], list[ContactRecord]] = {}
    for contact in data.contacts:
        contacts_by_owner.setdefault((contact.organisation_uid, contact.service_uid), []).append(contact)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS, lineterminator="\n")
    writer.writeheader()
    for org in data.organisations:
        parent = organisations.get(org.parent_ref) if org.parent_ref else None
        org_cells = {"organisation_id": org.uid, "organisation": org.name, "sigle": org.acronym or "",
                     "type_organisation": org.kind, "organisation_parente": parent.name if parent else "",
                     "description_organisation": org.description}
        rows = [(None, c) for c in contacts_by_owner.get((org.uid, None), [])]
        for service in services_by_org.get(org.uid, []):
            rows += [(service, c) for c in contacts_by_owner.get((org.uid, service.uid), [])] or [(service, None)]
        for service, contact in rows or [(None, None)]:
            writer.writerow({**org_cells, **(_service_cells(service) if service else {}),
                             **(_contact_cells(contact) if contact else {})})
    return buffer.getvalue()


def _service_cells(service: ServiceRecord) -> dict:
    location = service.locations[0] if service.locations else None
    return {
        "service_id": service.uid, "service": service.name, "type_service": service.type_code,
        "description_service": service.description, "age_min": _number(service.min_age),
        "age_max": _number(service.max_age), "sexes": _join(service.sexes), "statuts": _join(service.statuses),
        "non_accompagnes_seulement": _yes(service.unaccompanied_separated_only),
        "langues": _join(service.languages), "horaires": format_short_hours(service.opening_hours),
        "etat": service.status, "complet_jusqu_au": service.full_until or "",
        "places_libres": _number(service.free_places), "district_entier": _yes(service.district_wide),
        "couverture": "; ".join(service.coverage),
        "lieu_id": location.uid if location else "", "quartier": (location.quartier or "") if location else "",
        "adresse": location.address if location else "",
        "latitude": _number(location.latitude) if location else "",
        "longitude": _number(location.longitude) if location else "",
    }


def _contact_cells(contact: ContactRecord) -> dict:
    return {"contact_id": contact.uid, "contact": contact.name, "role": contact.role,
            "langue_contact": contact.language, "demo": _yes(contact.demo),
            "canaux": "; ".join(f"{c.kind}:{c.address}" for c in contact.channels)}


def _number(value) -> str:
    return "" if value is None else str(value)


# ---------------------------------------------------------------- import

class _RowReader:
    """Reads one row's cells into typed values, collecting a Problem per bad cell."""

    def __init__(self, cells: dict[str, str], where: str, problems: list[Problem]):
        self.cells, self.where, self.problems = cells, where, problems

    def text(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()

    def fail(self, column: str, reason: str) -> None:
        self.problems.append(Problem(self.where, column, reason))

    def integer(self, column: str) -> int | None:
        value = self.text(column)
        if not value:
            return None
        try:
            return int(value)
        except ValueError:
            self.fail(column, f"« {value} » n'est pas un nombre entier")
            return None

    def decimal(self, column: str) -> float | None:
        value = self.text(column).replace(",", ".")
        if not value:
            return None
        try:
            return float(value)
        except ValueError:
            self.fail(column, f"« {value} » n'est pas un nombre")
            return None

    def boolean(self, column: str) -> bool:
        value = self.text(column).lower()
        if value in ("", "non", "no", "false", "0"):
            return False
        if value in ("oui", "yes", "true", "1"):
            return True
        self.fail(column, f"« {value} » : écrire oui ou non")
        return False

    def items(self, column: str, separator: str = ",") -> list[str]:
        return [v.strip() for v in self.text(column).split(separator) if v.strip()]

    def code(self, column: str, labels: dict[str, str] | None = None) -> str:
        value = self.text(column)
        return (labels or _LABELS).get(value.lower(), value)


def loads(text: str, source: str = "feuille.csv") -> DirectoryData:
    problems: list[Problem] = []
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise ImportRejected([Problem(source, "", f"CSV illisible ou tronqué ({error})")]) from None
    if not lines:
        raise ImportRejected([Problem(source, "", "fichier vide")])
    header = [h.strip() for h in lines[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportRejected([Problem(f"{source}, ligne 1", c, "colonne obligatoire absente") for c in missing])
    data = DirectoryData(column_names=HSDS_TO_SHEET)
    organisations: dict[str, OrganisationRecord] = {}
    services: dict[tuple, ServiceRecord] = {}
    first_seen: dict[tuple, tuple] = {}
    for number, line in enumerate(lines[1:], start=2):
        where = f"{source}, ligne {number}"
        if not any(cell.strip() for cell in line):
            continue
        if len(line) != len(header):
            problems.append(Problem(where, "", f"{len(line)} colonnes au lieu de {len(header)} : ligne incomplète "
                                               "(fichier tronqué ?)"))
            continue
        row = _RowReader(dict(zip(header, line, strict=True)), where, problems)
        org = _organisation(row, organisations, data, first_seen)
        if org is None:
            continue
        service = None
        if row.text("service") or row.text("service_id"):
            service = _service(row, org, services, data, first_seen)
        if row.text("contact") or row.text("contact_id") or row.text("canaux"):
            data.contacts.append(_contact(row, org, service))
    if problems:
        raise ImportRejected(problems)
    return data


def _same_as_before(row: _RowReader, key: tuple, columns: list[str], first_seen: dict) -> None:
    values = tuple(row.text(c) for c in columns)
    if key in first_seen and first_seen[key][0] != values:
        differing = next(c for c, a, b in zip(columns, first_seen[key][0], values, strict=True) if a != b)
        row.fail(differing, f"valeur différente de la ligne {first_seen[key][1]} pour la même entrée")
    first_seen.setdefault(key, (values, row.where.rsplit(" ", 1)[-1]))


def _organisation(row, organisations, data, first_seen) -> OrganisationRecord | None:
    name, uid = row.text("organisation"), row.text("organisation_id")
    if not name and not uid:
        row.fail("organisation", "le nom de l'organisation est obligatoire")
        return None
    key = ("org", uid or name)
    _same_as_before(row, key, ORGANISATION_COLUMNS, first_seen)
    if key not in organisations:
        organisations[key] = OrganisationRecord(
            uid=uid or str(uuid.uuid4()), name=name, acronym=row.text("sigle") or None,
            kind=row.code("type_organisation") or "civil_society",
            description=row.text("description_organisation"),
            parent_ref=row.text("organisation_parente") or None, where=row.where)
        data.organisations.append(organisations[key])
    return organisations[key]


def _service(row, org, services, data, first_seen) -> ServiceRecord:
    uid = row.text("service_id")
    key = ("service", uid or (org.uid, row.text("service")))
    _same_as_before(row, key, SERVICE_COLUMNS, first_seen)
    if key in services:
        return services[key]
    try:
        hours = parse_short_hours(row.text("horaires"))
    except ValueError as error:
        row.fail("horaires", str(error))
        hours = {}
    full_until = row.text("complet_jusqu_au")
    if full_until and "T" not in full_until:
        full_until = f"{full_until}T23:59:59+00:00"  # a date: full until the end of that day in Bamako
    record = ServiceRecord(
        uid=uid or str(uuid.uuid4()), organisation_uid=org.uid, type_code=row.code("type_service"),
        name=row.text("service"), description=row.text("description_service"), min_age=row.integer("age_min"),
        max_age=row.integer("age_max"), sexes=row.items("sexes"), statuses=row.items("statuts"),
        unaccompanied_separated_only=row.boolean("non_accompagnes_seulement"),
        languages=[v.lower() for v in row.items("langues")], opening_hours=hours,
        status=row.code("etat", _STATUS_LABELS) or "active", full_until=full_until or None,
        free_places=row.integer("places_libres"), district_wide=row.boolean("district_entier"),
        coverage=row.items("couverture", ";"), locations_complete=False, where=row.where)
    if row.text("quartier") or row.text("adresse") or row.text("lieu_id"):
        record.locations.append(LocationRecord(
            uid=row.text("lieu_id") or str(uuid.uuid4()), quartier=row.text("quartier") or None,
            address=row.text("adresse"), latitude=row.decimal("latitude"), longitude=row.decimal("longitude"),
            where=row.where))
    services[key] = record
    data.services.append(record)
    return record


def _contact(row, org, service) -> ContactRecord:
    channels = []
    for item in row.items("canaux", ";"):
        kind, sep, address = item.partition(":")
        if not sep:
            row.fail("canaux", f"« {item} » : écrire canal:adresse, ex. sms:70 00 00 01")
            continue
        channels.append(ChannelRecord(kind.strip().lower(), address.strip(), where=row.where, column="canaux"))
    return ContactRecord(
        uid=row.text("contact_id") or str(uuid.uuid4()), organisation_uid=org.uid,
        service_uid=service.uid if service else None, role=row.code("role") or "focal_point",
        name=row.text("contact"), language=row.text("langue_contact").lower() or "fr", demo=row.boolean("demo"),
        channels=channels, where=row.where)
