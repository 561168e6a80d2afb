"""Fuzz every operation of the API's own OpenAPI description through the WSGI app (no network).

Each operation is called by the role it is meant for (API token), over a world with real rows (the demo
directory, two referrals, a provider focal point), so that paths with ids often reach existing records.
Inputs are valid and invalid ones (schemathesis positive and negative modes), derandomized: the same
requests on every run.
Checks: never a 5xx; the status is one the operation documents; a response with a documented schema
matches it. The description we test against is /api/v1/openapi.json with its catch-all `default` response
removed: `default` would make any status "documented", so every status an operation really answers must be
listed (`hub.api.documents_errors`; `require_api_roles` documents its 401 and 403 itself).

SQLite only, one app for the module: validation and status codes do not depend on the database (a one-off
run on PostgreSQL found nothing more), and the run stays short (~230 requests). To dig deeper locally, raise
EXAMPLES_PER_OPERATION (80 ran clean on 29/11/2026) or drop `derandomize`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import select

from directory.models import Contact, Organisation, Service
from hub.extensions import db
from hub.referrals.api import API_ACTIONS
from hub.referrals.models import Referral, ReferralTarget
from tests.integration.referrals.conftest import add_provider, make_world, send
from tests.support import dispose, make_test_app, reset_database

EXAMPLES_PER_OPERATION = 12

FUZZ_CONFIG = SchemathesisConfig.from_dict({
    "generation": {"max-examples": EXAMPLES_PER_OPERATION, "deterministic": True,
                   "mode": "all", "with-security-parameters": False},
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
})

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

# Who calls each operation: the role it exists for, so that generated data gets past authorisation.
ROLE_BY_OPERATION = {
    "POST /api/v1/referrals/{code}/targets/{target_id}/{action}": "provider",
    "GET /api/v1/coordination/board": "coordinator",
    "GET /api/v1/coordination/scorecards": "coordinator",
}


def role_for(method: str, path: str) -> str:
    label = f"{method.upper()} {path}"
    if label in ROLE_BY_OPERATION:
        return ROLE_BY_OPERATION[label]
    if path.startswith("/api/v1/directory") and method.upper() != "GET":
        return "admin"
    if path.startswith("/api/v1/directory/contacts"):  # contact channels: coordinators and admins
        return "coordinator"
    return "caseworker"


class FuzzWorld:
    def __init__(self, app):
        self.world = make_world(app)
        client = app.test_client()
        for _ in range(2):
            response = send(client, self.world)
            assert response.status_code == 201, response.get_json()
        first_target = response.get_json()["targets"][0]
        add_provider(app, self.world, "provider", first_target["organisation"]["id"])
        with app.app_context():
            self.real_values = {
                "code": db.session.scalars(select(Referral.code)).all(),
                "target_id": db.session.scalars(select(ReferralTarget.id)).all(),
                "service_id": db.session.scalars(select(Service.id).limit(10)).all(),
                "uid": db.session.scalars(select(Service.uid).limit(10)).all(),
                "organisation_id": db.session.scalars(select(Organisation.id).limit(10)).all(),
                "contact_id": db.session.scalars(select(Contact.id).limit(10)).all(),
                "action": list(API_ACTIONS),
            }

    def headers(self, role: str) -> dict:
        return self.world.headers(role)


def strict_description(spec: dict, real_values: dict) -> dict:
    """No catch-all `default` response; path parameters drawn from real rows as often as from anywhere."""
    for item in spec["paths"].values():
        parameters = list(item.get("parameters", []))
        for method in HTTP_METHODS:
            if method in item:
                item[method]["responses"].pop("default", None)
                parameters += item[method].get("parameters", [])
        for parameter in parameters:
            values = real_values.get(parameter["name"]) if parameter.get("in") == "path" else None
            if values:
                parameter["schema"] = {"anyOf": [{"enum": values}, parameter["schema"]]}
    return spec


@pytest.fixture(scope="module")
def fuzz_app(sqlite_url, tmp_path_factory):
    """One app and world for every operation (like `sqlite_app`, module-wide): building the world is most
    of the cost, and what one operation changes (a deleted service...) is fair input for the next."""
    app = make_test_app(sqlite_url, tmp_path_factory.mktemp("fuzz"))
    reset_database(app)
    yield app
    dispose(app)


@pytest.fixture(scope="module")
def fuzz_world(fuzz_app):
    return FuzzWorld(fuzz_app)


def _described_operations() -> list[str]:
    """Every operation of the description, read once at collection: a new endpoint is fuzzed without edits."""
    with tempfile.TemporaryDirectory() as folder:
        app = make_test_app(f"sqlite:///{folder}/labels.db", Path(folder))
        spec = app.test_client().get("/api/v1/openapi.json").get_json()
        dispose(app)
    return [f"{method.upper()} {path}" for path, item in spec["paths"].items()
            for method in item if method in HTTP_METHODS]


HTTP_METHODS = ("get", "put", "post", "patch", "delete")
OPERATIONS = _described_operations()


def generated_cases(operation):
    """Valid inputs and invalid ones (wrong types, missing fields, out-of-range values)."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    if operation.body or list(operation.iter_parameters()):
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return st.one_of(strategies)


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_operation_survives_fuzzing(fuzz_app, fuzz_world, label):
    spec = fuzz_app.test_client().get("/api/v1/openapi.json").get_json()
    schema = schemathesis.openapi.from_dict(strict_description(spec, fuzz_world.real_values), config=FUZZ_CONFIG)
    method, path = label.split(" ", 1)
    operation = schema[path][method]
    headers = fuzz_world.headers(role_for(method, path))

    @given(case=generated_cases(operation))
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case):
        case.call_and_validate(headers=headers, checks=CHECKS, app=fuzz_app)

    call()


