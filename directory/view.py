"""The directory as routing sees it: plain `routing.view` values built from the tables in a few queries."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from directory.models import Contact, Coverage, Organisation, Place, Service
from routing.view import Contact as RoutingContact
from routing.view import DirectoryView, ProviderService

OpenReferralCounter = Callable[[Session], dict]


def no_open_referrals(_session: Session) -> dict:
    """The default counter until referrals exist: nobody has open referrals."""
    return {}


def quartier_communes(session: Session) -> dict[str, str]:
    communes = {p.id: p.name for p in session.scalars(select(Place).where(Place.kind == "commune"))}
    return {q.name: communes[q.commune_id]
            for q in session.scalars(select(Place).where(Place.kind == "quartier"))
            if q.commune_id in communes}


def _routing_contact(contact: Contact) -> RoutingContact:
    return RoutingContact(contact.id, contact.role, tuple(channel.kind for channel in contact.channels))


def provider_service(service: Service, organisation_contacts: list[Contact], open_referrals: int = 0
                     ) -> ProviderService:
    communes = tuple(c.place.name for c in service.coverage if c.place.kind == "commune")
    quartiers = tuple(c.place.name for c in service.coverage if c.place.kind == "quartier")
    organisation = service.organisation
    return ProviderService(
        service_id=service.id,
        organisation_id=organisation.id,
        organisation_name=organisation.name,
        organisation_acronym=organisation.acronym or "",
        service_type=service.type_code,
        status=service.status,
        min_age=service.min_age,
        max_age=service.max_age,
        sexes=tuple(service.sexes or ()),
        statuses=tuple(service.statuses or ()),
        unaccompanied_only=service.unaccompanied_separated_only,
        languages=tuple(service.languages or ()),
        full_until=service.full_until,
        free_places=service.free_places,
        district_wide=service.district_wide,
        communes=communes,
        quartiers=quartiers,
        open_referrals=open_referrals,
        # The service's own contacts first, then the organisation's (head, backup...).
        contacts=tuple(_routing_contact(c) for c in [*service.contacts, *organisation_contacts]),
        service_name=service.name,
    )


def build_directory_view(session: Session, *, include_inactive: bool = False,
                         open_referrals: OpenReferralCounter = no_open_referrals) -> DirectoryView:
    """Every service (inactive ones only when asked) as routing.view values.

    `open_referrals(session) -> {service_id: count}` lets the referral module report its load without the
    directory importing it.
    """
    query = select(Service).options(
        selectinload(Service.organisation),
        selectinload(Service.coverage).selectinload(Coverage.place),
        selectinload(Service.contacts).selectinload(Contact.channels),
    ).order_by(Service.id)
    if not include_inactive:
        query = query.where(Service.status != "inactive")
    services = session.scalars(query).all()
    by_organisation: dict[int, list[Contact]] = {}
    organisation_contacts = select(Contact).where(Contact.service_id.is_(None)).options(
        selectinload(Contact.channels)).order_by(Contact.id)
    for contact in session.scalars(organisation_contacts):
        by_organisation.setdefault(contact.organisation_id, []).append(contact)
    counts = open_referrals(session) or {}
    return DirectoryView(
        [provider_service(s, by_organisation.get(s.organisation_id, []), int(counts.get(s.id, 0)))
         for s in services],
        quartier_communes(session),
    )


__all__ = ["build_directory_view", "no_open_referrals", "provider_service", "quartier_communes", "Organisation"]
