"""The plain records every import format is parsed into and every export is written from."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """Why a file is refused: where (file and row, or JSON path), which column, and the reason."""

    where: str
    column: str
    reason: str

    def __str__(self) -> str:
        column = f", colonne « {self.column} »" if self.column else ""
        return f"{self.where}{column} : {self.reason}"


class ImportRejected(Exception):
    """The whole file is refused; nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class ChannelRecord:
    kind: str
    address: str
    healthy: bool | None = None   # None: keep what the directory knows (or healthy for a new channel)
    last_error: str | None = None
    where: str = ""
    column: str = ""  # the column to name in a problem, when the format has its own (the sheet's "canaux")


@dataclass
class ContactRecord:
    uid: str
    organisation_uid: str | None
    service_uid: str | None
    role: str
    name: str
    language: str = "fr"
    demo: bool = False
    channels: list[ChannelRecord] = field(default_factory=list)
    where: str = ""


@dataclass
class LocationRecord:
    uid: str
    quartier: str | None
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    where: str = ""


@dataclass
class ServiceRecord:
    uid: str
    organisation_uid: str | None
    type_code: str
    name: str
    description: str = ""
    min_age: int | None = None
    max_age: int | None = None
    sexes: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    unaccompanied_separated_only: bool = False
    languages: list[str] = field(default_factory=list)
    opening_hours: dict = field(default_factory=dict)
    status: str = "active"
    full_until: str | None = None  # ISO 8601 instant
    free_places: int | None = None
    district_wide: bool = False
    coverage: list[str] = field(default_factory=list)  # commune or quartier names
    locations: list[LocationRecord] = field(default_factory=list)
    # The one-sheet CSV lists one location per service: its import must not delete the others.
    locations_complete: bool = True
    where: str = ""


@dataclass
class OrganisationRecord:
    uid: str
    name: str
    acronym: str | None
    kind: str
    description: str = ""
    parent_ref: str | None = None  # uid, name or acronym of the parent organisation
    where: str = ""


@dataclass
class DirectoryData:
    organisations: list[OrganisationRecord] = field(default_factory=list)
    services: list[ServiceRecord] = field(default_factory=list)
    contacts: list[ContactRecord] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # The validator names HSDS columns; a format with its own headers (the sheet) maps them here.
    column_names: dict[str, str] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.organisations) + len(self.services) + len(self.contacts)
