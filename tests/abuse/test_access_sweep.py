"""Every route of the app x every role x a user of a foreign organisation: who gets in, who is refused, how.

The routes are read from `app.url_map`, so a new route is swept as soon as it exists, and the sweep fails
until the route is classified in ACCESS below. Expectations follow rules rather than a hand-kept grid:

- public routes answer everyone alike (webhooks are protected by signatures, not sessions: unsigned, 403);
- role-restricted routes: anonymous gets 401 (API) or the login page (web); a role not allowed, 403;
- a referral's routes answer 404 to whoever may not know it exists (another organisation's caseworker or a
  provider it was not addressed to), never 403 or 200;
- an allowed caller GETs 200; a state-changing request with an empty body may do anything but a 5xx.

Web pages are called with a session (POST /connexion), the API with a bearer token. Every refused
state-changing request is checked to have changed no row (a fingerprint of every table, audit log included).
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from directory.models import Contact, Organisation, Service
from hub.auth.models import ApiToken, User
from hub.auth.service import create_user
from hub.extensions import db
from hub.timeutil import utcnow
from tests.integration.referrals.conftest import PASSWORD, add_provider, make_world, send
from tests.support import dispose, make_test_app, reset_database

ROLES = ("caseworker", "provider", "coordinator", "admin")
CALLERS = ("anonymous", *ROLES, *(f"foreign_{role}" for role in ROLES))
# Roles whose view of referrals stops at their organisation; coordinators and admins work across them.
ORG_SCOPED = ("caseworker", "provider")
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
CHILD_SECRETS = ("Aminata", "Traoré-Secret", "Récit confidentiel")


@dataclass(frozen=True)
class Public:
    """Anyone, signed in or not, gets `status` for each method (the same for all)."""

    status: dict[str, int]


@dataclass(frozen=True)
class Roles:
    """Only `roles`; `foreign` is what a user of an org-scoped role from another organisation gets."""

    roles: tuple[str, ...]
    foreign: int | None = None
    allowed_get: int = 200


EVERY_ROLE = Roles(ROLES)
COORDINATION = Roles(("coordinator", "admin"))
REFERRAL_READERS = Roles(("caseworker", "provider", "coordinator"), foreign=404)

# endpoint -> who may call it. Unknown endpoints fail test_every_route_is_classified.
ACCESS: dict[str, Public | Roles] = {
    "web.home": Public({"GET": 200}),
    "web.set_locale": Public({"GET": 302}),
    "auth.login": Public({"GET": 200, "POST": 401}),  # empty credentials: the page again, refused
    "auth.logout": Public({"POST": 302}),
    "health.healthz": Public({"GET": 200}),
    "static": Public({"GET": 200}),
    "referrals.static": Public({"GET": 200}),
    "coordination.static": Public({"GET": 200}),
    "api-docs.openapi_json": Public({"GET": 200}),
    "webhooks.twilio_sms": Public({"POST": 403}),
    "webhooks.twilio_status": Public({"POST": 403}),
    "webhooks.telegram": Public({"POST": 403}),
    "channels.email_decision": Public({"GET": 410}),  # a forged link: "no longer valid"
    "channels.email_decision_confirm": Public({"POST": 410}),
    # directory (web and API)
    "directory.browse": EVERY_ROLE,
    "directory.service_page": EVERY_ROLE,
    "directory.set_availability": Roles(("provider", "admin"), foreign=403),
    "directory.edit_service": Roles(("admin",)),
    "directory_api.Services": {"GET": EVERY_ROLE, "POST": Roles(("admin",))},
    "directory_api.ServiceItem": {"GET": EVERY_ROLE, "PATCH": Roles(("admin",)), "DELETE": Roles(("admin",))},
    "directory_api.service_capacity": Roles(("provider", "admin"), foreign=403),
    "directory_api.Organisations": {"GET": EVERY_ROLE, "POST": Roles(("admin",))},
    "directory_api.OrganisationItem": Roles(("admin",)),
    "directory_api.Contacts": {"GET": COORDINATION, "POST": Roles(("admin",))},
    "directory_api.ContactItem": Roles(("admin",)),
    "hsds_api.hsds_services": EVERY_ROLE,
    "hsds_api.hsds_service_item": EVERY_ROLE,
    # referrals (web and API)
    "referrals.new_referral": Roles(("caseworker",)),
    "referrals.preview": Roles(("caseworker", "coordinator")),
    "referrals.my_referrals": Roles(("caseworker", "provider", "coordinator")),
    "referrals.inbox": Roles(("provider",)),
    "referrals.detail": REFERRAL_READERS,
    "referrals.break_glass": Roles(("coordinator",)),
    "referrals.move": REFERRAL_READERS,
    "referrals_api.Referrals": {"GET": Roles(("caseworker", "provider", "coordinator")),
                                "POST": Roles(("caseworker",))},
    "referrals_api.get_referral": REFERRAL_READERS,
    "referrals_api.move_target": REFERRAL_READERS,
    "referrals_api.fhir_tasks": Roles(("caseworker", "provider", "coordinator")),
    # channels: Telegram linking of one's own organisation's contacts, the simulator
    "channels.telegram_link": Roles(("provider", "admin")),
    "channels.telegram_link_code": Roles(("provider", "admin"), foreign=404),
    "channels.simulator": EVERY_ROLE,  # embedded demo mode: every trainee may play the providers' part
    "channels.simulator_reply": EVERY_ROLE,
    # coordination
    "coordination.index": Roles(("coordinator", "admin"), allowed_get=302),  # to the board
    **{f"coordination.{name}": COORDINATION for name in (
        "board", "board_json", "scorecards", "meeting_list", "meeting_create", "meeting",
        "meeting_refresh", "meeting_add", "item_record", "item_action", "action_done", "minutes_page",
        "minutes_docx", "minutes_pdf", "minutes_send", "reports", "reports_csv", "reports_xlsx")},
    "coordination_api.BoardData": COORDINATION,
    "coordination_api.Scorecards": COORDINATION,
}


def access_for(endpoint: str, method: str) -> Public | Roles | None:
    rule = ACCESS.get(endpoint)
    rule = rule.get(method) if isinstance(rule, dict) else rule
    if isinstance(rule, Public) and method not in rule.status:
        return None  # a method added to a public route is classified anew
    return rule


def _routes() -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) for every route, read once at collection from a throwaway app."""
    with tempfile.TemporaryDirectory() as folder:
        app = make_test_app(f"sqlite:///{folder}/routes.db", Path(folder))
        routes = sorted({(rule.endpoint, method, rule.rule) for rule in app.url_map.iter_rules()
                         for method in rule.methods - {"HEAD", "OPTIONS"}}, key=lambda r: (r[2], r[1]))
        dispose(app)
    return routes


