"""A small world for referral tests: the demo directory, one user per role, API tokens, a foreign org."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from directory.demo import load_demo_directory
from directory.models import Organisation
from hub.auth.models import ApiToken
from hub.auth.service import create_user
from hub.extensions import db

PASSWORD = "demo-mot-de-passe-2026"


@dataclass
class World:
    tokens: dict[str, str] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    orgs: dict[str, int] = field(default_factory=dict)

    def headers(self, who: str, **extra) -> dict:
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}


# who -> (role, organisation acronym). "provider" is ENDA: the shelter for an unaccompanied migrant child.
PEOPLE = {
    "caseworker": ("caseworker", "Samusocial Mali"),
    "foreign_caseworker": ("caseworker", "Tdh"),
    "coordinator": ("coordinator", "DRPFEF Bamako"),
    "admin": ("admin", "DRPFEF Bamako"),
}


def child_payload(**overrides) -> dict:
    payload = {
        "child": {"given_name": "Aminata", "family_name": "Traoré-Secret", "age_years": 14, "sex": "female",
                  "unaccompanied": True, "status": "migrant", "nationality": "GN", "quartier": "Niamakoro",
                  "languages": ["fr", "bm"], "narrative": "Récit confidentiel de Aminata",
                  "phone": "+22370999999"},
        "risk_level": "eleve",
        "needs": ["hebergement"],
        "consent": {"kind": "assent", "given_by": "child", "method": "oral"},
    }
    payload.update(overrides)
    return payload


def make_world(app, password: str | None = None) -> World:
    """Users get a password only when a test logs in through the web (argon2 is slow on purpose)."""
    world = World()
    with app.app_context():
        load_demo_directory()
        orgs = {o.acronym: o for o in db.session.scalars(select(Organisation))}
        for who, (role, acronym) in PEOPLE.items():
            user = create_user(f"{who}@test.sira", who, role, orgs[acronym].id, password)
            db.session.flush()
            world.users[who] = user.id
            world.orgs[who] = user.organisation_id
            token, plain = ApiToken.issue(user, "test")
            db.session.add(token)
            world.tokens[who] = plain
        db.session.commit()
    return world


def add_provider(app, world: World, who: str, organisation_id: int, password: str | None = None) -> None:
    with app.app_context():
        from hub.auth.models import User

        user = create_user(f"{who}@test.sira", who, "provider", organisation_id, password)
        db.session.flush()
        token, plain = ApiToken.issue(db.session.get(User, user.id), "test")
        db.session.add(token)
        db.session.commit()
        world.users[who], world.orgs[who], world.tokens[who] = user.id, organisation_id, plain


@pytest.fixture
def world(app):
    return make_world(app)


def send(client, world, who="caseworker", payload=None, **headers):
    return client.post("/api/v1/referrals", json=payload or child_payload(), headers=world.headers(who, **headers))


@pytest.fixture
def sent(app, client, world):
    """A referral sent by the caseworker, and a provider user for each of its targets' organisations."""
    response = send(client, world)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    for index, target in enumerate(body["targets"]):
        name = "provider" if index == 0 else f"provider{index}"
        add_provider(app, world, name, target["organisation"]["id"])
    return body
