"""Searching the directory: by service type, place (coverage-aware), language, open now, accepting referrals.

Type, place and status filters run in SQL; language and "open now" need the JSON columns and the
calendar, so they run in Python over the few columns they need, before the page is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, exists, false, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from directory.hours import calendar_for
from directory.models import Contact, Coverage, Organisation, Place, Service, ServiceAtLocation
from routing.calendar import WEEKDAYS


@dataclass(frozen=True)
class SearchFilters:
    type_code: str | None = None
    quartier: str | None = None
    commune: str | None = None
    language: str | None = None
    open_now: bool = False
    accepting: bool = False
    organisation_id: int | None = None
    text: str | None = None
    include_inactive: bool = False


@dataclass
class SearchResult:
    services: list[Service]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _covering(place_ids: list[int]):
    """Services that are district-wide or cover one of `place_ids`."""
    if not place_ids:
        return Service.district_wide.is_(True)
    return or_(Service.district_wide.is_(True),
               exists().where(Coverage.service_id == Service.id, Coverage.place_id.in_(place_ids)))


def _place_ids(session: Session, filters: SearchFilters) -> list[int] | None:
    if filters.quartier:
        quartier = session.scalar(select(Place).where(Place.kind == "quartier",
                                                      func.lower(Place.name) == filters.quartier.lower()))
        if quartier is None:
            return []
        # A quartier is covered by services of the quartier itself or of its commune.
        return [quartier.id] + ([quartier.commune_id] if quartier.commune_id else [])
    if filters.commune:
        commune = session.scalar(select(Place).where(Place.kind == "commune",
                                                     func.lower(Place.name) == filters.commune.lower()))
        if commune is None:
            return []
        # Searching a commune also finds services that cover only some of its quartiers.
        quartiers = session.scalars(select(Place.id).where(Place.commune_id == commune.id)).all()
        return [commune.id, *quartiers]
    return None


def accepting_clause(now: datetime):
    """Active, or marked full until a moment already past; and not counted as without a free place."""
    status_ok = or_(Service.status == "active",
                    (Service.status == "full") & Service.full_until.is_not(None) & (Service.full_until <= now))
    return status_ok & or_(Service.free_places.is_(None), Service.free_places > 0)


def search_services(session: Session, filters: SearchFilters, now: datetime, page: int = 1,
                    page_size: int = 20, *, with_contacts: bool = False) -> SearchResult:
    """One page of matching services, ordered by name; `with_contacts` also loads contacts and channels."""
    query = select(Service.id)
    if filters.type_code:
        query = query.where(Service.type_code == filters.type_code)
    if filters.organisation_id:
        query = query.where(Service.organisation_id == filters.organisation_id)
    if not filters.include_inactive:
        query = query.where(Service.status != "inactive")
    if filters.accepting:
        query = query.where(accepting_clause(now))
    if filters.text:
        pattern = f"%{filters.text.lower()}%"
        query = query.join(Service.organisation).where(or_(
            func.lower(Service.name).like(pattern), func.lower(Organisation.name).like(pattern),
            func.lower(func.coalesce(Organisation.acronym, "")).like(pattern)))
    place_ids = _place_ids(session, filters)
    if place_ids is not None:
        query = query.where(_covering(place_ids) if place_ids else false())
    query = query.order_by(Service.name, Service.id)

    if filters.language:
        # A cheap textual pre-filter on the JSON list ('["fr", "bm"]'); the exact check follows in Python.
        query = query.where(cast(Service.languages, String).like(f'%"{filters.language}"%'))
    if filters.language or filters.open_now:
        rows = session.execute(query.add_columns(Service.languages, Service.opening_hours)).all()
        clock = _bamako_clock(now) if filters.open_now else None
        matching = [row[0] for row in rows if _python_filters(filters, row[1], row[2], clock)]
        total = len(matching)
        page_ids = matching[(page - 1) * page_size: page * page_size]
    else:
        # The total rides along with the page (a window count): one query instead of two.
        rows = session.execute(query.add_columns(func.count().over()).limit(page_size)
                               .offset((page - 1) * page_size)).all()
        page_ids = [row[0] for row in rows]
        total = rows[0][1] if rows else session.scalar(
            select(func.count()).select_from(query.order_by(None).subquery()))
    return SearchResult(load_services(session, page_ids, with_contacts=with_contacts), total or 0, page, page_size)


def load_services(session: Session, ids: list[int], *, with_contacts: bool = False) -> list[Service]:
    """The services of `ids`, in that order, with what a result list shows loaded in three queries."""
    if not ids:
        return []
    options = [joinedload(Service.organisation), joinedload(Service.service_type),
               selectinload(Service.locations).joinedload(ServiceAtLocation.quartier),
               selectinload(Service.coverage).joinedload(Coverage.place)]
    if with_contacts:
        options.append(selectinload(Service.contacts).selectinload(Contact.channels))
    services = session.scalars(select(Service).where(Service.id.in_(ids)).options(*options)).unique().all()
    order = {service_id: index for index, service_id in enumerate(ids)}
    return sorted(services, key=lambda s: order[s.id])


def _bamako_clock(now: datetime) -> tuple[str, str] | None:
    """(weekday name, "HH:MM") in Bamako, or None on a public holiday (nothing is open then)."""
    calendar = calendar_for({})
    local = now.astimezone(calendar.zone)
    if calendar.holiday_name(local.date()) is not None:
        return None
    return WEEKDAYS[local.weekday()], local.strftime("%H:%M")


def _python_filters(filters: SearchFilters, languages, hours, clock: tuple[str, str] | None) -> bool:
    if filters.language and filters.language not in (languages or []):
        return False
    if filters.open_now:
        if clock is None or not hours:
            return False
        weekday, hhmm = clock
        return any(opening <= hhmm < closing for opening, closing in hours.get(weekday, []))
    return True


__all__ = ["SearchFilters", "SearchResult", "search_services", "accepting_clause"]
