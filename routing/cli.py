"""`sira pos check | explain | render`: the POS for the people who write it and validate it (in French)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup

from directory.taxonomy import CONTACT_ROLES, label
from hub.timeutil import utcnow
from routing.calendar import CLOCK_WORKING, Duration
from routing.evaluate import Decision, evaluate
from routing.labels import CLOCK_FR, service_type_fr, when_fr
from routing.loader import PosError, check_pos, load_pos
from routing.pos import Pos
from routing.view import DirectoryView, ReferralFacts

pos_cli = AppGroup("pos", help="La POS (procédures opérationnelles standards) : vérifier, expliquer, imprimer.")

# Where `sira pos explain` finds the directory when no --directory file is given: the first of these
# dotted paths that imports; each is a function of no argument returning a routing.view.DirectoryView.
# The app config key ROUTING_DIRECTORY_VIEW, when set, comes first.
DIRECTORY_VIEW_PROVIDERS = ("hub.referrals.routing_port.directory_view",)


def _pos_from(path: str | None) -> Pos:
    if path:
        return load_pos(Path(path))
    from routing.store import active_pos

    return active_pos(record=False)


@pos_cli.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def check_command(file: str) -> None:
    """Vérifie un fichier POS : chaque erreur avec sa ligne et son chemin ; code de sortie 1 si erreur."""
    pos, issues = check_pos(Path(file))
    for issue in issues:
        click.echo(str(issue))
    errors = sum(1 for i in issues if i.severity == "error")
    warnings = len(issues) - errors
    if pos is None:
        click.echo(f"{file} : {errors} erreur(s), {warnings} avertissement(s). POS refusée.")
        sys.exit(1)
    click.echo(f"{file} : POS « {pos.version} » valide (sha256 {pos.content_hash[:12]}) — "
               f"{len(pos.rules)} règles, {len(pos.risk_levels)} niveaux de risque, "
               f"{warnings} avertissement(s).")


def _directory_view(directory_file) -> DirectoryView:
    if directory_file is not None:
        data = json.load(directory_file)
        if isinstance(data, dict):
            return DirectoryView.from_dicts(data.get("services", []), data.get("quartier_communes"))
        return DirectoryView.from_dicts(data)
    from hub.dispatch import resolve

    candidates = [current_app.config.get("ROUTING_DIRECTORY_VIEW"), *DIRECTORY_VIEW_PROVIDERS]
    for path in filter(None, candidates):
        try:
            provider = resolve(path)
        except (ImportError, AttributeError):
            continue
        return provider()
    raise click.UsageError("aucun répertoire disponible : donner --directory FICHIER.json "
                           "(une liste de services au format ProviderService)")


def _parse_at(text: str | None, pos: Pos) -> datetime:
    if not text:
        return utcnow()
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"date ISO attendue, par exemple 2026-05-15T15:00 (reçu « {text} »)") from None
    if instant.tzinfo is None:   # a time typed at a workshop is Bamako time
        instant = instant.replace(tzinfo=ZoneInfo(pos.calendar.timezone))
    return instant


@pos_cli.command("explain")
@click.option("--facts", "facts_file", required=True, type=click.File(encoding="utf-8"),
              help="Faits de l'orientation (JSON, champs de ReferralFacts).")
@click.option("--at", "at", default=None, help="Moment de l'orientation (ISO ; heure de Bamako si sans fuseau).")
@click.option("--pos", "pos_file", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Fichier POS (par défaut : la POS active).")
@click.option("--directory", "directory_file", default=None, type=click.File(encoding="utf-8"),
              help="Répertoire (JSON : liste de services) au lieu de la base de données.")
@click.option("--json", "as_json", is_flag=True, help="La décision complète en JSON.")
def explain_command(facts_file, at, pos_file, directory_file, as_json) -> None:
    """Montre la décision d'orientation pour des faits donnés, avec chaque motif, en français."""
    try:
        pos = _pos_from(pos_file)
    except PosError as error:
        raise click.ClickException(str(error)) from None
    try:
        facts = ReferralFacts.from_dict(json.load(facts_file))
    except (ValueError, TypeError) as error:
        raise click.ClickException(f"faits illisibles : {error}") from None
    decision = evaluate(facts, pos, _directory_view(directory_file), _parse_at(at, pos))
    if as_json:
        click.echo(json.dumps(decision.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(explain_text(decision, pos))


def explain_text(decision: Decision, pos: Pos) -> str:
    zone = pos.calendar.timezone
    level = pos.risk_levels[decision.risk]
    lines = [
        f"POS {decision.pos_version} (sha256 {decision.pos_hash[:12]}) — orientation du {when_fr(decision.evaluated_at, zone)}"
        f" ({zone})",
        f"Risque : {level.label}" + (f" (demandé : {pos.risk_levels[decision.requested_risk].label})"
                                     if decision.requested_risk != decision.risk else "")
        + f" — horloge : {CLOCK_FR[decision.clock]}",
    ]
    if decision.targets:
        first = decision.targets[0]
        lines.append(f"Accusé de réception avant : {when_fr(first.ack_deadline, zone)} "
                     f"({decision.acknowledge_within.french(decision.clock)})")
        lines.append(f"Décision avant : {when_fr(first.decision_deadline, zone)} si l'accusé de réception est "
                     f"immédiat ({decision.decide_within.french(decision.clock)} après l'accusé de réception)")
    rules = {rule.id: rule for rule in pos.rules}
    lines += ["", "Règles appliquées :"]
    lines += [f"  - {rule_id} : {rules[rule_id].title}" for rule_id in decision.rules_applied] or ["  (aucune)"]
    lines += ["", "Besoins : " + (", ".join(service_type_fr(n) for n in decision.needs) or "(aucun)")]

    lines += ["", "Prestataires retenus :"]
    for target in decision.targets:
        flag = " [OBLIGATOIRE]" if target.mandatory else ""
        lines.append(f"  {service_type_fr(target.need)}{flag} — {target.rank}. {target.organisation_acronym} "
                     f"({target.organisation_name}, service {target.service_id})")
        lines.append(f"      {target.reason}")
        if target.contacts:
            lines.append("      Contacts dans l'ordre : " + ", ".join(
                f"{c['contact_id']} ({label(CONTACT_ROLES, c['role']).lower()} : "
                f"{'/'.join(c['channels']) or 'aucun canal'})"
                for c in target.contacts))
    if not decision.targets:
        lines.append("  (aucun)")
    if decision.alternatives:
        lines += ["", "En réserve pour une réorientation :"]
        lines += [f"  {service_type_fr(a.need)} — {a.rank}. {a.organisation_acronym} (service {a.service_id})"
                  for a in decision.alternatives]
    if decision.left_out:
        lines += ["", "Prestataires écartés :"]
        lines += [f"  {service_type_fr(x.need)} — {x.organisation_acronym} (service {x.service_id}) : {x.explanation}"
                  for x in decision.left_out]
    if decision.unmet:
        lines += ["", "Besoins non couverts :"]
        lines += [f"  - {u.explanation}" for u in decision.unmet]
    if decision.notes:
        lines += ["", "Remarques :"]
        lines += [f"  - {note}" for note in decision.notes]
    ladder = decision.escalation
    clock = ladder["clock"]
    lines += ["", f"Escalade sans réponse ({ladder['risk_label']}, {CLOCK_FR[clock]}) :"]
    for step in ladder["steps"]:
        wait = Duration.from_dict(step["wait"]).french(clock)
        lines.append(f"  {step['index']}. après {wait} : {step['label']}")
    if clock == CLOCK_WORKING:
        lines.append("  (les attentes ne courent que pendant les heures ouvrées)")
    return "\n".join(lines)


@pos_cli.command("render")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "pdf"]), default="md", show_default=True)
@click.option("--out", "out", default=None, type=click.Path(dir_okay=False), help="Fichier de sortie.")
@click.option("--pos", "pos_file", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Fichier POS (par défaut : la POS active).")
def render_command(fmt, out, pos_file) -> None:
    """Imprime la POS comme document lisible (Markdown, HTML ou PDF) pour l'atelier de validation."""
    from routing.render import render_html, render_markdown, render_pdf

    try:
        pos = _pos_from(pos_file)
    except PosError as error:
        raise click.ClickException(str(error)) from None
    year = utcnow().year
    content: bytes
    if fmt == "pdf":
        content = render_pdf(pos, year)
    else:
        content = (render_html(pos, year) if fmt == "html" else render_markdown(pos, year)).encode("utf-8")
    if out:
        Path(out).write_bytes(content)
        click.echo(f"POS {pos.version} écrite dans {out} ({len(content)} octets).")
    else:
        click.get_binary_stream("stdout").write(content)
