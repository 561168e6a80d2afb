"""Directory search over a generated directory of 10,000 services: p50 target under 20 ms.

Reported beside a bare query of the same table in the same run (the services of one type, no filters,
no coverage), so that the figure says what the search itself costs on this machine. SQLite by default;
PostgreSQL too when SIRA_BENCH_POSTGRES_URL's server answers (a database of its own, dropped afterwards).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import insert, select

from bench import Figure, fresh_schema, p50, scratch_postgres, time_calls

SERVICES = 10_000
REPEAT = 200
NOW = datetime(2026, 3, 25, 10, 0, tzinfo=UTC)  # a Wednesday morning: most offices open


def _fill(session) -> None:
    from directory.demo import NGO, OFFICE
    from directory.models import Coverage, Organisation, Place, Service, ServiceAtLocation, new_uid
    from directory.seed import seed_reference_data
    from directory.taxonomy import SERVICE_TYPES

    seed_reference_data(session)
    rng = random.Random(3)
    places = session.scalars(select(Place)).all()
    quartiers = [p for p in places if p.kind == "quartier"]
    organisations = [{"uid": new_uid(), "name": f"Organisation {i}", "acronym": f"ORG{i}",
                      "kind": rng.choice(["state", "un", "international_ngo", "national_ngo"]), "description": ""}
                     for i in range(500)]
    session.execute(insert(Organisation), organisations)
    org_ids = session.scalars(select(Organisation.id)).all()
    codes = [t.code for t in SERVICE_TYPES]
    rows = []
    for i in range(SERVICES):
        rows.append({"uid": new_uid(), "organisation_id": rng.choice(org_ids), "type_code": rng.choice(codes),
                     "name": f"Service {i:05d}", "description": "", "min_age": None, "max_age": 17, "sexes": [],
                     "statuses": [], "unaccompanied_separated_only": False,
                     "languages": rng.choice([["fr"], ["fr", "bm"], ["fr", "en"], ["fr", "bm", "ff"]]),
                     "opening_hours": rng.choice([OFFICE, NGO]),
                     "status": rng.choice(["active"] * 8 + ["full", "suspended"]),
                     "free_places": rng.choice([None, None, 0, 3]), "district_wide": rng.random() < 0.2})
    session.execute(insert(Service), rows)
    service_ids = session.scalars(select(Service.id)).all()
    session.execute(insert(Coverage), [{"service_id": s, "place_id": p.id} for s in service_ids
                                       for p in rng.sample(places, 2)])
    session.execute(insert(ServiceAtLocation), [{"uid": new_uid(), "service_id": s, "quartier_id": rng.choice(
        quartiers).id, "address": ""} for s in service_ids])
    session.commit()


def _measure(database_url: str, label: str) -> list[Figure]:
    from directory.models import Service
    from directory.search import SearchFilters, search_services

    with fresh_schema(database_url) as session:
        _fill(session)
        filters = SearchFilters(type_code="hebergement", quartier="Niamakoro", accepting=True)
        full = SearchFilters(type_code="hebergement", commune="Commune VI", language="bm", open_now=True,
                             accepting=True)

        def bare():
            session.scalars(select(Service).where(Service.type_code == "hebergement").limit(20)).all()

        figures = []
        for name, chosen in (("type + quartier + accepting", filters),
                             ("type + commune + language + open now + accepting", full)):
            search = time_calls(lambda chosen=chosen: search_services(session, chosen, NOW), REPEAT)
            baseline = time_calls(bare, REPEAT)
            figures.append(Figure(
                name=f"directory search p50, {SERVICES} services, {name} ({label})",
                value=p50(search), baseline=p50(baseline), unit="ms", target=20, kind="max",
                note="baseline: bare SELECT of 20 services of one type, same table, same run"))
    return figures


def run() -> list[Figure]:
    figures = _measure("", "SQLite")
    with scratch_postgres("bench_directory") as postgres:
        if postgres:
            figures += _measure(postgres, "PostgreSQL")
    return figures
