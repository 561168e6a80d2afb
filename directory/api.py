"""The directory's JSON API: search and read for every signed-in role, changes for admins, capacity for
the provider's own focal points, and HSDS 3.0 read endpoints. Contact channels are shown to coordinators
and admins only (principle: a phone number is reachable data, not public data).
"""

from __future__ import annotations

from datetime import datetime

from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest import abort as api_abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from directory.editing import (
    FieldError,
    apply_contact_fields,
    apply_organisation_fields,
    apply_service_fields,
    may_set_capacity,
    set_capacity,
)
from directory.exchange import hsds_json
from directory.exchange.formats import type_labels
from directory.exchange.records import DirectoryData, OrganisationRecord
from directory.exchange.store import contact_record, service_record
from directory.hours import is_open
from directory.models import Contact, Organisation, Service
from directory.search import SearchFilters, search_services
from directory.taxonomy import CONTACT_ROLES, ORGANISATION_KINDS, SEXES, STATUSES
from hub.api import documents_errors
from hub.audit import Actor, record
from hub.auth.access import current_actor, require_api_roles
from hub.bounds import db_integer, page_number
from hub.extensions import db
from hub.timeutil import utcnow

bp = Blueprint("directory_api", __name__, url_prefix="/api/v1/directory",
               description="Annuaire des services de protection de l'enfant de Bamako.")
hsds_bp = Blueprint("hsds_api", __name__, url_prefix="/api/v1/hsds",
                    description="Lecture de l'annuaire au format Open Referral HSDS 3.0 (profil Mali).")

CHANNEL_VIEWERS = ("coordinator", "admin")


def sees_channels(actor) -> bool:
    return actor is not None and actor.role in CHANNEL_VIEWERS


# ---------------------------------------------------------------- schemas

class ChannelSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("sms", "telegram", "email")))
    address = fields.String(required=True)
    healthy = fields.Boolean(dump_only=True)


class ContactSchema(Schema):
    id = fields.Integer(dump_only=True)
    organisation_id = fields.Integer(validate=db_integer())
    service_id = fields.Integer(allow_none=True, validate=db_integer())
    role = fields.String(required=True, validate=validate.OneOf([t.code for t in CONTACT_ROLES]))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    language = fields.String(load_default="fr", validate=validate.OneOf(("fr", "en")))
    demo = fields.Boolean(load_default=False)
    channels = fields.List(fields.Nested(ChannelSchema), load_default=list)


class LocationSchema(Schema):
    quartier = fields.String(allow_none=True)
    commune = fields.String(dump_only=True, allow_none=True)
    address = fields.String(load_default="")
    latitude = fields.Float(allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(-180, 180))


class ServiceInSchema(Schema):
    organisation_id = fields.Integer(required=True, validate=db_integer())
    type_code = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(load_default="")
    min_age = fields.Integer(allow_none=True, validate=validate.Range(0, 120))
    max_age = fields.Integer(allow_none=True, validate=validate.Range(0, 120))
    sexes = fields.List(fields.String(validate=validate.OneOf(SEXES)))
    statuses = fields.List(fields.String(validate=validate.OneOf(STATUSES)))
    unaccompanied_separated_only = fields.Boolean()
    languages = fields.List(fields.String(validate=validate.Regexp(r"^[a-z]{2,3}$")))
    opening_hours = fields.Dict(keys=fields.String(), values=fields.List(fields.List(fields.String())))
    status = fields.String(validate=validate.OneOf(("active", "full", "suspended", "inactive")))
    full_until = fields.AwareDateTime(allow_none=True, default_timezone=None)
    free_places = fields.Integer(allow_none=True, validate=db_integer())
    district_wide = fields.Boolean()
    coverage = fields.List(fields.String())
    locations = fields.List(fields.Nested(LocationSchema))


class ServicePatchSchema(ServiceInSchema):
    """Every field optional (used with partial=True); a class of its own keeps OpenAPI names distinct."""


class OrganisationRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    acronym = fields.String(allow_none=True)
    kind = fields.String()


class ServiceOutSchema(Schema):
    id = fields.Integer()
    uid = fields.String()
    organisation = fields.Nested(OrganisationRefSchema)
    type_code = fields.String()
    type_label = fields.String()
    name = fields.String()
    description = fields.String()
    min_age = fields.Integer(allow_none=True)
    max_age = fields.Integer(allow_none=True)
    sexes = fields.List(fields.String())
    statuses = fields.List(fields.String())
    unaccompanied_separated_only = fields.Boolean()
    languages = fields.List(fields.String())
    opening_hours = fields.Dict()
    status = fields.String()
    full_until = fields.DateTime(allow_none=True)
    free_places = fields.Integer(allow_none=True)
    district_wide = fields.Boolean()
    coverage = fields.List(fields.String())
    locations = fields.List(fields.Nested(LocationSchema))
    open_now = fields.Boolean()
    accepting_referrals = fields.Boolean()
    contacts = fields.List(fields.Nested(ContactSchema), metadata={"description": "coordinateurs et admins"})


