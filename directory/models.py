"""Directory models: organisations, services, where they are delivered, whom they cover, whom to contact.

The organisation is defined first because users belong to one. Every row that leaves Sira in an HSDS
export carries a stable `uid` (a UUID, as HSDS requires), so that export -> import -> export is identical
and an import updates the rows it already knows instead of duplicating them.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.extensions import db
from hub.timeutil import utcnow
from hub.types import UTCDateTime

SERVICE_STATUSES = ("active", "full", "suspended", "inactive")
PLACE_KINDS = ("commune", "quartier")
CHANNEL_KINDS = ("sms", "telegram", "email")
CONTACT_LANGUAGES = ("fr", "en")


def new_uid() -> str:
    return str(uuid.uuid4())


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    acronym: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))  # directory.taxonomy.ORGANISATION_KINDS
    description: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id])
    services: Mapped[list[Service]] = relationship(back_populates="organisation", order_by="Service.id")
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="organisation", order_by="Contact.id",
        primaryjoin="and_(Contact.organisation_id == Organisation.id, Contact.service_id.is_(None))",
        viewonly=True,
    )

    @property
    def display_name(self) -> str:
        return f"{self.acronym} — {self.name}" if self.acronym else self.name


class ServiceType(db.Model):
    """Editable vocabulary, seeded from directory.taxonomy.SERVICE_TYPES."""

    __tablename__ = "service_type"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    label_fr: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def label(self, locale: str = "fr") -> str:
        return self.label_fr if locale == "fr" else self.label_en


class Place(db.Model):
    """A commune or a quartier of Bamako district. The quartier is the base unit; a quartier points to its
    commune and may carry the arrondissement of the 2023 re-cut."""

    __tablename__ = "place"
    __table_args__ = (UniqueConstraint("kind", "name", name="uq_place_kind_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # PLACE_KINDS
    name: Mapped[str] = mapped_column(String(120))
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"), index=True)
    arrondissement: Mapped[str | None] = mapped_column(String(120))

    commune: Mapped[Place | None] = relationship(remote_side=[id])


class Service(db.Model):
    __tablename__ = "service"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'full', 'suspended', 'inactive')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    type_code: Mapped[str] = mapped_column(ForeignKey("service_type.code"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    # Eligibility. Empty lists mean "no restriction".
    min_age: Mapped[int | None] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    sexes: Mapped[list] = mapped_column(JSON, default=list)
    statuses: Mapped[list] = mapped_column(JSON, default=list)
    unaccompanied_separated_only: Mapped[bool] = mapped_column(Boolean, default=False)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    # {"monday": [["08:00", "16:00"]], ...}: the format of routing.calendar.WorkingCalendar.to_dict()["hours"].
    opening_hours: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    full_until: Mapped[datetime | None] = mapped_column(UTCDateTime())  # full until this instant
    free_places: Mapped[int | None] = mapped_column(Integer)
    district_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="services")
    service_type: Mapped[ServiceType] = relationship()
    locations: Mapped[list[ServiceAtLocation]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="ServiceAtLocation.id")
    coverage: Mapped[list[Coverage]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="Coverage.id")
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="Contact.id")


class ServiceAtLocation(db.Model):
    __tablename__ = "service_at_location"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    quartier_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"), index=True)
    address: Mapped[str] = mapped_column(Text, default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    service: Mapped[Service] = relationship(back_populates="locations")
    quartier: Mapped[Place | None] = relationship()


class Coverage(db.Model):
    """One commune or quartier a service covers (a district-wide service has Service.district_wide)."""

    __tablename__ = "coverage"
    __table_args__ = (UniqueConstraint("service_id", "place_id", name="uq_coverage_service_place"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id"), index=True)

    service: Mapped[Service] = relationship(back_populates="coverage")
    place: Mapped[Place] = relationship()


class Contact(db.Model):
    """A person or desk to reach, for one service or (service_id empty) for the whole organisation."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(40))  # directory.taxonomy.CONTACT_ROLES
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5), default="fr")
    # A demo contact must never be sent a message through a real provider (DOMAIN.md).
    demo: Mapped[bool] = mapped_column(Boolean, default=False)

    organisation: Mapped[Organisation] = relationship()
    service: Mapped[Service | None] = relationship(back_populates="contacts")
    channels: Mapped[list[ContactChannel]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="ContactChannel.position")


class ContactChannel(db.Model):
    """One way to reach a contact; delivery tries them in `position` order and fails over."""

    __tablename__ = "contact_channel"
    __table_args__ = (UniqueConstraint("contact_id", "position", name="uq_contact_channel_contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # CHANNEL_KINDS
    address: Mapped[str] = mapped_column(String(320))  # E.164 phone, Telegram chat id, or e-mail
    healthy: Mapped[bool] = mapped_column(Boolean, default=True)
    last_error: Mapped[str | None] = mapped_column(Text)

    contact: Mapped[Contact] = relationship(back_populates="channels")


__all__ = ["Organisation", "ServiceType", "Place", "Service", "ServiceAtLocation", "Coverage", "Contact",
           "ContactChannel", "SERVICE_STATUSES", "PLACE_KINDS", "CHANNEL_KINDS", "CONTACT_LANGUAGES"]
