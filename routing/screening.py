"""Screening the services of one type with bit masks: a few integer operations instead of a loop per service.

A `DirectoryView` builds one `TypeIndex` per service type the first time routing asks for it and keeps it
for every later evaluation over the same view. Bit i of every mask stands for the i-th service of the type
in tie-break order (folded acronym, then service id as text). Screening a child ORs the masks of what
leaves services out and peels them off the candidates in the order `routing.evaluate` documents, so each
left-out service gets the first reason that applies, as a loop over the services would give it, and the
eligible ones keep their tie-break order.

The facts vary from one referral to the next but the directory's values do not: a type of 450 services has
a handful of distinct age limits, sex or status restrictions, language sets, zones and capacity dates, so
the masks are grouped by those values and a child's answer costs one test per distinct value (one look-up
for the child's commune and quartier).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from routing.pos import fold

if TYPE_CHECKING:
    from routing.view import ProviderService


class Screening(NamedTuple):
    """A child's screening over one type: the eligible services' mask and one mask per reason code."""

    eligible: int
    left_out: tuple[tuple[str, int], ...]   # (code, mask) for each code that leaves someone out

    def counts(self) -> dict[str, int]:
        return {code: mask.bit_count() for code, mask in self.left_out}


def bit_indices(mask: int) -> list[int]:
    """Positions of the set bits, lowest first."""
    bits = format(mask, "b")[::-1]
    found, position = [], bits.find("1")
    while position >= 0:
        found.append(position)
        position = bits.find("1", position + 1)
    return found


def _masks(groups: dict[Hashable, list[int]], size: int) -> dict[Hashable, int]:
    """{value: [positions]} -> {value: mask}, in linear time even for a type of 10,000 services."""
    masks = {}
    for value, positions in groups.items():
        bitmap = bytearray((size + 7) // 8)
        for position in positions:
            bitmap[position >> 3] |= 1 << (position & 7)
        masks[value] = int.from_bytes(bitmap, "little")
    return masks


def _any_of(masks: Iterable[int]) -> int:
    combined = 0
    for mask in masks:
        combined |= mask
    return combined


class TypeIndex:
    """The services of one type in tie-break order, with their masks grouped by every screened value."""

    def __init__(self, services: Iterable[ProviderService]):
        self.services: list[ProviderService] = sorted(
            services, key=lambda s: (fold(s.organisation_acronym), str(s.service_id)))
        size = len(self.services)
        self.everyone = (1 << size) - 1
        flag: dict = {}
        min_age: dict = {}
        max_age: dict = {}
        sexes: dict = {}
        statuses: dict = {}
        commune: dict = {}
        quartier: dict = {}
        languages: dict = {}
        full_until: dict = {}
        for position, service in enumerate(self.services):
            if service.status in ("inactive", "suspended"):
                flag.setdefault(service.status, []).append(position)
            if service.min_age is not None:
                min_age.setdefault(service.min_age, []).append(position)
            if service.max_age is not None:
                max_age.setdefault(service.max_age, []).append(position)
            if service.sexes:   # grouped by the tuple as given: membership is all that is asked of it
                sexes.setdefault(tuple(service.sexes), []).append(position)
            if service.statuses:
                statuses.setdefault(tuple(service.statuses), []).append(position)
            if service.unaccompanied_only:
                flag.setdefault("unaccompanied_only", []).append(position)
            if service.district_wide:
                flag.setdefault("district_wide", []).append(position)
            for name in service.communes:
                commune.setdefault(fold(name), []).append(position)
            for name in service.quartiers:
                quartier.setdefault(fold(name), []).append(position)
            if service.languages:
                languages.setdefault(tuple(service.languages), []).append(position)
            if service.status == "full" or service.free_places == 0:
                if service.full_until is None:
                    flag.setdefault("full", []).append(position)
                else:   # full until that date, available again after it
                    full_until.setdefault(service.full_until, []).append(position)
        flags = _masks(flag, size)
        self.inactive = flags.get("inactive", 0)
        self.suspended = flags.get("suspended", 0)
        self.unaccompanied_only = flags.get("unaccompanied_only", 0)
        self.district_wide = flags.get("district_wide", 0)
        self.full = flags.get("full", 0)
        self.by_min_age = _masks(min_age, size)
        self.by_max_age = _masks(max_age, size)
        self.by_sexes = _masks(sexes, size)
        self.by_statuses = _masks(statuses, size)
        self.by_commune = _masks(commune, size)
        self.by_quartier = _masks(quartier, size)
        self.by_languages = _masks(languages, size)
        self.by_full_until = _masks(full_until, size)

    def screen(self, *, youngest: int | None, oldest: int | None, sex: str | None, status: str | None,
               unaccompanied: bool, declined: frozenset, commune_key: str | None, quartier_key: str | None,
               languages: frozenset, check_capacity: bool, now: datetime,
               exclude_organisations: frozenset = frozenset(), exclude_services: frozenset = frozenset()
               ) -> Screening:
        """Who is eligible and why each other service is left out; the excluded are neither.

        Each check mirrors a line of `routing.evaluate._left_out_reason`; a comparison with a service's
        value (age limits, capacity dates) is only made when some service still in the running has it.
        """
        rest = self.everyone & ~self._mask_of(exclude_organisations, exclude_services)
        left_out = []

        def peel(code: str, leaving: int) -> None:
            nonlocal rest
            leaving &= rest
            if leaving:
                left_out.append((code, leaving))
                rest ^= leaving

        peel("inactive", self.inactive)
        peel("suspended", self.suspended)
        peel("declined_before", self._mask_of(declined))
        ineligible = 0 if unaccompanied else self.unaccompanied_only
        if oldest is not None:
            ineligible |= _any_of(m for age, m in self.by_min_age.items() if m & rest and oldest < age)
        if youngest is not None:
            ineligible |= _any_of(m for age, m in self.by_max_age.items() if m & rest and youngest > age)
        if sex:
            ineligible |= _any_of(m for sexes, m in self.by_sexes.items() if sex not in sexes)
        if status:
            ineligible |= _any_of(m for statuses, m in self.by_statuses.items() if status not in statuses)
        peel("eligibility", ineligible)
        if commune_key is not None or quartier_key is not None:   # an unknown place leaves nobody out
            covered = (self.district_wide | self.by_commune.get(commune_key, 0)
                       | self.by_quartier.get(quartier_key, 0))
            peel("coverage", ~covered)
        if languages:
            peel("language", _any_of(m for spoken, m in self.by_languages.items() if languages.isdisjoint(spoken)))
        if check_capacity:
            peel("full", self.full | _any_of(m for until, m in self.by_full_until.items() if m & rest and until > now))
        return Screening(rest, tuple(left_out))

    def _mask_of(self, organisations: frozenset, services: frozenset = frozenset()) -> int:
        """The services of those organisations or with those ids. Walked on demand, not indexed: the lists
        are short and usually empty (declined, or tried by a re-route), an index would cost every view."""
        mask = 0
        if organisations or services:
            for position, service in enumerate(self.services):
                if service.organisation_id in organisations or service.service_id in services:
                    mask |= 1 << position
        return mask