class ServicePageSchema(Schema):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    pages = fields.Integer()
    services = fields.List(fields.Nested(ServiceOutSchema))


class SearchArgsSchema(Schema):
    type = fields.String(metadata={"description": "code du type de service, ex. hebergement"})
    quartier = fields.String()
    commune = fields.String()
    language = fields.String(metadata={"description": "code ISO 639, ex. bm"})
    open_now = fields.Boolean(load_default=False)
    accepting = fields.Boolean(load_default=False, metadata={"description": "accepte des références"})
    q = fields.String(metadata={"description": "texte dans le nom du service ou de l'organisation"})
    organisation_id = fields.Integer(validate=db_integer())
    page = fields.Integer(load_default=1, validate=page_number())
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


class CapacitySchema(Schema):
    full = fields.Boolean(required=True)
    full_until = fields.AwareDateTime(allow_none=True, load_default=None)
    free_places = fields.Integer(allow_none=True, load_default=None, validate=db_integer())


class OrganisationSchema(Schema):
    id = fields.Integer(dump_only=True)
    uid = fields.String(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    acronym = fields.String(allow_none=True, validate=validate.Length(max=40))
    kind = fields.String(required=True, validate=validate.OneOf([t.code for t in ORGANISATION_KINDS]))
    description = fields.String(load_default="")
    parent_id = fields.Integer(allow_none=True, validate=db_integer())


class OrganisationPatchSchema(OrganisationSchema):
    """Every field optional (used with partial=True)."""


class HsdsPageArgs(Schema):
    page = fields.Integer(load_default=1, validate=page_number())
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


# ---------------------------------------------------------------- serialisation

def accepting_referrals(service: Service, now: datetime) -> bool:
    available = service.status == "active" or (
        service.status == "full" and service.full_until is not None and service.full_until <= now)
    return available and (service.free_places is None or service.free_places > 0)


def contact_dict(contact: Contact, with_channels: bool) -> dict:
    item = {"id": contact.id, "organisation_id": contact.organisation_id, "service_id": contact.service_id,
            "role": contact.role, "name": contact.name, "language": contact.language, "demo": contact.demo}
    if with_channels:
        item["channels"] = [{"kind": c.kind, "address": c.address, "healthy": c.healthy} for c in contact.channels]
    return item


def service_dict(service: Service, now: datetime, actor) -> dict:
    item = {
        "id": service.id, "uid": service.uid,
        "organisation": {"id": service.organisation.id, "name": service.organisation.name,
                         "acronym": service.organisation.acronym, "kind": service.organisation.kind},
        "type_code": service.type_code, "type_label": service.service_type.label_fr,
        "name": service.name, "description": service.description, "min_age": service.min_age,
        "max_age": service.max_age, "sexes": service.sexes or [], "statuses": service.statuses or [],
        "unaccompanied_separated_only": service.unaccompanied_separated_only,
        "languages": service.languages or [], "opening_hours": service.opening_hours or {},
        "status": service.status, "full_until": service.full_until, "free_places": service.free_places,
        "district_wide": service.district_wide, "coverage": [c.place.name for c in service.coverage],
        "locations": [{"quartier": loc.quartier.name if loc.quartier else None,
                       "commune": loc.quartier.commune.name if loc.quartier and loc.quartier.commune else None,
                       "address": loc.address, "latitude": loc.latitude, "longitude": loc.longitude}
                      for loc in service.locations],
        "open_now": is_open(service.opening_hours or {}, now),
        "accepting_referrals": accepting_referrals(service, now),
    }
    if sees_channels(actor):
        item["contacts"] = [contact_dict(c, True) for c in service.contacts]
    return item


def _load_service(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        api_abort(404, message="Service introuvable.")
    return service


def _commit_or_field_error(change) -> None:
    try:
        change()
        db.session.commit()
    except FieldError as error:
        db.session.rollback()
        api_abort(422, errors={"json": {error.field: [str(error)]}}, message=str(error))
    except IntegrityError:
        db.session.rollback()
        api_abort(409, message="Conflit : un nom déjà pris, ou une référence encore utilisée.")


# ---------------------------------------------------------------- services

@bp.route("/services")
class Services(MethodView):
    @require_api_roles()
    @bp.arguments(SearchArgsSchema, location="query")
    @bp.response(200, ServicePageSchema)
    def get(self, args):
        """Chercher des services (type, quartier ou commune selon la couverture, langue, ouvert maintenant)."""
        now = utcnow()
        filters = SearchFilters(type_code=args.get("type"), quartier=args.get("quartier"),
                                commune=args.get("commune"), language=args.get("language"),
                                open_now=args["open_now"], accepting=args["accepting"], text=args.get("q"),
                                organisation_id=args.get("organisation_id"))
        actor = current_actor()
        result = search_services(db.session, filters, now, args["page"], args["page_size"],
                                 with_contacts=sees_channels(actor))
        return {"total": result.total, "page": result.page, "page_size": result.page_size,
                "pages": result.pages, "services": [service_dict(s, now, actor) for s in result.services]}

    @require_api_roles("admin")
    @documents_errors(400, 409)
    @bp.arguments(ServiceInSchema)
    @bp.response(201, ServiceOutSchema)
    def post(self, values):
        """Créer un service (administrateurs)."""
        organisation = db.session.get(Organisation, values.pop("organisation_id"))
        if organisation is None:
            api_abort(422, errors={"json": {"organisation_id": ["organisation inconnue"]}},
                      message="Organisation inconnue.")
        service = Service(organisation_id=organisation.id, name=values["name"], type_code=values["type_code"])

        def change():
            apply_service_fields(db.session, service, values)  # checks before the row joins the session
            db.session.add(service)
            db.session.flush()
            record(Actor.user(current_actor()), "service.create", "service", service.id, {"name": service.name})

        _commit_or_field_error(change)
        return service_dict(service, utcnow(), current_actor())


@bp.route("/services/<int:service_id>")
class ServiceItem(MethodView):
    @require_api_roles()
    @documents_errors(404)
    @bp.response(200, ServiceOutSchema)
    def get(self, service_id):
        """Un service."""
        return service_dict(_load_service(service_id), utcnow(), current_actor())

    @require_api_roles("admin")
    @documents_errors(400, 404, 409)
    @bp.arguments(ServicePatchSchema(partial=True))
    @bp.response(200, ServiceOutSchema)
    def patch(self, values, service_id):
        """Modifier un service (administrateurs)."""
        service = _load_service(service_id)
        values.pop("organisation_id", None)

        def change():
            apply_service_fields(db.session, service, values)
            record(Actor.user(current_actor()), "service.update", "service", service.id,
                   {"fields": sorted(values)})

        _commit_or_field_error(change)
        return service_dict(service, utcnow(), current_actor())

    @require_api_roles("admin")
    @documents_errors(404, 409)
    @bp.response(204)
    def delete(self, service_id):
        """Supprimer un service (administrateurs) ; 409 s'il est encore référencé : passez-le « inactive »."""
        service = _load_service(service_id)

        def change():
            record(Actor.user(current_actor()), "service.delete", "service", service.id, {"name": service.name})
            db.session.delete(service)
            db.session.flush()

        _commit_or_field_error(change)


@bp.route("/services/<int:service_id>/capacity", methods=["POST"])
@require_api_roles("provider", "admin")
@documents_errors(400, 404, 409)
@bp.arguments(CapacitySchema)
@bp.response(200, ServiceOutSchema)
def service_capacity(values, service_id):
    """Déclarer le service complet (jusqu'à une date) ou de nouveau disponible : le point focal de
    l'organisation ou un administrateur."""
    service = _load_service(service_id)
    actor = current_actor()
    if not may_set_capacity(actor, service):
        api_abort(403, message="Seul un point focal de cette organisation peut changer sa disponibilité.")
    _commit_or_field_error(lambda: set_capacity(db.session, service, Actor.user(actor), full=values["full"],
                                                full_until=values["full_until"],
                                                free_places=values["free_places"], now=utcnow()))
    return service_dict(service, utcnow(), actor)


# ---------------------------------------------------------------- organisations and contacts

@bp.route("/organisations")
class Organisations(MethodView):
    @require_api_roles()
    @bp.response(200, OrganisationSchema(many=True))
    def get(self):
        """Toutes les organisations."""
        return db.session.scalars(select(Organisation).order_by(Organisation.name)).all()

    @require_api_roles("admin")
    @documents_errors(400, 409)
    @bp.arguments(OrganisationSchema)
    @bp.response(201, OrganisationSchema)
    def post(self, values):
        """Créer une organisation (administrateurs)."""
        organisation = Organisation(name=values["name"], kind=values["kind"])
        db.session.add(organisation)

        def change():
            apply_organisation_fields(organisation, values)
            db.session.flush()
            record(Actor.user(current_actor()), "organisation.create", "organisation", organisation.id,
                   {"name": organisation.name})

        _commit_or_field_error(change)
        return organisation


@bp.route("/organisations/<int:organisation_id>")
class OrganisationItem(MethodView):
    @require_api_roles("admin")
    @documents_errors(400, 404, 409)
    @bp.arguments(OrganisationPatchSchema(partial=True))
    @bp.response(200, OrganisationSchema)
    def patch(self, values, organisation_id):
        """Modifier une organisation (administrateurs)."""
        organisation = db.session.get(Organisation, organisation_id) or api_abort(404, message="Introuvable.")

        def change():
            apply_organisation_fields(organisation, values)
            record(Actor.user(current_actor()), "organisation.update", "organisation", organisation.id,
                   {"fields": sorted(values)})

        _commit_or_field_error(change)
        return organisation


@bp.route("/contacts")
class Contacts(MethodView):
    @require_api_roles(*CHANNEL_VIEWERS)
    @bp.response(200, ContactSchema(many=True))
    def get(self):
        """Tous les contacts et leurs canaux (coordinateurs et administrateurs)."""
        contacts = db.session.scalars(select(Contact).options(selectinload(Contact.channels))
                                      .order_by(Contact.organisation_id, Contact.id)).all()
        return [contact_dict(c, True) for c in contacts]

    @require_api_roles("admin")
    @documents_errors(400, 404, 409)
    @bp.arguments(ContactSchema)
    @bp.response(201, ContactSchema)
    def post(self, values):
        """Créer un contact (administrateurs) ; canaux dans l'ordre d'essai."""
        if values.get("service_id"):
            service = _load_service(values["service_id"])
            values["organisation_id"] = service.organisation_id
        elif db.session.get(Organisation, values.get("organisation_id") or 0) is None:
            api_abort(422, errors={"json": {"organisation_id": ["organisation inconnue"]}},
                      message="Organisation inconnue.")
        contact = Contact(name=values["name"], role=values["role"], organisation_id=values["organisation_id"])

        def change():
            apply_contact_fields(db.session, contact, values)
            db.session.add(contact)
            db.session.flush()
            record(Actor.user(current_actor()), "contact.create", "contact", contact.id, {"role": contact.role})

        _commit_or_field_error(change)
        return contact_dict(contact, True)


@bp.route("/contacts/<int:contact_id>")
class ContactItem(MethodView):
    @require_api_roles("admin")
    @documents_errors(404, 409)
    @bp.response(204)
    def delete(self, contact_id):
        """Supprimer un contact (administrateurs)."""
        contact = db.session.get(Contact, contact_id) or api_abort(404, message="Introuvable.")

        def change():
            record(Actor.user(current_actor()), "contact.delete", "contact", contact.id, {})
            db.session.delete(contact)

        _commit_or_field_error(change)


# ---------------------------------------------------------------- HSDS 3.0

def hsds_service(service: Service, actor) -> dict:
    data = DirectoryData(services=[service_record(service)],
                         contacts=[contact_record(c) for c in service.contacts] if sees_channels(actor) else [])
    organisation = service.organisation
    data.organisations = [OrganisationRecord(organisation.uid, organisation.name, organisation.acronym,
                                             organisation.kind, organisation.description or "")]
    org = hsds_json.to_hsds(data, type_labels(db.session))[0]
    item = org.pop("services")[0]
    org.pop("contacts")
    item["organization"] = org
    return item


@hsds_bp.route("/services")
@require_api_roles()
@hsds_bp.arguments(HsdsPageArgs, location="query")
@hsds_bp.response(200)
def hsds_services(args):
    """Services au format HSDS 3.0, paginés comme l'API HSDS (total_items, contents...)."""
    page, size = args["page"], args["per_page"]
    result = search_services(db.session, SearchFilters(include_inactive=True), utcnow(), page, size)
    actor = current_actor()
    return {"total_items": result.total, "total_pages": result.pages, "page_number": page, "size": size,
            "first_page": page == 1, "last_page": page >= result.pages, "empty": not result.services,
            "contents": [hsds_service(s, actor) for s in result.services]}


@hsds_bp.route("/services/<string:uid>")
@require_api_roles()
@documents_errors(404)
@hsds_bp.response(200)
def hsds_service_item(uid):
    """Un service au format HSDS 3.0 (identifiant HSDS = uid)."""
    service = db.session.scalar(select(Service).where(Service.uid == uid))
    if service is None:
        api_abort(404, message="Service introuvable.")
    return hsds_service(service, current_actor())