ROUTES = _routes()
CASES = [(endpoint, method, rule, caller) for endpoint, method, rule in ROUTES for caller in CALLERS]


# ---------------------------------------------------------------- the world

@dataclass
class SweepWorld:
    app: object
    tokens: dict[str, str] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)

    def client(self, caller: str, api: bool):
        """A fresh client per request, so that a logout or a flashed message cannot leak into the next."""
        client = self.app.test_client()
        if caller != "anonymous" and not api:
            client.set_cookie("session", self.sessions[caller])
        return client

    def headers(self, caller: str, api: bool) -> dict:
        return {"Authorization": f"Bearer {self.tokens[caller]}"} if api and caller != "anonymous" else {}


def build_world(app) -> SweepWorld:
    world = make_world(app)
    client = app.test_client()
    sent = send(client, world).get_json()
    target = sent["targets"][0]
    add_provider(app, world, "provider", target["organisation"]["id"])
    addressed = {t["organisation"]["id"] for t in sent["targets"]} | {world.orgs["caseworker"]}
    with app.app_context():
        foreign_org = db.session.scalars(select(Organisation.id).where(Organisation.id.not_in(addressed))
                                         .order_by(Organisation.id)).first()
        for role in ("provider", "coordinator", "admin"):
            user = create_user(f"foreign_{role}@test.sira", f"foreign_{role}", role, foreign_org, None)
            db.session.flush()
            token, plain = ApiToken.issue(user, "test")
            db.session.add(token)
            world.tokens[f"foreign_{role}"] = plain
        # One light hash for everyone (see LIGHT_HASHER).
        db.session.execute(update(User).values(password_hash=LIGHT_HASHER.hash(PASSWORD)))
        db.session.commit()
    admin = world.headers("admin")
    # Rows the admin's DELETE routes may remove without taking anything the other routes read.
    spare_service = client.post("/api/v1/directory/services", headers=admin, json={
        "organisation_id": target["organisation"]["id"], "type_code": "hebergement",
        "name": "Service à supprimer"}).get_json()["id"]
    spare_contact = client.post("/api/v1/directory/contacts", headers=admin, json={
        "organisation_id": target["organisation"]["id"], "role": "head", "name": "Contact à supprimer"}
    ).get_json()["id"]
    with app.app_context():
        from hub.coordination import meetings

        coordinator = db.session.get(User, world.users["coordinator"])
        now = utcnow()
        meeting = meetings.create_meeting(coordinator, now, "DRPFEF", [target["organisation"]["id"]], [], now)
        item = meetings.add_referral(coordinator, meeting, sent["code"], now)
        action = meetings.add_action(coordinator, item, "Rappeler le prestataire", target["organisation"]["id"],
                                     date.today() + timedelta(days=7), now)
        # The addressed provider's own service and contact: its focal point may act on them, a foreign one not.
        provider_org = target["organisation"]["id"]
        contact_id = db.session.scalars(select(Contact.id).where(Contact.organisation_id == provider_org,
                                                                 Contact.id != spare_contact)
                                        .order_by(Contact.id)).first()
        service = db.session.scalars(select(Service).where(Service.organisation_id == provider_org,
                                                           Service.id != spare_service)
                                     .order_by(Service.id)).first()
        # "acknowledge": a move that never re-routes, so no other organisation learns of the referral.
        values = {"code": sent["code"], "target_id": target["id"], "action": "acknowledge",
                  "service_id": service.id, "uid": service.uid, "contact_id": contact_id,
                  "organisation_id": provider_org, "meeting_id": meeting.id, "item_id": item.id,
                  "action_id": action.id, "token": "lien-forge", "locale": "fr"}
    sweep = SweepWorld(app, tokens={**world.tokens}, values=values)
    sweep.values["spare"] = {"service_id": spare_service, "contact_id": spare_contact}
    for caller in CALLERS[1:]:
        login = app.test_client()
        response = login.post("/connexion", data={"email": f"{caller}@test.sira", "password": PASSWORD})
        assert response.status_code == 302, f"{caller} cannot log in"
        sweep.sessions[caller] = login.get_cookie("session").value
    return sweep


