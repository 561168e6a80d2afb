"""The minutes (compte rendu de réunion) in French: HTML page, PDF (weasyprint) and DOCX (python-docx).

Only codes and facts: the agenda snapshot, the participants' organisations, discussions, decisions and
action points. Whatever the reader's language, the document is French (the POS's working language).
"""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale

from directory.taxonomy import SERVICE_TYPES, label
from hub.coordination.board import format_minutes
from hub.coordination.models import CoordinationMeeting
from hub.referrals.labels import RISK_LABELS, STATE_LABELS


def _local(instant):
    return instant.astimezone(ZoneInfo(current_app.config.get("TIMEZONE") or "Africa/Bamako"))


def minutes_data(meeting: CoordinationMeeting) -> dict:
    """Plain, French values for the three formats."""
    with force_locale("fr"):
        items = []
        for item in meeting.items:
            facts = item.facts or {}
            items.append({
                "code": item.code,
                "risk": str(RISK_LABELS.get(facts.get("risk"), facts.get("risk") or "-")),
                "commune": facts.get("commune") or "-",
                "flagged": facts.get("flagged", False),
                "targets": [{
                    "organisation": t.get("organisation"),
                    "service": label(SERVICE_TYPES, t.get("service_type", ""), "fr"),
                    "state": str(STATE_LABELS.get(t.get("state"), t.get("state"))),
                    "steps": t.get("escalation_step", 0),
                    "late": format_minutes(t.get("overdue_minutes")),
                } for t in facts.get("targets", [])],
                "discussion": item.discussion, "decision": item.decision,
                "actions": [{"description": a.description, "owner": a.owner.acronym or a.owner.name,
                             "due": _local(a.due_at).strftime("%d/%m/%Y"),
                             "status": "faite" if a.status == "done" else "ouverte"} for a in item.actions],
            })
    participants = []
    for p in meeting.participants:
        name = p.organisation.display_name
        participants.append(f"{name} ({p.contact.name})" if p.contact else name)
    held = _local(meeting.held_at)
    return {"id": meeting.id, "date": held.strftime("%d/%m/%Y"), "time": held.strftime("%H:%M"),
            "place": meeting.place, "participants": participants, "items": items,
            "codes": [i["code"] for i in items]}


def minutes_html(meeting: CoordinationMeeting) -> str:
    with force_locale("fr"):
        return render_template("coordination/minutes_doc.html", m=minutes_data(meeting))


def minutes_pdf(meeting: CoordinationMeeting) -> bytes:
    from weasyprint import HTML

    return HTML(string=minutes_html(meeting), base_url=None).write_pdf()


def minutes_docx(meeting: CoordinationMeeting) -> bytes:
    from docx import Document

    m = minutes_data(meeting)
    document = Document()
    document.core_properties.title = f"Compte rendu de la réunion de coordination du {m['date']}"
    document.core_properties.keywords = ", ".join(m["codes"])
    document.add_heading("Compte rendu de réunion de coordination", 0)
    document.add_paragraph(f"Date : {m['date']} à {m['time']}")
    document.add_paragraph(f"Lieu : {m['place']}")
    document.add_heading("Participants", 1)
    for name in m["participants"]:
        document.add_paragraph(name, style="List Bullet")
    document.add_heading("Points examinés", 1)
    if not m["items"]:
        document.add_paragraph("Aucun point à l'ordre du jour.")
    for number, item in enumerate(m["items"], start=1):
        flag = " — inscrite par l'escalade" if item["flagged"] else ""
        document.add_heading(f"{number}. Référence {item['code']} ({item['risk']}, {item['commune']}){flag}", 2)
        table = document.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("Prestataire", "Service", "État", "Escalade", "Retard"),
                              strict=True):
            cell.text = text
        for t in item["targets"]:
            cells = table.add_row().cells
            for cell, text in zip(cells, (t["organisation"], t["service"], t["state"], str(t["steps"]),
                                          t["late"] or "-"), strict=True):
                cell.text = text or "-"
        document.add_paragraph(f"Discussion : {item['discussion'] or '-'}")
        document.add_paragraph(f"Décision : {item['decision'] or '-'}")
        for action in item["actions"]:
            document.add_paragraph(f"Action : {action['description']} — responsable : {action['owner']} — "
                                   f"échéance : {action['due']} ({action['status']})", style="List Bullet")
    document.add_paragraph("Ce compte rendu ne contient que des codes de référence et des faits, jamais de "
                           "données identifiant un enfant.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
