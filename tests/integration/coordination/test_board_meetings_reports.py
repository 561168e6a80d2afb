"""Board, access, meetings (agenda -> decision -> minutes PDF/DOCX -> e-mail), follow-ups and reports."""

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hub.extensions import db
from hub.timeutil import utcnow
from tests.pdf_text import pdf_text

COORDINATION_PAGES = ["/coordination/tableau", "/coordination/tableau.json", "/coordination/prestataires",
                      "/coordination/reunions", "/coordination/rapports", "/coordination/rapports.csv"]


@pytest.mark.parametrize("who", ["caseworker", "provider"])
def test_only_coordinators_and_admins_see_coordination(client, world, overdue, who):
    for path in COORDINATION_PAGES:
        assert client.get(path, headers=world.headers(who)).status_code == 403, path
    for path in ("/api/v1/coordination/board", "/api/v1/coordination/scorecards"):
        assert client.get(path, headers=world.headers(who)).status_code == 403, path
    assert client.post("/coordination/reunions", data={"place": "x"}, headers=world.headers(who)).status_code == 403


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get("/coordination/tableau")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


@pytest.mark.parametrize("who", ["coordinator", "admin"])
def test_board_shows_the_overdue_referral_without_identifying_data(client, world, overdue, who):
    page = client.get("/coordination/tableau", headers=world.headers(who))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and overdue["code"] in html
    assert "Aminata" not in html and "Traoré" not in html and "Récit" not in html and "+22370999999" not in html
    assert len(page.data) < 150_000
    data = client.get("/coordination/tableau.json", headers=world.headers(who)).get_json()
    assert overdue["code"] in data["rows"] and data["counts"]["overdue"] >= 1
    again = client.get("/coordination/tableau.json", query_string={"v": data["v"]}, headers=world.headers(who))
    assert again.get_json() == {"v": data["v"], "unchanged": True}
    api = client.get("/api/v1/coordination/board", query_string={"group_by": "commune"},
                     headers=world.headers(who)).get_json()
    item = next(i for i in api["items"] if i["code"] == overdue["code"])
    assert item["commune"] == "Commune VI" and "overdue" in item["reasons"] and item["overdue_minutes"] >= 170
    assert item["last_channel"] in ("sms", "telegram", "email", None)
    assert {"Commune VI"} <= {g["key"] for g in api["groups"]}
    filtered = client.get("/api/v1/coordination/board", query_string={"reason": "flagged"},
                          headers=world.headers(who)).get_json()
    assert filtered["total"] == 0


def _flag(app, overdue):
    from hub.referrals.models import ReferralTarget
    from notifications.escalation_records import NO_ANSWER, MeetingFlag

    with app.app_context():
        target = db.session.get(ReferralTarget, overdue["target_id"])
        target.escalation_step = 3
        db.session.add(MeetingFlag(referral_id=overdue["referral_id"], target_id=target.id, reason=NO_ANSWER,
                                   step_index=3, flagged_at=utcnow()))
        db.session.commit()


