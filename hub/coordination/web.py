"""Coordination pages (French first) for coordinators and admins: the live board, scorecards, meetings and
their minutes, monthly reports. Each view: authenticate, validate, call one service function, render."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from directory.taxonomy import SERVICE_TYPES, label
from hub.auth.access import current_actor, require_web_roles
from hub.auth.models import ADMIN, COORDINATOR
from hub.coordination import meetings, minutes, service
from hub.coordination.board import GROUPINGS, REASONS, BoardFilters, format_minutes
from hub.coordination.charts import bar_chart
from hub.coordination.reports import parse_month, to_csv, to_xlsx
from hub.extensions import db
from hub.referrals.labels import CHANNEL_LABELS, RISK_LABELS, STATE_LABELS
from hub.timeutil import utcnow

bp = Blueprint("coordination", __name__, url_prefix="/coordination", template_folder="templates",
               static_folder="static", static_url_path="/static/coordination")

ROLES = (COORDINATOR, ADMIN)
PER_PAGE = 100


def _locale() -> str:
    return str(get_locale() or "fr")


def _service_label(code: str) -> str:
    return label(SERVICE_TYPES, code, _locale())


def _translated(labels: dict) -> dict[str, str]:
    # Translated once per page: a lazy label is looked up again each time a row shows it.
    return {key: str(text) for key, text in labels.items()}


@bp.context_processor
def _labels():
    return {"risk_labels": _translated(RISK_LABELS), "state_labels": _translated(STATE_LABELS),
            "channel_labels": _translated(CHANNEL_LABELS),
            "service_label": _service_label, "format_minutes": format_minutes, "service_types": SERVICE_TYPES}


def _refuse(error: meetings.CoordinationError):
    db.session.rollback()
    if error.status in (403, 404):
        abort(error.status)
    flash(_(error.message, **error.params), "error")


# --- the board ---------------------------------------------------------------------------------------

def _board_args():
    args = request.args
    reason = args.get("motif") if args.get("motif") in REASONS else None
    filters = BoardFilters(organisation_id=args.get("prestataire", type=int), service_type=args.get("service") or None,
                           commune=args.get("commune") or None, risk=args.get("risque") or None, reason=reason)
    group_by = args.get("par") if args.get("par") in GROUPINGS else "provider"
    return filters, group_by, max(args.get("page", 1, type=int), 1)


def _board():
    filters, group_by, page = _board_args()
    return service.board(current_actor(), utcnow(), filters, group_by, page, PER_PAGE), filters


def _group_label(board, key: str, text: str) -> str:
    if board.group_by == "service":
        return _service_label(key)
    if board.group_by == "risk":
        return str(RISK_LABELS.get(key, key))
    return text


@bp.get("/")
@require_web_roles(*ROLES)
def index():
    return redirect(url_for("coordination.board"))


@bp.get("/tableau")
@require_web_roles(*ROLES)
def board():
    data, filters = _board()
    from flask import current_app

    return render_template("coordination/board.html", board=data, filters=filters, group_label=_group_label,
                           poll_seconds=current_app.config.get("COORDINATION_POLL_SECONDS", 20),
                           query=request.query_string.decode(),
                           page_args={k: v for k, v in request.args.items() if k != "page"})


@bp.get("/tableau.json")
@require_web_roles(*ROLES)
def board_json():
    """The board's fragments for the page's polling; {"unchanged": true} when the client already has them."""
    data, _filters = _board()
    rows = render_template("coordination/_board_rows.html", board=data)
    groups = render_template("coordination/_board_groups.html", board=data, group_label=_group_label)
    version = hashlib.sha1((rows + groups).encode()).hexdigest()[:16]
    if request.args.get("v") == version:
        return jsonify({"v": version, "unchanged": True})
    return jsonify({"v": version, "total": data.total, "counts": data.counts, "rows": rows, "groups": groups,
                    "now": data.now.isoformat()})


# --- scorecards --------------------------------------------------------------------------------------

def _day(text: str | None) -> datetime | None:
    from hub.coordination.meetings import local_to_utc

    try:
        return local_to_utc(date.fromisoformat(text), datetime.min.time()) if text else None
    except ValueError:
        return None


@bp.get("/prestataires")
@require_web_roles(*ROLES)
def scorecards():
    since, until = _day(request.args.get("depuis")), _day(request.args.get("jusqu"))
    cards = service.scorecards(current_actor(), utcnow(), since, until)
    return render_template("coordination/scorecards.html", cards=cards, since=request.args.get("depuis", ""),
                           until=request.args.get("jusqu", ""))


# --- meetings ----------------------------------------------------------------------------------------

@bp.get("/reunions")
@require_web_roles(*ROLES)
def meeting_list():
    actor = current_actor()
    organisations, contacts = meetings.directory_choices()
    return render_template("coordination/meetings.html", meetings=meetings.list_meetings(actor),
                           organisations=organisations, contacts=contacts,
                           default_at=meetings.default_held_at(utcnow()))


@bp.post("/reunions")
@require_web_roles(*ROLES)
def meeting_create():
    form = request.form
    try:
        held_at = datetime.fromisoformat(form.get("held_at", ""))
    except ValueError:
        flash(_("Indiquez la date et l'heure de la réunion."), "error")
        return redirect(url_for("coordination.meeting_list"))
    if held_at.tzinfo is None:
        held_at = held_at.replace(tzinfo=meetings._tz())
    try:
        meeting = meetings.create_meeting(
            current_actor(), held_at, form.get("place", ""), [int(x) for x in form.getlist("organisations")
                                                              if x.isdigit()],
            [int(x) for x in form.getlist("contacts") if x.isdigit()], utcnow())
    except meetings.CoordinationError as error:
        _refuse(error)
        return redirect(url_for("coordination.meeting_list"))
    flash(_("Réunion créée : %(count)s point(s) à l'ordre du jour.", count=len(meeting.items)))
    return redirect(url_for("coordination.meeting", meeting_id=meeting.id))


def _meeting(meeting_id: int):
    try:
        return meetings.get_meeting(current_actor(), meeting_id)
    except meetings.CoordinationError as error:
        abort(error.status)


@bp.get("/reunions/<int:meeting_id>")
@require_web_roles(*ROLES)
def meeting(meeting_id):
    found = _meeting(meeting_id)
    organisations, _contacts = meetings.directory_choices()
    return render_template("coordination/meeting.html", meeting=found, organisations=organisations,
                           followups=[a for a in meetings.open_actions(found.held_at)
                                      if a.item.meeting_id != found.id])


@bp.post("/reunions/<int:meeting_id>/ordre-du-jour")
@require_web_roles(*ROLES)
def meeting_refresh(meeting_id):
    added = meetings.refresh_agenda(current_actor(), _meeting(meeting_id), utcnow())
    flash(_("%(count)s point(s) ajouté(s) à l'ordre du jour.", count=added))
    return redirect(url_for("coordination.meeting", meeting_id=meeting_id))


@bp.post("/reunions/<int:meeting_id>/ajouter")
@require_web_roles(*ROLES)
def meeting_add(meeting_id):
    try:
        meetings.add_referral(current_actor(), _meeting(meeting_id), request.form.get("code", ""), utcnow())
    except meetings.CoordinationError as error:
        _refuse(error)
    return redirect(url_for("coordination.meeting", meeting_id=meeting_id))


@bp.post("/reunions/<int:meeting_id>/points/<int:item_id>")
@require_web_roles(*ROLES)
def item_record(meeting_id, item_id):
    actor = current_actor()
    try:
        item = meetings.get_item(actor, meeting_id, item_id)
        meetings.record_item(actor, item, request.form.get("discussion", ""), request.form.get("decision", ""),
                             utcnow())
    except meetings.CoordinationError as error:
        _refuse(error)
    else:
        flash(_("Décision enregistrée."))
    return redirect(url_for("coordination.meeting", meeting_id=meeting_id, _anchor=f"item-{item_id}"))


@bp.post("/reunions/<int:meeting_id>/points/<int:item_id>/actions")
@require_web_roles(*ROLES)
def item_action(meeting_id, item_id):
    actor, form = current_actor(), request.form
    try:
        due_on = date.fromisoformat(form.get("due_on", ""))
    except ValueError:
        due_on = None
    try:
        item = meetings.get_item(actor, meeting_id, item_id)
        meetings.add_action(actor, item, form.get("description", ""), form.get("owner", type=int), due_on, utcnow())
    except meetings.CoordinationError as error:
        _refuse(error)
    else:
        flash(_("Action de suivi enregistrée."))
    return redirect(url_for("coordination.meeting", meeting_id=meeting_id, _anchor=f"item-{item_id}"))


@bp.post("/actions/<int:action_id>/faite")
@require_web_roles(*ROLES)
def action_done(action_id):
    try:
        action = meetings.complete_action(current_actor(), action_id, utcnow())
    except meetings.CoordinationError as error:
        _refuse(error)
        return redirect(url_for("coordination.meeting_list"))
    return redirect(url_for("coordination.meeting", meeting_id=action.item.meeting_id))


@bp.get("/reunions/<int:meeting_id>/compte-rendu")
@require_web_roles(*ROLES)
def minutes_page(meeting_id):
    found = _meeting(meeting_id)
    return render_template("coordination/minutes.html", meeting=found, m=minutes.minutes_data(found))


def _download(body: bytes, mimetype: str, meeting, extension: str) -> Response:
    name = f"compte-rendu-reunion-{meeting.held_at:%Y-%m-%d}-{meeting.id}.{extension}"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/reunions/<int:meeting_id>/compte-rendu.pdf")
@require_web_roles(*ROLES)
def minutes_pdf(meeting_id):
    found = _meeting(meeting_id)
    return _download(minutes.minutes_pdf(found), "application/pdf", found, "pdf")


@bp.get("/reunions/<int:meeting_id>/compte-rendu.docx")
@require_web_roles(*ROLES)
def minutes_docx(meeting_id):
    found = _meeting(meeting_id)
    return _download(minutes.minutes_docx(found),
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document", found, "docx")


@bp.post("/reunions/<int:meeting_id>/envoyer")
@require_web_roles(*ROLES)
def minutes_send(meeting_id):
    sent = meetings.send_minutes(current_actor(), _meeting(meeting_id), utcnow())
    flash(_("Compte rendu envoyé par e-mail à %(count)s contact(s).", count=sent))
    return redirect(url_for("coordination.meeting", meeting_id=meeting_id))


# --- reports -----------------------------------------------------------------------------------------

def _report():
    now = utcnow()
    month = parse_month(request.args.get("mois"), now.date())
    return service.monthly(current_actor(), month, now)


@bp.get("/rapports")
@require_web_roles(*ROLES)
def reports():
    report = _report()
    charts = [
        bar_chart(_("Références par besoin"), [(_service_label(k), v) for k, v in report.by_need], "chart-needs"),
        bar_chart(_("Références par commune"), report.by_commune, "chart-communes"),
        bar_chart(_("Références par niveau de risque"),
                  [(str(RISK_LABELS.get(k, k)), v) for k, v in report.by_risk], "chart-risks"),
        bar_chart(_("Issues des orientations (cibles)"),
                  [(str(STATE_LABELS.get(k, k)), v) for k, v in report.outcomes], "chart-outcomes"),
    ]
    return render_template("coordination/reports.html", report=report, charts=[Markup(c) for c in charts],
                           month=report.month.strftime("%Y-%m"))


@bp.get("/rapports.csv")
@require_web_roles(*ROLES)
def reports_csv():
    report = _report()
    return Response(to_csv(report), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="indicateurs-pos-{report.month:%Y-%m}.csv"'})


@bp.get("/rapports.xlsx")
@require_web_roles(*ROLES)
def reports_xlsx():
    report = _report()
    return Response(to_xlsx(report), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="indicateurs-pos-{report.month:%Y-%m}.xlsx"'})