# The smallest body that reaches the route's own authorisation check (an empty one would stop at validation).
MINIMAL_BODIES = {"directory_api.service_capacity": {"full": False}}
STATIC_FILES = {"static": "sira.css", "referrals.static": "preview.js", "coordination.static": "board.js"}


def concrete_path(rule, endpoint: str, method: str, world: SweepWorld) -> str:
    values = dict(world.values)
    if method == "DELETE":
        values.update(world.values["spare"])
    if endpoint in STATIC_FILES:
        values["filename"] = STATIC_FILES[endpoint]
    with world.app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{name: values[name] for name in rule.arguments})


def fingerprint(app) -> str:
    """Every row of every table (the audit log included), except what any authenticated call touches."""
    digest = hashlib.sha256()
    with app.app_context():
        with db.engine.connect() as connection:
            for table in db.metadata.sorted_tables:
                columns = [c for c in table.columns if (table.name, c.name) != ("api_token", "last_used_at")]
                for row in connection.execute(select(*columns).order_by(*table.primary_key.columns)):
                    digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def sweep_app(sqlite_url, tmp_path_factory):
    app = make_test_app(sqlite_url, tmp_path_factory.mktemp("sweep"))
    reset_database(app)
    yield app
    dispose(app)


# argon2 is slow on purpose, and each hash carries its own parameters: light ones keep the sweep's ~20
# logins (8 sign-ins, 9 refused POST /connexion) from taking most of its time. Logins stay real.
LIGHT_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="module")
def sweep(sweep_app):
    from hub.auth import service

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(service, "_DUMMY_HASH", LIGHT_HASHER.hash("timing-equaliser"))
        yield build_world(sweep_app)


