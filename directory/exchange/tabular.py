"""The HSDS 3.0 tabular data package (datapackage.json + one CSV per table) <-> the nested HSDS JSON.

Writing flattens the JSON that `hsds_json.to_hsds` builds; reading rebuilds that nesting from the foreign
keys, tagging every object with the file and row it came from, so that `hsds_json.from_hsds` and the
validator name "contacts.csv, ligne 7" in their messages. Columns follow the official descriptor
(directory/hsds_3_0/datapackage.json); Sira's extension columns (x_sira_*) come after them, and the
channels of a contact get a table of their own, x_sira_channels.csv, declared in the written descriptor.
A package is a directory or a .zip of it.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

from directory.exchange.records import ImportRejected, Problem

SPEC = Path(__file__).resolve().parent.parent / "hsds_3_0"

# Sira's extension columns and their Table Schema types (lists are written comma-separated).
EXTENSION_FIELDS: dict[str, dict[str, str]] = {
    "organization": {"x_sira_kind": "string"},
    "service": {"x_sira_status": "string", "x_sira_full_until": "string", "x_sira_free_places": "integer",
                "x_sira_sexes": "array", "x_sira_statuses": "array",
                "x_sira_unaccompanied_separated_only": "boolean"},
    "contact": {"x_sira_role": "string", "x_sira_language": "string", "x_sira_demo": "boolean"},
    "service_area": {"x_sira_place_kind": "string"},
    "location": {"x_sira_quartier": "string"},
}
CHANNEL_TABLE = "x_sira_channel"
CHANNEL_FIELDS = {"id": "string", "contact_id": "string", "position": "integer", "kind": "string",
                  "address": "string", "healthy": "boolean", "last_error": "string"}
TABLE_ORDER = ("organization", "service", "service_at_location", "location", "address", "contact", "phone",
               "schedule", "service_area", "language", "attribute", "taxonomy_term", CHANNEL_TABLE)


@cache
def official_package() -> dict:
    return json.loads((SPEC / "datapackage.json").read_text(encoding="utf-8"))


@cache
def _resources() -> dict[str, dict]:
    resources = {r["name"]: r for r in official_package()["resources"]}
    resources[CHANNEL_TABLE] = {
        "name": CHANNEL_TABLE, "path": "x_sira_channels.csv", "format": "csv", "mediatype": "text/csv",
        "profile": "tabular-data-resource",
        "description": "Sira extension: the ordered channels (sms, telegram, email) of a contact.",
        "schema": {"primaryKey": "id", "fields": [{"name": n, "type": t} for n, t in CHANNEL_FIELDS.items()]},
    }
    return resources


def _field_types(table: str) -> dict[str, str]:
    types = {f["name"]: f.get("type", "string") for f in _resources()[table]["schema"]["fields"]}
    types.update(EXTENSION_FIELDS.get(table, {}))
    return types


def _columns(table: str) -> list[str]:
    return list(_field_types(table))


# ---------------------------------------------------------------- write

def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def _scalars(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if not isinstance(v, dict) and not (
        isinstance(v, list) and v and isinstance(v[0], dict)) and not (isinstance(v, list) and not v and k in (
            "contacts", "services", "phones", "schedules", "service_areas", "service_at_locations", "languages",
            "attributes", "addresses", "x_sira_channels"))}


def flatten(items: list[dict]) -> dict[str, list[dict]]:
    tables: dict[str, list[dict]] = {name: [] for name in TABLE_ORDER}
    terms: set[str] = set()

    def contact(c: dict) -> None:
        tables["contact"].append(_scalars(c))
        tables["phone"].extend(c.get("phones", []))
        tables[CHANNEL_TABLE].extend(c.get("x_sira_channels", []))

    for org in items:
        tables["organization"].append(_scalars(org))
        for c in org.get("contacts", []):
            contact(c)
        for service in org.get("services", []):
            tables["service"].append(_scalars(service))
            tables["language"].extend(service.get("languages", []))
            tables["schedule"].extend(service.get("schedules", []))
            tables["service_area"].extend(service.get("service_areas", []))
            for at_location in service.get("service_at_locations", []):
                tables["service_at_location"].append(_scalars(at_location))
                location = at_location["location"]
                tables["location"].append(_scalars(location))
                tables["address"].extend(location.get("addresses", []))
            for c in service.get("contacts", []):
                contact(c)
            for attribute in service.get("attributes", []):
                tables["attribute"].append(_scalars(attribute))
                term = attribute.get("taxonomy_term")
                if term and term["id"] not in terms:
                    terms.add(term["id"])
                    tables["taxonomy_term"].append(_scalars(term))
    return tables


def _csv_text(table: str, rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = _columns(table)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return buffer.getvalue()


def descriptor() -> dict:
    package = copy.deepcopy({k: v for k, v in official_package().items() if k != "resources"})
    package["name"] = "sira_bamako_directory"
    package["title"] = "Sira — annuaire des services de protection de l'enfant de Bamako (HSDS 3.0, profil Mali)"
    package["profile"] = "tabular-data-package"
    package["resources"] = []
    for table in TABLE_ORDER:
        resource = copy.deepcopy(_resources()[table])
        resource["schema"]["fields"] = resource["schema"]["fields"] + [
            {"name": name, "type": kind, "description": "Sira extension (see directory/PROFILE.md)"}
            for name, kind in EXTENSION_FIELDS.get(table, {}).items()]
        package["resources"].append(resource)
    return package


def files(items: list[dict]) -> dict[str, str]:
    tables = flatten(items)
    out = {"datapackage.json": json.dumps(descriptor(), ensure_ascii=False, indent=2) + "\n"}
    for table in TABLE_ORDER:
        out[_resources()[table]["path"]] = _csv_text(table, tables[table])
    return out


def write(items: list[dict], out: Path) -> None:
    contents = files(items)
    if out.suffix.lower() == ".zip":
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in contents.items():
                archive.writestr(name, text)
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, text in contents.items():
        (out / name).write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- read

def _read_files(path: Path) -> dict[str, str]:
    wanted = {_resources()[t]["path"] for t in TABLE_ORDER}
    found: dict[str, str] = {}
    try:
        if path.is_dir():
            for name in wanted:
                if (path / name).exists():
                    found[name] = (path / name).read_text(encoding="utf-8-sig")
        else:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    name = info.filename.rsplit("/", 1)[-1]
                    if name in wanted:
                        found[name] = archive.read(info).decode("utf-8-sig")
    except (zipfile.BadZipFile, EOFError) as error:
        raise ImportRejected([Problem(path.name, "", f"archive .zip illisible ou tronquée ({error})")]) from None
    except UnicodeDecodeError as error:
        raise ImportRejected([Problem(path.name, "", f"fichier qui n'est pas en UTF-8 ({error.reason})")]) from None
    if "organizations.csv" not in found and "services.csv" not in found:
        raise ImportRejected([Problem(path.name, "", "ni organizations.csv ni services.csv : ce n'est pas un "
                                                     "paquet tabulaire HSDS")])
    return found


def _coerce(value: str, kind: str, where: str, column: str, problems: list[Problem]) -> Any:
    try:
        if kind in ("number", "integer"):
            number = float(value)
            return int(number) if number.is_integer() else number
        if kind == "boolean":
            lowered = value.strip().lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no", "oui", "non"):
                raise ValueError
            return lowered in ("true", "1", "yes", "oui")
        if kind == "array":
            return [v.strip() for v in value.split(",") if v.strip()]
    except ValueError:
        problems.append(Problem(where, column, f"valeur « {value} » : {kind} attendu"))
        return None
    return value


def _rows(table: str, name: str, text: str, problems: list[Problem]) -> list[dict]:
    types = _field_types(table)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        lines = list(reader)
    except csv.Error as error:
        problems.append(Problem(name, "", f"CSV illisible ou tronqué ({error})"))
        return []
    if not lines:
        return []
    header, rows = lines[0], []
    for number, line in enumerate(lines[1:], start=2):
        where = f"{name}, ligne {number}"
        if not any(cell.strip() for cell in line):
            continue
        if len(line) != len(header):
            problems.append(Problem(where, "", f"{len(line)} colonnes au lieu de {len(header)} : ligne "
                                               "incomplète (fichier tronqué ?)"))
            continue
        row: dict[str, Any] = {"__source__": where}
        for column, value in zip(header, line, strict=True):
            if value != "":
                row[column] = _coerce(value, types.get(column, "string"), where, column, problems)
        rows.append(row)
    return rows


def read(path: Path) -> dict:
    """The nested bundle {"organizations": [...], "services": [...], "contacts": [...]} for from_hsds."""
    texts = _read_files(path)
    problems: list[Problem] = []
    tables = {t: _rows(t, _resources()[t]["path"], texts.get(_resources()[t]["path"], ""), problems)
              for t in TABLE_ORDER}
    if problems:
        raise ImportRejected(problems)

    def index(table: str) -> dict[str, dict]:
        return {row["id"]: row for row in tables[table] if "id" in row}

    def broken(row: dict, column: str, what: str) -> None:
        problems.append(Problem(row["__source__"], column, f"référence à {what} absent(e) ({row[column]})"))

    organisations, services, contacts = index("organization"), index("service"), index("contact")
    locations, terms, at_locations = index("location"), index("taxonomy_term"), index("service_at_location")
    bundle: dict[str, list] = {"organizations": list(organisations.values()), "services": [], "contacts": []}

    for service in tables["service"]:
        owner = organisations.get(service.get("organization_id"))
        (owner.setdefault("services", []) if owner else bundle["services"]).append(service)
    for table, key in (("language", "languages"), ("schedule", "schedules"), ("service_area", "service_areas")):
        for row in tables[table]:
            if "service_id" in row:
                if row["service_id"] in services:
                    services[row["service_id"]].setdefault(key, []).append(row)
                else:
                    broken(row, "service_id", "un service")
    for address in tables["address"]:
        if address.get("location_id") in locations:
            locations[address["location_id"]].setdefault("addresses", []).append(address)
    for at_location in tables["service_at_location"]:
        if at_location.get("service_id") not in services:
            broken(at_location, "service_id", "un service")
            continue
        if at_location.get("location_id"):
            if at_location["location_id"] not in locations:
                broken(at_location, "location_id", "un lieu")
                continue
            at_location["location"] = locations[at_location["location_id"]]
        services[at_location["service_id"]].setdefault("service_at_locations", []).append(at_location)
    for attribute in tables["attribute"]:
        if attribute.get("link_entity") != "service" and attribute.get("link_type") != "service_type":
            continue  # attributes of other entities: Sira does not store them
        if attribute.get("link_id") not in services:
            broken(attribute, "link_id", "un service")
            continue
        if attribute.get("taxonomy_term_id"):
            if attribute["taxonomy_term_id"] not in terms:
                broken(attribute, "taxonomy_term_id", "un terme de taxonomie")
                continue
            attribute["taxonomy_term"] = terms[attribute["taxonomy_term_id"]]
        services[attribute["link_id"]].setdefault("attributes", []).append(attribute)
    for phone in tables["phone"]:
        if "contact_id" in phone:
            if phone["contact_id"] in contacts:
                contacts[phone["contact_id"]].setdefault("phones", []).append(phone)
            else:
                broken(phone, "contact_id", "un contact")
    for channel in tables[CHANNEL_TABLE]:
        if channel.get("contact_id") in contacts:
            contacts[channel["contact_id"]].setdefault("x_sira_channels", []).append(channel)
        else:
            broken(channel, "contact_id", "un contact")
    for contact in tables["contact"]:
        if contact.get("service_id"):
            owner = services.get(contact["service_id"])
        elif contact.get("service_at_location_id") in at_locations:
            owner = services.get(at_locations[contact["service_at_location_id"]]["service_id"])
            contact["service_id"] = at_locations[contact["service_at_location_id"]]["service_id"]
        else:
            owner = organisations.get(contact.get("organization_id"))
        (owner.setdefault("contacts", []) if owner else bundle["contacts"]).append(contact)
    if problems:
        raise ImportRejected(problems)
    return bundle