def test_meeting_from_agenda_to_minutes_and_follow_ups(app, client, world, overdue):
    from directory.models import Contact, Organisation
    from hub.coordination.followups import remind_due_actions
    from hub.coordination.models import ActionPoint, CoordinationMeeting
    from notifications.escalation_records import MeetingFlag
    from notifications.outbox import OutboxMessage

    _flag(app, overdue)
    headers = world.headers("coordinator")
    assert client.get("/api/v1/coordination/board", query_string={"reason": "flagged"},
                      headers=headers).get_json()["total"] >= 1
    with app.app_context():
        orgs = {o.acronym: o.id for o in db.session.scalars(select(Organisation))}
        focal = db.session.scalar(select(Contact).where(Contact.organisation_id == overdue["organisation_id"],
                                                        Contact.role == "focal_point"))
        focal_id = focal.id
    held_at = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/coordination/reunions", headers=headers, data={
        "held_at": held_at, "place": "DRPFEF, salle de réunion",
        "organisations": [str(orgs["DRPFEF Bamako"])], "contacts": [str(focal_id)]})
    assert response.status_code == 302
    with app.app_context():
        meeting = db.session.scalar(select(CoordinationMeeting))
        meeting_id, item = meeting.id, meeting.items[0]
        item_id = item.id
        assert item.code == overdue["code"] and item.facts["flagged"] is True
        assert "Aminata" not in str(item.facts)
    page = client.get(f"/coordination/reunions/{meeting_id}", headers=headers).get_data(as_text=True)
    assert overdue["code"] in page and "Aminata" not in page

    client.post(f"/coordination/reunions/{meeting_id}/points/{item_id}", headers=headers, data={
        "discussion": "Le prestataire n'a pas répondu malgré trois relances.",
        "decision": "Orienter vers le centre d'accueil de la DRPFEF."})
    due = utcnow().date() - timedelta(days=3)
    client.post(f"/coordination/reunions/{meeting_id}/points/{item_id}/actions", headers=headers, data={
        "description": "Confirmer la prise en charge", "owner": str(overdue["organisation_id"]),
        "due_on": due.isoformat()})
    with app.app_context():
        assert db.session.scalar(select(MeetingFlag.resolved_at)) is not None  # the meeting resolved it

    pdf = client.get(f"/coordination/reunions/{meeting_id}/compte-rendu.pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    text = pdf_text(pdf.data)
    assert overdue["code"] in text and "Orienter vers le centre" in text and "Confirmer la prise en charge" in text
    assert "Aminata" not in text
    docx_response = client.get(f"/coordination/reunions/{meeting_id}/compte-rendu.docx", headers=headers)
    from docx import Document

    document = Document(io.BytesIO(docx_response.data))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Compte rendu de réunion de coordination" in body and overdue["code"] in body
    assert "Décision : Orienter vers le centre d'accueil de la DRPFEF." in body
    assert "Confirmer la prise en charge" in body and "Aminata" not in body

    client.post(f"/coordination/reunions/{meeting_id}/envoyer", headers=headers)
    with app.app_context():
        mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "meeting_minutes")).all()
        # The named focal point, and the DRPFEF (no named contact) through its focal point.
        assert len(mails) == 2 and {m.channel for m in mails} == {"email"}
        assert focal_id in {m.contact_id for m in mails}
        assert all(f"/coordination/reunions/{meeting_id}/compte-rendu" in m.body for m in mails)
        assert all("Aminata" not in m.body and "Orienter" not in m.body for m in mails)

        # Follow-ups: due three days ago -> reminded and escalated once, never twice.
        assert remind_due_actions() == {"reminded": 1, "escalated": 1}
        assert remind_due_actions() == {"reminded": 0, "escalated": 0}
        kinds = [m.kind for m in db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind.in_(["action_point_due", "action_point_overdue"])))]
        assert "action_point_due" in kinds and "action_point_overdue" in kinds
        action = db.session.scalar(select(ActionPoint))
        assert action.reminded_at is not None and action.escalated_at is not None
        action_id = action.id
    client.post(f"/coordination/actions/{action_id}/faite", headers=headers)
    with app.app_context():
        assert db.session.get(ActionPoint, action_id).status == "done"

    # The next meeting's agenda starts after this one: the resolved, already discussed referral is not on it.
    later = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    client.post("/coordination/reunions", headers=headers, data={
        "held_at": later, "place": "DRPFEF", "organisations": [str(orgs["DRPFEF Bamako"])]})
    with app.app_context():
        second = db.session.scalar(select(CoordinationMeeting).order_by(CoordinationMeeting.id.desc()))
        assert second.agenda_since is not None


def test_meeting_needs_a_place_and_participants(client, world):
    response = client.post("/coordination/reunions", headers=world.headers("coordinator"),
                           data={"held_at": "2026-04-01T10:00", "place": ""}, follow_redirects=True)
    assert "Indiquez le lieu" in response.get_data(as_text=True)


def test_monthly_report_csv_xlsx_and_charts(app, client, world, overdue):
    headers = world.headers("coordinator")
    month = utcnow().strftime("%Y-%m")
    page = client.get("/coordination/rapports", query_string={"mois": month}, headers=headers)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count("<svg") == 4 and 'id="chart-needs"' in html
    assert len(page.data) < 150_000
    csv_text = client.get("/coordination/rapports.csv", query_string={"mois": month},
                          headers=headers).get_data(as_text=True)
    assert f"{month},references,total,1" in csv_text
    assert f"{month},references_par_besoin,hebergement,1" in csv_text
    assert f"{month},references_par_commune,Commune VI,1" in csv_text
    assert f"{month},references_par_risque,eleve,1" in csv_text
    from openpyxl import load_workbook

    xlsx = client.get("/coordination/rapports.xlsx", query_string={"mois": month}, headers=headers)
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("Mois", "Indicateur", "Catégorie", "Valeur") and (month, "references", "total", 1) in rows
    empty = client.get("/coordination/rapports.csv", query_string={"mois": "2001-01"}, headers=headers)
    assert "2001-01,references,total,0" in empty.get_data(as_text=True)
    assert date.fromisoformat(month + "-01")
