"""Validation against the official HSDS 3.0 JSON Schemas (vendored in directory/hsds_3_0/schema)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMAS = Path(__file__).resolve().parent.parent / "hsds_3_0" / "schema"


@cache
def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((path.name, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))
    return Draft202012Validator({**schema, "$id": f"{name}.json"}, registry=_registry(),
                                format_checker=FormatChecker())


def errors(name: str, instance) -> list[str]:
    """Messages of every schema violation of `instance` against the official `name` schema."""
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
            for e in validator(name).iter_errors(instance)]


def export_errors(organisations: list[dict]) -> list[str]:
    """A Sira export: each organization against organization.json and each of its services against
    service.json (the non-compiled organization schema does not describe nested services)."""
    found = []
    for index, organisation in enumerate(organisations):
        found += [f"[{index}] {m}" for m in errors("organization", organisation)]
        for s_index, service in enumerate(organisation.get("services", [])):
            found += [f"[{index}].services[{s_index}] {m}" for m in errors("service", service)]
    return found