# ---------------------------------------------------------------- the tests

def test_every_route_is_classified():
    unclassified = sorted({f"{method} {rule} ({endpoint})" for endpoint, method, rule in ROUTES
                           if access_for(endpoint, method) is None})
    assert not unclassified, ("Routes with no access rule in tests/abuse/test_access_sweep.py ACCESS: "
                              "say who may call them.\n  " + "\n  ".join(unclassified))


def expected_status(rule: Public | Roles, method: str, caller: str, api: bool) -> int | None:
    """The exact status the caller must get, or None for "allowed: anything but a 5xx" (non-GET)."""
    if isinstance(rule, Public):
        return rule.status[method]
    if caller == "anonymous":
        return 401 if api else 302
    role = caller.removeprefix("foreign_")
    if role not in rule.roles:
        return 403
    if caller.startswith("foreign_") and role in ORG_SCOPED and rule.foreign is not None:
        return rule.foreign
    return rule.allowed_get if method == "GET" else None


@pytest.mark.parametrize("endpoint, method, rule_text, caller", CASES,
                         ids=[f"{m} {r} x {c}" for _, m, r, c in CASES])
def test_access(sweep, endpoint, method, rule_text, caller):
    rule = access_for(endpoint, method)
    assert rule is not None, f"{method} {rule_text} ({endpoint}) has no access rule: add it to ACCESS"
    url_rule = next(r for r in sweep.app.url_map.iter_rules() if r.endpoint == endpoint and r.rule == rule_text)
    path = concrete_path(url_rule, endpoint, method, sweep)
    api = path.startswith("/api/")
    expected = expected_status(rule, method, caller, api)
    refused = expected is not None and expected >= 400 or (expected == 302 and isinstance(rule, Roles))
    watch = refused and method in STATE_CHANGING
    before = fingerprint(sweep.app) if watch else None

    client = sweep.client(caller, api)
    minimal = MINIMAL_BODIES.get(endpoint, {})
    body = ({"json": minimal} if api else {"data": minimal}) if method in STATE_CHANGING else {}
    response = client.open(path, method=method, headers=sweep.headers(caller, api), **body)

    assert response.status_code < 500, f"{method} {path} as {caller}: {response.status_code}"
    if expected is not None:
        assert response.status_code == expected, f"{method} {path} as {caller}"
    elif isinstance(rule, Roles):
        # Allowed, with an empty body: refused for what it asks maybe, never as a stranger.
        assert response.status_code not in (401, rule.foreign), f"{method} {path} as {caller}"
    if isinstance(rule, Roles) and caller == "anonymous" and not api:
        assert response.headers["Location"].startswith("/connexion"), f"{method} {path}: not the login page"
    text = response.get_data().decode("utf-8", "replace")  # PDF, DOCX and XLSX downloads are binary
    if caller != "caseworker":
        # Nobody else sees the child here: providers only once they accept, coordinators only with a reason.
        assert not any(secret in text for secret in CHILD_SECRETS), f"{method} {path} shows the child to {caller}"
    if caller in ("foreign_caseworker", "foreign_provider"):
        assert sweep.values["code"] not in text, f"{method} {path} tells {caller} the referral exists"
    if watch:
        assert fingerprint(sweep.app) == before, f"{method} {path} refused {caller} but changed a row"
