"""Directory pages (French first): browse and search, a service page, admin forms, and the provider's
"we are full / available again" switch."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from directory.editing import FieldError, apply_service_fields, may_set_capacity, set_capacity
from directory.hours import format_short_hours, is_open, parse_short_hours
from directory.models import Organisation, Place, Service, ServiceType
from directory.phones import display_phone
from directory.search import SearchFilters, search_services
from directory.taxonomy import LANGUAGES
from hub.audit import Actor, record
from hub.auth.access import current_actor, require_web_roles
from hub.extensions import db
from hub.timeutil import utcnow

bp = Blueprint("directory", __name__, url_prefix="/annuaire", template_folder="templates")

STATUS_LABELS = {"active": "Actif", "full": "Complet", "suspended": "Suspendu", "inactive": "Inactif"}


@bp.app_template_filter("phone")
def _phone_filter(address: str) -> str:
    return display_phone(address)


def _choices() -> dict:
    return {
        "service_types": db.session.scalars(select(ServiceType).where(ServiceType.active.is_(True))
                                            .order_by(ServiceType.label_fr)).all(),
        "communes": db.session.scalars(select(Place).where(Place.kind == "commune").order_by(Place.name)).all(),
        "quartiers": db.session.scalars(select(Place).where(Place.kind == "quartier").order_by(Place.name)).all(),
        "languages": LANGUAGES,
        "organisations": db.session.scalars(select(Organisation).order_by(Organisation.name)).all(),
        "status_labels": STATUS_LABELS,
    }


@bp.get("/")
@require_web_roles()
def browse():
    args = request.args
    filters = SearchFilters(type_code=args.get("type") or None, quartier=args.get("quartier") or None,
                            commune=args.get("commune") or None, language=args.get("language") or None,
                            open_now=args.get("open_now") == "1", accepting=args.get("accepting") == "1",
                            text=args.get("q") or None)
    page = max(1, args.get("page", 1, type=int))
    now = utcnow()
    result = search_services(db.session, filters, now, page, 25)
    return render_template("directory/browse.html", result=result, now=now, is_open=is_open, args=args,
                           **_choices())


def _service_or_404(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        abort(404)
    return service


@bp.get("/services/<int:service_id>")
@require_web_roles()
def service_page(service_id: int):
    service = _service_or_404(service_id)
    actor = current_actor()
    organisation_contacts = [c for c in service.organisation.contacts]
    return render_template(
        "directory/service.html", service=service, now=utcnow(), is_open=is_open(service.opening_hours or {},
                                                                                 utcnow()),
        hours_text=format_short_hours(service.opening_hours or {}),
        sees_channels=actor.role in ("coordinator", "admin"), may_set_capacity=may_set_capacity(actor, service),
        organisation_contacts=organisation_contacts, status_labels=STATUS_LABELS,
        # Stored as the instant it ends (next midnight); people read the last full day.
        full_until_day=(service.full_until - timedelta(minutes=1)).strftime("%d/%m/%Y") if service.full_until else None)


@bp.post("/services/<int:service_id>/disponibilite")
@require_web_roles("provider", "admin")
def set_availability(service_id: int):
    service = _service_or_404(service_id)
    actor = current_actor()
    if not may_set_capacity(actor, service):
        abort(403)
    full = request.form.get("full") == "1"
    full_until = None
    if full and request.form.get("full_until"):
        try:
            day = datetime.strptime(request.form["full_until"], "%Y-%m-%d").date()
        except ValueError:
            flash(_("Date illisible : choisissez une date dans le calendrier."), "error")
            return redirect(url_for("directory.service_page", service_id=service.id))
        # "Complet jusqu'au 12" means available again on the 13th (Bamako is UTC all year).
        full_until = datetime.combine(day + timedelta(days=1), time(0), UTC)
    try:
        set_capacity(db.session, service, Actor.user(actor), full=full, full_until=full_until, now=utcnow())
    except FieldError as error:
        db.session.rollback()
        flash(_("Date refusée : %(reason)s", reason=str(error)), "error")
        return redirect(url_for("directory.service_page", service_id=service.id))
    db.session.commit()
    flash(_("Le service est maintenant marqué complet.") if full else
          _("Le service est de nouveau disponible."))
    return redirect(url_for("directory.service_page", service_id=service.id))


def _form_values(form) -> tuple[dict, dict[str, str]]:
    """Typed values from the admin form, and French messages by field name."""
    errors: dict[str, str] = {}
    values: dict = {"name": form.get("name", "").strip(), "type_code": form.get("type_code", ""),
                    "description": form.get("description", "").strip(), "status": form.get("status", "active"),
                    "district_wide": form.get("district_wide") == "1",
                    "unaccompanied_separated_only": form.get("unaccompanied_separated_only") == "1",
                    "languages": form.getlist("languages"), "sexes": form.getlist("sexes"),
                    "coverage": form.getlist("coverage")}
    if not values["name"]:
        errors["name"] = _("Le nom du service est obligatoire.")
    for field in ("min_age", "max_age", "free_places"):
        text = form.get(field, "").strip()
        if not text:
            values[field] = None
        elif not text.isdigit():
            errors[field] = _("Nombre entier attendu (ex. 17).")
        else:
            values[field] = int(text)
    try:
        values["opening_hours"] = parse_short_hours(form.get("hours", ""))
    except ValueError as error:
        errors["hours"] = _("Horaires illisibles : %(reason)s", reason=str(error))
    if values["status"] not in STATUS_LABELS:
        errors["status"] = _("État inconnu.")
    quartier = form.get("quartier") or None
    values["locations"] = [{"quartier": quartier, "address": form.get("address", "").strip()}] \
        if quartier or form.get("address", "").strip() else []
    return values, errors


@bp.route("/services/nouveau", methods=["GET", "POST"])
@bp.route("/services/<int:service_id>/modifier", methods=["GET", "POST"])
@require_web_roles("admin")
def edit_service(service_id: int | None = None):
    service = _service_or_404(service_id) if service_id else None
    errors: dict[str, str] = {}
    if request.method == "POST":
        values, errors = _form_values(request.form)
        organisation = db.session.get(Organisation, request.form.get("organisation_id", type=int) or 0)
        if service is None and organisation is None:
            errors["organisation_id"] = _("Choisissez l'organisation.")
        if not errors:
            target = service or Service(organisation_id=organisation.id, name=values["name"],
                                        type_code=values["type_code"])
            try:
                apply_service_fields(db.session, target, values)
                db.session.add(target)
                db.session.flush()
                record(Actor.user(current_actor()), "service.update" if service else "service.create", "service",
                       target.id, {"fields": sorted(values)})
                db.session.commit()
                flash(_("Service enregistré."))
                return redirect(url_for("directory.service_page", service_id=target.id))
            except FieldError as error:
                db.session.rollback()
                errors[error.field.split(".")[0]] = str(error)
        flash(_("Le formulaire contient des erreurs : corrigez les champs signalés."), "error")
    return render_template("directory/service_form.html", service=service, errors=errors, form=request.form,
                           hours_text=format_short_hours(service.opening_hours or {}) if service else "",
                           **_choices()), (422 if errors else 200)
