"""The POS as a readable French document (Markdown -> HTML -> PDF), for the validation workshop.

Rendered from the same `Pos` that routes referrals, so the paper and the running procedure cannot drift.
"""

from __future__ import annotations

import html as html_lib
from datetime import date

import markdown

from routing.calendar import WEEKDAYS
from routing.labels import (
    ACTION_FR,
    CLOCK_FR,
    INTENT_FR,
    LANGUAGE_FR,
    REPLY_LANGUAGE_FR,
    STATUS_FR,
    listing,
    service_type_fr,
)
from routing.pos import Conditions, Pos, Rule

WEEKDAYS_FR = dict(zip(WEEKDAYS, ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"),
                       strict=True))
SINGULAR_SEX_FR = {"female": "fille", "male": "garçon"}


def conditions_fr(when: Conditions, pos: Pos) -> str:
    """'non accompagné, moins de 5 ans, besoin : Hébergement / abri sûr' — or 'tous les enfants'."""
    parts = []
    if when.age_under is not None:
        parts.append(f"moins de {when.age_under} ans")
    if when.age_from is not None:
        parts.append(f"{when.age_from} ans ou plus")
    if when.sex:
        parts.append(" ou ".join(SINGULAR_SEX_FR.get(s, s) for s in when.sex))
    for name, yes, no in (("unaccompanied", "non accompagné", "accompagné"),
                          ("separated", "séparé de sa famille", "non séparé"),
                          ("trafficking_suspected", "suspicion de traite", "sans suspicion de traite")):
        value = getattr(when, name)
        if value is not None:
            parts.append(yes if value else no)
    if when.status:
        parts.append(f"statut : {listing(when.status, STATUS_FR)}")
    if when.nationality:
        parts.append(f"nationalité : {', '.join(when.nationality)}")
    if when.risk:
        parts.append("risque : " + ", ".join(pos.risk_levels[r].label if r in pos.risk_levels else r
                                              for r in when.risk))
    if when.commune:
        parts.append(f"commune : {', '.join(when.commune)}")
    if when.quartier:
        parts.append(f"quartier : {', '.join(when.quartier)}")
    if when.needs_any:
        parts.append("besoin : " + " ou ".join(service_type_fr(n) for n in when.needs_any))
    if when.language:
        parts.append(f"langue : {listing(when.language, LANGUAGE_FR)}")
    return ", ".join(parts) if parts else "tous les enfants"


def actions_fr(rule: Rule, pos: Pos) -> list[str]:
    then = rule.then
    lines = []
    for need in then.notify:
        lines.append(f"**Notification obligatoire** : {service_type_fr(need)}")
    for need in then.request:
        lines.append(f"Demander : {service_type_fr(need)}")
    for need, acronyms in then.prefer:
        lines.append(f"Pour « {service_type_fr(need)} », solliciter d'abord : {', '.join(acronyms)}")
    for need, count in then.providers_per_need:
        lines.append(f"Pour « {service_type_fr(need)} », solliciter {count} prestataires à la fois")
    if then.minimum_risk:
        lines.append(f"Niveau de risque au moins : {pos.risk_levels[then.minimum_risk].label}")
    if rule.stop:
        lines.append("Les règles suivantes ne s'appliquent pas à cet enfant.")
    return lines


def _needs_of(rule: Rule) -> list[str]:
    then = rule.then
    needs = [*then.notify, *then.request, *(n for n, _ in then.prefer), *(n for n, _ in then.providers_per_need)]
    return list(dict.fromkeys(needs or rule.when.needs_any))