# ---------------------------------------------------------------- what the fuzzing found, pinned down

TOO_BIG = 2**63  # beyond SQLite's 64-bit integers: it used to raise OverflowError inside the query (500)


@pytest.mark.parametrize("method, path", [
    ("GET", f"/api/v1/directory/services/{TOO_BIG}"),
    ("DELETE", f"/api/v1/directory/contacts/{TOO_BIG}"),
    ("POST", f"/api/v1/referrals/R/targets/{TOO_BIG}/accept"),
    ("GET", f"/annuaire/services/{TOO_BIG}"),
])
def test_an_id_no_row_can_have_is_not_found(fuzz_app, fuzz_world, method, path):
    response = fuzz_app.test_client().open(path, method=method, json={}, headers=fuzz_world.headers("admin"))
    assert response.status_code == 404


@pytest.mark.parametrize("who, path, body", [
    ("admin", "/api/v1/directory/contacts", {"name": "Awa", "role": "head", "organisation_id": TOO_BIG}),
    ("admin", "/api/v1/directory/services/1/capacity", {"full": False, "free_places": 2**31}),
    ("caseworker", "/api/v1/referrals?page=100000000000000000000", None),
    ("caseworker", f"/api/v1/referrals?organisation={TOO_BIG}", None),
    ("coordinator", "/api/v1/coordination/board?page=100000000000000000000", None),
])
def test_a_number_too_big_for_the_database_is_refused_naming_the_field(fuzz_app, fuzz_world, who, path, body):
    client = fuzz_app.test_client()
    headers = fuzz_world.headers(who)
    response = client.post(path, json=body, headers=headers) if body else client.get(path, headers=headers)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"]


def test_the_description_lists_every_status_an_operation_answers(fuzz_app):
    paths = fuzz_app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    documented = {(method.upper(), path): set(operation["responses"]) for path, item in paths.items()
                  for method, operation in item.items() if method in HTTP_METHODS}
    assert {"201", "400", "401", "403", "409", "422"} <= documented["POST", "/api/v1/referrals"]
    assert {"200", "401", "404"} <= documented["GET", "/api/v1/hsds/services/{uid}"]
    assert {"204", "401", "403", "404", "409"} <= documented["DELETE", "/api/v1/directory/services/{service_id}"]
    assert "200" in documented["GET", "/api/v1/hsds/services"]
