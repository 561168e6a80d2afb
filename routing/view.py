"""The plain inputs of routing: what is known about the child, and what the directory offers right now.

Whoever calls `routing.evaluate` builds these from the referral form and the directory tables; routing
itself never touches a database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from directory.places import quartier_to_commune
from routing.pos import fold
from routing.screening import TypeIndex

SERVICE_STATUSES = ("active", "full", "suspended", "inactive")
# Who is tried first inside an organisation; roles not listed come after, in the directory's order.
CONTACT_ROLE_ORDER = ("focal_point", "backup", "head")


@dataclass(frozen=True)
class ReferralFacts:
    risk: str
    needs: tuple[str, ...] = ()
    age: int | None = None
    age_min: int | None = None        # an age range when the exact age is unknown
    age_max: int | None = None
    sex: str | None = None            # female / male
    unaccompanied: bool = False
    separated: bool = False
    status: str | None = None         # national, migrant, refugee, asylum_seeker, returnee, stateless
    nationality: str | None = None    # ISO 3166 alpha-2, e.g. ML, GN, CI
    trafficking_suspected: bool = False
    quartier: str | None = None
    commune: str | None = None        # derived from the quartier when missing
    languages: tuple[str, ...] = ()   # ISO 639 codes the child speaks
    declined_by: tuple[Any, ...] = () # organisation ids that already declined this referral

    @property
    def age_bounds(self) -> tuple[int | None, int | None]:
        """(youngest, oldest) the child may be; None where unknown."""
        if self.age is not None:
            return self.age, self.age
        return self.age_min, self.age_max

    @classmethod
    def from_dict(cls, data: dict) -> ReferralFacts:
        return cls(**_plain_kwargs(cls, data, tuples=("needs", "languages", "declined_by")))


@dataclass(frozen=True)
class Contact:
    contact_id: Any
    role: str
    channels: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"contact_id": self.contact_id, "role": self.role, "channels": list(self.channels)}


@dataclass(frozen=True)
class ProviderService:
    service_id: Any
    organisation_id: Any
    organisation_name: str
    organisation_acronym: str
    service_type: str
    status: str = "active"            # active / full / suspended / inactive
    min_age: int | None = None
    max_age: int | None = None
    sexes: tuple[str, ...] = ()       # empty = every child
    statuses: tuple[str, ...] = ()    # empty = every status
    unaccompanied_only: bool = False
    languages: tuple[str, ...] = ()   # empty = not recorded, never a reason to leave out
    full_until: datetime | None = None
    free_places: int | None = None    # None = not counted
    district_wide: bool = False
    communes: tuple[str, ...] = ()
    quartiers: tuple[str, ...] = ()
    open_referrals: int = 0
    contacts: tuple[Contact, ...] = ()
    service_name: str = ""

    @classmethod
    def from_dict(cls, data: dict) -> ProviderService:
        kwargs = _plain_kwargs(cls, data, tuples=("sexes", "statuses", "languages", "communes", "quartiers"))
        kwargs["contacts"] = tuple(
            c if isinstance(c, Contact) else Contact(c["contact_id"], c.get("role", "focal_point"),
                                                     tuple(c.get("channels", ())))
            for c in data.get("contacts", ())
        )
        if isinstance(kwargs.get("full_until"), str):
            kwargs["full_until"] = datetime.fromisoformat(kwargs["full_until"])
        return cls(**kwargs)

    def ordered_contacts(self) -> tuple[Contact, ...]:
        rank = {role: index for index, role in enumerate(CONTACT_ROLE_ORDER)}
        return tuple(sorted(self.contacts, key=lambda c: rank.get(c.role, len(rank))))


@dataclass
class DirectoryView:
    """The services that may receive referrals, and the quartier -> commune map of the district."""

    services: list[ProviderService]
    quartier_communes: dict[str, str] = field(default_factory=quartier_to_commune)
    _by_type: dict[str, list[ProviderService]] = field(default_factory=dict, init=False, repr=False)
    _indexes: dict[str, TypeIndex] = field(default_factory=dict, init=False, repr=False)
    _commune_by_key: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        # Grouped once per view: evaluation then walks only the services of a need (10,000 -> hundreds).
        for service in self.services:
            self._by_type.setdefault(service.service_type, []).append(service)
        self._commune_by_key = {fold(q): c for q, c in self.quartier_communes.items()}

    def index_of(self, service_type: str) -> TypeIndex:
        """The services of a type with their screening masks, built on first use and kept for every later
        evaluation over this view; in tie-break order (acronym, service id), so that a decision never
        depends on the order the directory listed them in."""
        index = self._indexes.get(service_type)
        if index is None:
            index = self._indexes[service_type] = TypeIndex(self._by_type.get(service_type, ()))
        return index

    def of_type(self, service_type: str) -> list[ProviderService]:
        return list(self._by_type.get(service_type, ()))

    def commune_of(self, quartier: str | None) -> str | None:
        return self._commune_by_key.get(fold(quartier)) if quartier else None

    @classmethod
    def from_dicts(cls, services: Iterable[dict], quartier_communes: dict[str, str] | None = None) -> DirectoryView:
        return cls([ProviderService.from_dict(s) for s in services],
                   quartier_communes if quartier_communes is not None else quartier_to_commune())


def _plain_kwargs(cls, data: dict, tuples: tuple[str, ...]) -> dict:
    known = {f.name for f in fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"champs inconnus pour {cls.__name__} : {', '.join(sorted(unknown))}")
    kwargs = dict(data)
    for name in tuples:
        if name in kwargs and kwargs[name] is not None:
            value = kwargs[name]
            kwargs[name] = tuple(value) if isinstance(value, list | tuple) else (value,)
    return kwargs