def render_markdown(pos: Pos, year: int | None = None) -> str:
    year = year or date.today().year
    out: list[str] = [f"# {pos.title or 'Procédures opérationnelles standards'}", ""]
    out += [f"Version **{pos.version}** — empreinte sha256 `{pos.content_hash[:16]}`.", "",
            "Ce document est produit automatiquement à partir du fichier de règles que Sira exécute : "
            "ce qui est écrit ici est exactement ce que le logiciel applique.", ""]

    out += ["## 1. Niveaux de risque et délais", "",
            "| Niveau | Horloge | Accusé de réception | Décision (après l'accusé de réception) |",
            "|---|---|---|---|"]
    for level in pos.risk_levels.values():
        out.append(f"| {level.label} | {CLOCK_FR[level.clock]} | {level.acknowledge_within.french(level.clock)} | "
                   f"{level.decide_within.french(level.clock)} |")
    out += ["", "Sur l'horloge « heures ouvrées », un délai s'interrompt hors des heures de travail, "
            "les week-ends et les jours fériés ; un jour ouvré mène à la même heure le jour ouvré suivant "
            "(un vendredi à 15 h : le lundi à 15 h).", ""]

    calendar = pos.calendar
    out += ["## 2. Calendrier de travail", "", f"Fuseau horaire : {calendar.timezone}.", "",
            "| Jour | Heures ouvrées |", "|---|---|"]
    for index, day in enumerate(WEEKDAYS):
        hours = calendar.hours[index]
        text = ", ".join(f"{o:%H:%M}–{c:%H:%M}" for o, c in hours) if hours else "fermé"
        out.append(f"| {WEEKDAYS_FR[day]} | {text} |")
    out += ["", f"Jours fériés {year} :", ""]
    holidays_of_year = {}
    if calendar.country:
        import holidays

        holidays_of_year = dict(holidays.country_holidays(calendar.country, years=year, language="fr"))
    holidays_of_year.update({d: name for d, name in calendar.declared_holidays if d.year == year})
    for day in sorted(holidays_of_year):
        name = calendar.holiday_name(day)
        if name:
            declared = " (date déclarée)" if day in dict(calendar.declared_holidays) else ""
            out.append(f"- {day:%d/%m/%Y} : {name}{declared}")
    out += ["", "Les fêtes musulmanes marquées « estimé » sont des estimations : l'administrateur déclare les "
            "dates officielles dès qu'elles sont connues.", ""]

    out += ["## 3. Parcours par besoin", ""]
    by_need: dict[str, list[Rule]] = {}
    for rule in pos.rules:
        for need in _needs_of(rule):
            by_need.setdefault(need, []).append(rule)
    for need, rules in by_need.items():
        out += [f"### {service_type_fr(need)}", ""]
        for rule in rules:
            out.append(f"- **Quand** {conditions_fr(rule.when, pos)} : " + " ; ".join(actions_fr(rule, pos)) +
                       f" _(règle « {rule.id} »)_")
        out.append("")
    out += ["Pour tout besoin, Sira retient les prestataires éligibles (âge, sexe, statut), qui couvrent le "
            "quartier de l'enfant, parlent sa langue et ont de la place ; puis les organisations préférées "
            "par les règles ; puis les moins chargées (orientations en cours). Chaque prestataire écarté "
            f"l'est avec un motif écrit. Par défaut, {pos.default_providers_per_need} prestataire(s) par besoin.",
            ""]

    out += ["## 4. Règles d'orientation, dans l'ordre", ""]
    for number, rule in enumerate(pos.rules, start=1):
        out += [f"**{number}. {rule.title}** (`{rule.id}`)", "",
                f"- Quand : {conditions_fr(rule.when, pos)}"]
        out += [f"- {line}" for line in actions_fr(rule, pos)]
        if rule.note:
            out.append(f"- Note : {rule.note}")
        out.append("")

    out += ["## 5. Escalade quand le prestataire ne répond pas", "",
            "Chaque attente se compte après l'étape précédente (la première après l'envoi).", ""]
    for code, ladder in pos.ladders.items():
        level = pos.risk_levels[code]
        out += [f"### {level.label} ({CLOCK_FR[ladder.clock]})", "", "| Étape | Attente | Action |", "|---|---|---|"]
        for number, step in enumerate(ladder.steps, start=1):
            out.append(f"| {number} | {step.wait.french(ladder.clock)} | {ACTION_FR[step.action]} |")
        out.append("")

    out += ["## 6. Réponses par SMS ou Telegram", "",
            "Le prestataire répond par un mot suivi du code de l'orientation, par exemple « OUI K7Q2 ». "
            "Majuscules et accents sont indifférents.", "",
            "| Réponse | " + " | ".join(REPLY_LANGUAGE_FR.values()) + " |", "|---|---|---|---|"]
    for intent in pos.replies:
        cells = [", ".join(w for lang, w in intent.words if lang == code) or "—" for code in REPLY_LANGUAGE_FR]
        out.append(f"| {intent.label or INTENT_FR.get(intent.code, intent.code)} | " + " | ".join(cells) + " |")
    out += ["", "## 7. Motifs de refus", "",
            "Le prestataire qui refuse donne le numéro du motif, par exemple « NON K7Q2 1 ».", "",
            "| N° | Motif | Code |", "|---|---|---|"]
    for reason in pos.decline_reasons:
        out.append(f"| {reason.number} | {reason.fr} | `{reason.code}` |")
    out += ["", "## 8. Conservation des données", "",
            f"Les orientations clôturées sont conservées {pos.retention_days} jours "
            f"(environ {pos.retention_days // 365} ans), puis anonymisées.", ""]
    return "\n".join(out)


_CSS = """
@page { size: A4; margin: 18mm 16mm; @bottom-right { content: counter(page) " / " counter(pages); font-size: 9pt; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; line-height: 1.4; color: #1b1b1b; }
h1 { font-size: 18pt; color: #7a2e0e; } h2 { font-size: 13pt; color: #7a2e0e; border-bottom: 1px solid #ccc; }
h3 { font-size: 11pt; } table { border-collapse: collapse; width: 100%; margin: 6pt 0; }
th, td { border: 1px solid #bbb; padding: 3pt 5pt; text-align: left; vertical-align: top; }
th { background: #f3ebe4; } code { font-size: 9pt; }
"""


def render_html(pos: Pos, year: int | None = None) -> str:
    body = markdown.markdown(render_markdown(pos, year), extensions=["tables"])
    title = html_lib.escape(pos.title or "POS")
    return (f'<!doctype html>\n<html lang="fr"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{_CSS}</style></head><body>\n{body}\n</body></html>\n")


def render_pdf(pos: Pos, year: int | None = None) -> bytes:
    from weasyprint import HTML  # heavy import, only when a PDF is asked for

    return HTML(string=render_html(pos, year)).write_pdf()
