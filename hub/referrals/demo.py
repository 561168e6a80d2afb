"""Demo accounts for `make run`: one user per role, in fitting demo organisations, one shared password.

The password is public (it is printed and documented), so demo accounts are never created when
SIRA_ENV=production. Idempotent: an existing account is left as it is.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from directory.models import Organisation
from hub.auth.service import create_user, find_user_by_email
from hub.extensions import db

DEMO_PASSWORD = "sira-demo-2026"

# (e-mail, display name, role, organisation acronym)
DEMO_ACCOUNTS = (
    ("travailleur.social@demo.sira.invalid", "Travailleur social (démo)", "caseworker", "Samusocial Mali"),
    ("gestionnaire.enda@demo.sira.invalid", "Gestionnaire de cas ENDA (démo)", "caseworker", "ENDA Mali"),
    ("point.focal.bnce@demo.sira.invalid", "Point focal BNCE-Mali (démo)", "provider", "BNCE-Mali"),
    ("point.focal.enda@demo.sira.invalid", "Point focal ENDA (démo)", "provider", "ENDA Mali"),
    ("point.focal.dnds@demo.sira.invalid", "Point focal DNDS (démo)", "provider", "DNDS"),
    ("point.focal.oim@demo.sira.invalid", "Point focal OIM (démo)", "provider", "OIM"),
    ("coordination@demo.sira.invalid", "Coordinatrice DRPFEF (démo)", "coordinator", "DRPFEF Bamako"),
    ("admin@demo.sira.invalid", "Administrateur (démo)", "admin", "DRPFEF Bamako"),
)


def load_demo_accounts() -> list[str]:
    if current_app.config.get("SIRA_ENV") == "production":
        return ["Comptes de démonstration non créés : SIRA_ENV=production."]
    organisations = {o.acronym: o for o in db.session.scalars(select(Organisation))}
    lines = [f"Comptes de démonstration (mot de passe pour tous : {DEMO_PASSWORD}) — "
             f"connexion sur /connexion :"]
    for email, name, role, acronym in DEMO_ACCOUNTS:
        organisation = organisations.get(acronym)
        if organisation is None:
            lines.append(f"  (pas d'organisation « {acronym} » dans l'annuaire : {email} non créé)")
            continue
        if find_user_by_email(email) is None:
            create_user(email, name, role, organisation.id, DEMO_PASSWORD)
        lines.append(f"  {role:<12} {email:<42} {acronym}")
    db.session.flush()
    return lines
