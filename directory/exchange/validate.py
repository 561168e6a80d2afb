"""Check parsed records against the vocabularies and the directory before anything is written (pure).

Normalises as it checks (E.164 phones, lower-case e-mails, clean opening hours), so that `apply` only
ever writes clean values. Returns every problem found, not only the first: an admin fixes a file once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from directory.channels import normalise_channel
from directory.exchange.records import DirectoryData, Problem
from directory.hours import validate_hours
from directory.taxonomy import CONTACT_ROLES, ORGANISATION_KINDS, SEXES, STATUSES

SERVICE_STATUSES = ("active", "full", "suspended", "inactive")
CONTACT_LANGUAGES = ("fr", "en")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


@dataclass
class Reference:
    """What the directory already holds, as plain values."""

    service_types: set[str]
    places: dict[str, str]  # name -> "commune" | "quartier"
    organisation_uids: set[str] = field(default_factory=set)
    organisation_names: dict[str, str] = field(default_factory=dict)  # name or acronym -> uid
    service_organisations: dict[str, str] = field(default_factory=dict)  # service uid -> organisation uid


def validate(data: DirectoryData, reference: Reference) -> list[Problem]:
    problems: list[Problem] = []
    _check(data, reference, problems)
    names = data.column_names
    return [Problem(p.where, names.get(p.column, p.column), p.reason) for p in problems]


def _check(data: DirectoryData, reference: Reference, problems: list[Problem]) -> None:
    kinds = {t.code for t in ORGANISATION_KINDS}
    roles = {t.code for t in CONTACT_ROLES}

    def seen_twice(items, label):
        seen: set[str] = set()
        for item in items:
            if item.uid in seen:
                problems.append(Problem(item.where, "id", f"{label} {item.uid} apparaît deux fois"))
            seen.add(item.uid)

    seen_twice(data.organisations, "l'organisation")
    seen_twice(data.services, "le service")
    seen_twice(data.contacts, "le contact")

    file_orgs = {o.uid for o in data.organisations}
    known_orgs = file_orgs | reference.organisation_uids
    names_in_file: dict[str, str] = {}
    for org in data.organisations:
        if not org.name.strip():
            problems.append(Problem(org.where, "name", "le nom de l'organisation est obligatoire"))
        if org.name in names_in_file and names_in_file[org.name] != org.uid:
            problems.append(Problem(org.where, "name", f"deux organisations s'appellent « {org.name} »"))
        names_in_file[org.name] = org.uid
        if org.kind not in kinds:
            problems.append(Problem(org.where, "x_sira_kind",
                                    f"type d'organisation inconnu « {org.kind} » ({', '.join(sorted(kinds))})"))
    lookup = {**reference.organisation_names,
              **{o.name: o.uid for o in data.organisations},
              **{o.acronym: o.uid for o in data.organisations if o.acronym}}
    for org in data.organisations:
        if org.parent_ref and org.parent_ref not in known_orgs:
            resolved = lookup.get(org.parent_ref)
            if resolved is None:
                data.warnings.append(Problem(org.where, "parent_organization_id",
                                             f"organisation parente « {org.parent_ref} » introuvable : ignorée"))
            org.parent_ref = resolved

    service_orgs = dict(reference.service_organisations)
    for service in data.services:
        where = service.where
        if service.organisation_uid not in known_orgs:
            problems.append(Problem(where, "organization_id",
                                    f"référence à une organisation absente ({service.organisation_uid or 'vide'})"))
        service_orgs[service.uid] = service.organisation_uid
        if not service.name.strip():
            problems.append(Problem(where, "name", "le nom du service est obligatoire"))
        if service.type_code not in reference.service_types:
            problems.append(Problem(where, "attributes", f"type de service inconnu « {service.type_code} »"))
        if service.status not in SERVICE_STATUSES:
            problems.append(Problem(where, "x_sira_status", f"état inconnu « {service.status} » "
                                    f"({', '.join(SERVICE_STATUSES)})"))
        for column, value in (("minimum_age", service.min_age), ("maximum_age", service.max_age)):
            if value is not None and not 0 <= value <= 120:
                problems.append(Problem(where, column, f"âge impossible : {value}"))
        if service.min_age is not None and service.max_age is not None and service.min_age > service.max_age:
            problems.append(Problem(where, "minimum_age", "l'âge minimum dépasse l'âge maximum"))
        for value in service.sexes:
            if value not in SEXES:
                problems.append(Problem(where, "x_sira_sexes", f"sexe inconnu « {value} » ({', '.join(SEXES)})"))
        for value in service.statuses:
            if value not in STATUSES:
                problems.append(Problem(where, "x_sira_statuses",
                                        f"statut inconnu « {value} » ({', '.join(STATUSES)})"))
        for value in service.languages:
            if not _LANGUAGE_CODE.match(value):
                problems.append(Problem(where, "languages", f"code de langue ISO 639 invalide « {value} »"))
        if service.free_places is not None and service.free_places < 0:
            problems.append(Problem(where, "x_sira_free_places", "le nombre de places libres est négatif"))
        if service.full_until:
            try:
                instant = datetime.fromisoformat(service.full_until)
                if instant.tzinfo is None:
                    raise ValueError
            except ValueError:
                problems.append(Problem(where, "x_sira_full_until",
                                        f"date illisible « {service.full_until} » (ISO 8601 avec fuseau)"))
        try:
            service.opening_hours = validate_hours(service.opening_hours)
        except ValueError as error:
            problems.append(Problem(where, "schedules", str(error)))
        for place in service.coverage:
            if place not in reference.places:
                problems.append(Problem(where, "service_areas", f"lieu inconnu « {place} » (commune ou quartier)"))
        for location in service.locations:
            if location.quartier and reference.places.get(location.quartier) != "quartier":
                problems.append(Problem(location.where or where, "x_sira_quartier",
                                        f"quartier inconnu « {location.quartier} »"))
            for column, value, bound in (("latitude", location.latitude, 90), ("longitude", location.longitude, 180)):
                if value is not None and not -bound <= value <= bound:
                    data.warnings.append(Problem(location.where or where, column,
                                                 f"coordonnée impossible {value} : ignorée"))
                    setattr(location, column, None)

    for contact in data.contacts:
        where = contact.where
        if contact.service_uid is not None:
            if contact.service_uid not in service_orgs:
                problems.append(Problem(where, "service_id",
                                        f"référence à un service absent ({contact.service_uid})"))
            else:
                contact.organisation_uid = service_orgs[contact.service_uid]
        elif contact.organisation_uid not in known_orgs:
            problems.append(Problem(where, "organization_id",
                                    f"référence à une organisation absente ({contact.organisation_uid or 'vide'})"))
        if contact.role not in roles:
            problems.append(Problem(where, "x_sira_role",
                                    f"rôle inconnu « {contact.role} » ({', '.join(sorted(roles))})"))
        if contact.language not in CONTACT_LANGUAGES:
            problems.append(Problem(where, "x_sira_language", f"langue de contact « {contact.language} » : fr ou en"))
        if not contact.name.strip():
            problems.append(Problem(where, "name", "le nom du contact est obligatoire"))
        for channel in contact.channels:
            try:
                channel.address = normalise_channel(channel.kind, channel.address)
            except ValueError as error:
                column = channel.column or {"sms": "phones", "email": "email"}.get(channel.kind, "x_sira_channels")
                problems.append(Problem(channel.where or where, column, str(error)))
