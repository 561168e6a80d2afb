"""HSDS 3.0 canonical JSON <-> records, following the Mali profile (directory/PROFILE.md).

Export: a JSON array of full HSDS `organization` objects, each with its `services` (as in the official
compiled organization schema) — it validates against schema/compiled/organization_package.json.
Sira's own fields are extension properties prefixed `x_sira_`, which HSDS allows (its schemas accept
unknown properties; conformance rule 4). Ids that HSDS requires but Sira does not store (phones,
schedules, languages, addresses...) are derived with uuid5 from the owner's id, so they are stable.

Import accepts that array, a single organization or service, a list of services, or a paged HSDS list
({"contents": [...]}) — so the official examples import.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

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
from directory.hours import HSDS_DAYS
from routing.calendar import WEEKDAYS

SIRA_NAMESPACE = uuid.UUID("0b7c54d4-8a1e-4f61-9a52-7d5a8e3c2f90")
SERVICE_TYPE_TAXONOMY = "sira_service_type"
DISTRICT = "District de Bamako"
CITY = "Bamako"
COUNTRY = "ML"
DEFAULT_ORGANISATION_KIND = "civil_society"
DEFAULT_SERVICE_TYPE = "autre"

TO_HSDS_STATUS = {"active": "active", "full": "active", "suspended": "temporarily closed", "inactive": "inactive"}
FROM_HSDS_STATUS = {"active": "active", "temporarily closed": "suspended", "inactive": "inactive",
                    "defunct": "inactive"}
PHONE_TYPE_SMS = "text"


def derived_id(*parts: str) -> str:
    return str(uuid.uuid5(SIRA_NAMESPACE, "/".join(parts)))


def service_type_term_id(code: str) -> str:
    return derived_id("service_type", code)


# ---------------------------------------------------------------- export

def to_hsds(data: DirectoryData, type_labels: dict[str, tuple[str, str]]) -> list[dict]:
    services_by_org: dict[str, list[ServiceRecord]] = {}
    for service in data.services:
        services_by_org.setdefault(service.organisation_uid, []).append(service)
    contacts_by_service: dict[str, list[ContactRecord]] = {}
    contacts_by_org: dict[str, list[ContactRecord]] = {}
    for contact in data.contacts:
        if contact.service_uid:
            contacts_by_service.setdefault(contact.service_uid, []).append(contact)
        else:
            contacts_by_org.setdefault(contact.organisation_uid, []).append(contact)
    result = []
    for org in data.organisations:
        item: dict[str, Any] = {"id": org.uid, "name": org.name, "description": org.description or ""}
        if org.acronym:
            item["alternate_name"] = org.acronym
        if org.parent_ref:
            item["parent_organization_id"] = org.parent_ref
        item["x_sira_kind"] = org.kind
        item["contacts"] = [_contact_to_hsds(c) for c in contacts_by_org.get(org.uid, [])]
        item["services"] = [_service_to_hsds(s, contacts_by_service.get(s.uid, []), type_labels)
                            for s in services_by_org.get(org.uid, [])]
        result.append(item)
    return result


def _contact_to_hsds(contact: ContactRecord) -> dict:
    item: dict[str, Any] = {"id": contact.uid}
    if contact.service_uid:
        item["service_id"] = contact.service_uid
    else:
        item["organization_id"] = contact.organisation_uid
    item["name"] = contact.name
    item["title"] = contact.role
    emails = [c.address for c in contact.channels if c.kind == "email"]
    if emails:
        item["email"] = emails[0]
    item["phones"] = [{"id": derived_id(contact.uid, "phone", str(position)), "contact_id": contact.uid,
                       "number": c.address, "type": PHONE_TYPE_SMS}
                      for position, c in enumerate(contact.channels) if c.kind == "sms"]
    item["x_sira_role"] = contact.role
    item["x_sira_language"] = contact.language
    item["x_sira_demo"] = contact.demo
    item["x_sira_channels"] = [
        {"id": derived_id(contact.uid, "channel", str(position)), "contact_id": contact.uid, "position": position,
         "kind": c.kind, "address": c.address, "healthy": True if c.healthy is None else c.healthy,
         "last_error": c.last_error or ""}
        for position, c in enumerate(contact.channels)]
    return item


def _schedules(service: ServiceRecord) -> list[dict]:
    # One HSDS weekly schedule per distinct opening interval, listing the days it applies to.
    by_interval: dict[tuple[str, str], list[str]] = {}
    for index, day in enumerate(WEEKDAYS):
        for opening, closing in service.opening_hours.get(day, []):
            by_interval.setdefault((opening, closing), []).append(HSDS_DAYS[index])
    return [{"id": derived_id(service.uid, "schedule", opening, closing), "service_id": service.uid,
             "freq": "WEEKLY", "wkst": "MO", "byday": ",".join(days), "opens_at": opening, "closes_at": closing,
             "timezone": 0, "description": f"{','.join(days)} {opening}-{closing} (Africa/Bamako)"}
            for (opening, closing), days in sorted(by_interval.items())]


def _service_areas(service: ServiceRecord, places_kind: dict[str, str] | None = None) -> list[dict]:
    areas = []
    if service.district_wide:
        areas.append({"id": derived_id(service.uid, "area", "district"), "service_id": service.uid,
                      "name": DISTRICT, "x_sira_place_kind": "district"})
    for name in service.coverage:
        areas.append({"id": derived_id(service.uid, "area", name), "service_id": service.uid, "name": name,
                      "x_sira_place_kind": "place"})
    return areas


def _location(service: ServiceRecord, location: LocationRecord) -> dict:
    location_id = derived_id(location.uid, "location")
    item: dict[str, Any] = {"id": location_id, "location_type": "physical",
                            "name": location.address or location.quartier or service.name}
    if location.latitude is not None:
        item["latitude"] = location.latitude
    if location.longitude is not None:
        item["longitude"] = location.longitude
    item["addresses"] = [{
        "id": derived_id(location.uid, "address"), "location_id": location_id,
        "address_1": location.address or "", "address_2": location.quartier or "", "city": CITY,
        "region": "", "state_province": DISTRICT, "postal_code": "", "country": COUNTRY,
        "address_type": "physical"}]
    item["x_sira_quartier"] = location.quartier or ""
    return {"id": location.uid, "service_id": service.uid, "location_id": location_id, "location": item}


def _service_to_hsds(service: ServiceRecord, contacts: list[ContactRecord],
                     type_labels: dict[str, tuple[str, str]]) -> dict:
    label_fr, label_en = type_labels.get(service.type_code, (service.type_code, service.type_code))
    term_id = service_type_term_id(service.type_code)
    item: dict[str, Any] = {
        "id": service.uid, "organization_id": service.organisation_uid, "name": service.name,
        "description": service.description or "", "status": TO_HSDS_STATUS[service.status],
    }
    if service.min_age is not None:
        item["minimum_age"] = service.min_age
    if service.max_age is not None:
        item["maximum_age"] = service.max_age
    item["languages"] = [{"id": derived_id(service.uid, "language", code), "service_id": service.uid,
                          "code": code} for code in service.languages]
    item["schedules"] = _schedules(service)
    item["service_areas"] = _service_areas(service)
    item["service_at_locations"] = [_location(service, loc) for loc in service.locations]
    item["contacts"] = [_contact_to_hsds(c) for c in contacts]
    item["attributes"] = [{
        "id": derived_id(service.uid, "attribute", "service_type"), "link_id": service.uid,
        "link_type": "service_type", "link_entity": "service", "taxonomy_term_id": term_id,
        "value": service.type_code,
        "taxonomy_term": {"id": term_id, "code": service.type_code, "name": label_fr, "description": label_en,
                          "taxonomy": SERVICE_TYPE_TAXONOMY, "language": "fr"}}]
    item["x_sira_status"] = service.status
    item["x_sira_full_until"] = service.full_until or ""
    item["x_sira_free_places"] = service.free_places
    item["x_sira_sexes"] = list(service.sexes)
    item["x_sira_statuses"] = list(service.statuses)
    item["x_sira_unaccompanied_separated_only"] = service.unaccompanied_separated_only
    return item


def dumps(items: list[dict]) -> str:
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------- import

def loads(text: str, source: str = "fichier") -> DirectoryData:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportRejected([Problem(f"{source}, ligne {error.lineno}", "",
                                      f"JSON illisible ou tronqué ({error.msg}, colonne {error.colno})")]) from None
    return from_hsds(document, source)


def from_hsds(document: Any, source: str = "fichier") -> DirectoryData:
    """Records from any accepted shape: organizations, services, a paged list, or a {"organizations",
    "services", "contacts"} bundle (what the tabular reader builds)."""
    reader = _Reader(source)
    if isinstance(document, dict) and "contents" in document:
        document = document["contents"]
    if isinstance(document, dict) and {"organizations", "services", "contacts"} & set(document) \
            and "id" not in document:
        for index, org in enumerate(document.get("organizations", [])):
            reader.organisation(org, f"[{index}]")
        for index, service in enumerate(document.get("services", [])):
            reader.service(service, service.get("organization_id"), f"services[{index}]")
        for index, contact in enumerate(document.get("contacts", [])):
            reader.contact(contact, contact.get("organization_id"), contact.get("service_id"),
                           f"contacts[{index}]")
        return reader.finish()
    items = document if isinstance(document, list) else [document]
    for index, item in enumerate(items):
        path = f"[{index}]" if isinstance(document, list) else ""
        if not isinstance(item, dict):
            reader.problem(path, "", "un objet HSDS (organization ou service) est attendu")
        elif "status" in item and "services" not in item:
            organisation = item.get("organization")
            if isinstance(organisation, dict):
                reader.organisation(organisation, f"{path}.organization")
            reader.service(item, item.get("organization_id") or (organisation or {}).get("id"), path)
        else:
            reader.organisation(item, path)
    return reader.finish()


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(float(value))


def _float(value: Any) -> float | None:
    return None if value in (None, "") else float(value)


class _Reader:
    def __init__(self, source: str):
        self.source = source
        self.data = DirectoryData()
        self.problems: list[Problem] = []
        self.seen_orgs: set[str] = set()
        self.seen_contacts: set[str] = set()

    def where(self, obj: dict, path: str) -> str:
        # The tabular reader tags each object with the CSV file and row it came from.
        return obj.get("__source__") or f"{self.source} {path}".strip()

    def problem(self, path: str, column: str, reason: str) -> None:
        self.problems.append(Problem(f"{self.source} {path}".strip(), column, reason))

    def finish(self) -> DirectoryData:
        if self.problems:
            raise ImportRejected(self.problems)
        return self.data

    def organisation(self, obj: dict, path: str) -> None:
        uid = _text(obj.get("id"))
        where = self.where(obj, path)
        if not uid:
            self.problems.append(Problem(where, "id", "identifiant manquant"))
            return
        if uid not in self.seen_orgs:
            self.seen_orgs.add(uid)
            self.data.organisations.append(OrganisationRecord(
                uid=uid, name=_text(obj.get("name")).strip(), acronym=_text(obj.get("alternate_name")) or None,
                kind=_text(obj.get("x_sira_kind")) or DEFAULT_ORGANISATION_KIND,
                description=_text(obj.get("description")), parent_ref=obj.get("parent_organization_id") or None,
                where=where))
        for index, contact in enumerate(obj.get("contacts") or []):
            self.contact(contact, uid, None, f"{path}.contacts[{index}]")
        for index, service in enumerate(obj.get("services") or []):
            self.service(service, uid, f"{path}.services[{index}]")

    def service(self, obj: dict, organisation_uid: str | None, path: str) -> None:
        where = self.where(obj, path)
        uid = _text(obj.get("id"))
        if not uid:
            self.problems.append(Problem(where, "id", "identifiant manquant"))
            return
        try:
            record = ServiceRecord(
                uid=uid, organisation_uid=_text(obj.get("organization_id")) or organisation_uid,
                type_code=self._service_type(obj, where), name=_text(obj.get("name")).strip(),
                description=_text(obj.get("description")), min_age=_int(obj.get("minimum_age")),
                max_age=_int(obj.get("maximum_age")), where=where)
        except (TypeError, ValueError):
            self.problems.append(Problem(where, "minimum_age", "âge non numérique"))
            return
        status = _text(obj.get("x_sira_status"))
        record.status = status or FROM_HSDS_STATUS.get(_text(obj.get("status")), _text(obj.get("status")))
        record.full_until = _text(obj.get("x_sira_full_until")) or None
        try:
            record.free_places = _int(obj.get("x_sira_free_places"))
        except (TypeError, ValueError):
            self.problems.append(Problem(where, "x_sira_free_places", "nombre attendu"))
        record.sexes = list(obj.get("x_sira_sexes") or [])
        record.statuses = list(obj.get("x_sira_statuses") or [])
        record.unaccompanied_separated_only = bool(obj.get("x_sira_unaccompanied_separated_only") or False)
        record.languages = [_text(lang.get("code")).strip().lower() for lang in obj.get("languages") or []
                            if lang.get("code")]
        record.opening_hours = self._hours(obj.get("schedules") or [], where)
        for area in obj.get("service_areas") or []:
            kind, name = _text(area.get("x_sira_place_kind")), _text(area.get("name")).strip()
            if kind == "district" or name == DISTRICT:
                record.district_wide = True
            elif kind:
                record.coverage.append(name)
            else:
                self.data.warnings.append(Problem(where, "service_areas",
                                                  f"zone « {name[:60]} » hors profil Mali : ignorée"))
        for index, at_location in enumerate(obj.get("service_at_locations") or []):
            record.locations.append(self._location(at_location, f"{path}.service_at_locations[{index}]"))
            for c_index, contact in enumerate(at_location.get("contacts") or []):
                self.contact(contact, record.organisation_uid, uid,
                             f"{path}.service_at_locations[{index}].contacts[{c_index}]")
            location = at_location.get("location") or {}
            for c_index, contact in enumerate(location.get("contacts") or []):
                self.contact(contact, record.organisation_uid, uid,
                             f"{path}.service_at_locations[{index}].location.contacts[{c_index}]")
        self.data.services.append(record)
        for index, contact in enumerate(obj.get("contacts") or []):
            self.contact(contact, record.organisation_uid, uid, f"{path}.contacts[{index}]")

    def _service_type(self, obj: dict, where: str) -> str:
        for attribute in obj.get("attributes") or []:
            term = attribute.get("taxonomy_term") or {}
            if term.get("taxonomy") == SERVICE_TYPE_TAXONOMY or attribute.get("link_type") == "service_type":
                return _text(term.get("code") or attribute.get("value")).strip()
        self.data.warnings.append(Problem(where, "attributes",
                                          f"aucun type de service Sira : « {DEFAULT_SERVICE_TYPE} » retenu"))
        return DEFAULT_SERVICE_TYPE

    def _hours(self, schedules: list[dict], where: str) -> dict:
        hours: dict[str, list[list[str]]] = {}
        for schedule in schedules:
            opening, closing = _text(schedule.get("opens_at"))[:5], _text(schedule.get("closes_at"))[:5]
            days = [d.strip().upper() for d in _text(schedule.get("byday")).split(",") if d.strip()]
            if not (opening and closing and days):
                continue
            for day in days:
                if day[-2:] not in HSDS_DAYS:
                    self.problems.append(Problem(where, "schedules", f"jour inconnu « {day} » (MO … SU)"))
                    continue
                hours.setdefault(WEEKDAYS[HSDS_DAYS.index(day[-2:])], []).append([opening, closing])
        return {day: sorted(intervals) for day, intervals in hours.items()}

    def _location(self, at_location: dict, path: str) -> LocationRecord:
        where = self.where(at_location, path)
        location = at_location.get("location") or {}
        addresses = location.get("addresses") or []
        address = addresses[0] if addresses else {}
        quartier = _text(location.get("x_sira_quartier")).strip() or None
        if address and (_text(address.get("country")).upper(), _text(address.get("city"))) != (COUNTRY, CITY):
            # Outside the Mali profile: keep the whole address as text, the quartier is unknown.
            parts = [address.get(k) for k in ("address_1", "address_2", "city", "country") if address.get(k)]
            text = ", ".join(_text(p) for p in parts)
        else:
            text = _text(address.get("address_1"))
            quartier = quartier or _text(address.get("address_2")).strip() or None
        try:
            latitude, longitude = _float(location.get("latitude")), _float(location.get("longitude"))
        except (TypeError, ValueError):
            self.problems.append(Problem(where, "latitude", "coordonnées non numériques"))
            latitude = longitude = None
        return LocationRecord(uid=_text(at_location.get("id")), quartier=quartier, address=text,
                              latitude=latitude, longitude=longitude, where=where)

    def contact(self, obj: dict, organisation_uid: str | None, service_uid: str | None, path: str) -> None:
        where = self.where(obj, path)
        uid = _text(obj.get("id"))
        if not uid:
            self.problems.append(Problem(where, "id", "identifiant manquant"))
            return
        if uid in self.seen_contacts:  # HSDS repeats a contact under its service, location and organisation
            return
        self.seen_contacts.add(uid)
        channels: list[ChannelRecord] = []
        if "x_sira_channels" in obj:
            for index, channel in enumerate(sorted(obj["x_sira_channels"] or [],
                                                   key=lambda c: int(c.get("position") or 0))):
                healthy = channel.get("healthy")
                channels.append(ChannelRecord(
                    _text(channel.get("kind")), _text(channel.get("address")),
                    None if healthy in (None, "") else bool(healthy), _text(channel.get("last_error")) or None,
                    where=channel.get("__source__") or f"{where}.x_sira_channels[{index}]"))
        else:
            for phone in obj.get("phones") or []:
                channels.append(ChannelRecord("sms", _text(phone.get("number")),
                                              where=phone.get("__source__") or where))
            if obj.get("email"):
                channels.append(ChannelRecord("email", _text(obj.get("email")), where=where))
        self.data.contacts.append(ContactRecord(
            uid=uid, organisation_uid=_text(obj.get("organization_id")) or organisation_uid if not service_uid
            else organisation_uid,
            service_uid=service_uid, role=_text(obj.get("x_sira_role")) or "focal_point",
            name=_text(obj.get("name")).strip() or _text(obj.get("title")), language=_text(
                obj.get("x_sira_language")) or "fr", demo=bool(obj.get("x_sira_demo") or False),
            channels=channels, where=where))
