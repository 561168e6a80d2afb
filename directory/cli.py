"""`sira directory …`: load the demo, import and export (HSDS JSON, HSDS tabular package, one-sheet CSV)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from directory.demo import load_demo_directory
from directory.exchange.formats import FORMATS, export_directory, parse_file
from directory.exchange.records import ImportRejected
from directory.exchange.store import import_directory
from hub.audit import Actor, record
from hub.extensions import db

directory_cli = AppGroup("directory", help="The service directory.")

# Below this many records a progress bar is noise.
PROGRESS_FROM = 200


@directory_cli.command("load-demo")
def load_demo_command() -> None:
    """Load the demo directory of Bamako (fictitious contacts); running it twice changes nothing."""
    lines = load_demo_directory()
    db.session.commit()
    click.echo("\n".join(lines) or "Annuaire de démonstration déjà chargé.")


@directory_cli.command("import")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report, write nothing.")
def import_command(file: Path, dry_run: bool) -> None:
    """Import FILE (.json HSDS, .zip or folder HSDS tabular package, .csv one sheet): all or nothing."""
    try:
        data = parse_file(file)
        if data.size >= PROGRESS_FROM and not dry_run:
            with click.progressbar(length=data.size, label="Import") as bar:
                report = import_directory(db.session, data, progress=bar.update)
        else:
            report = import_directory(db.session, data, dry_run=dry_run)
    except ImportRejected as rejected:
        db.session.rollback()
        click.echo(f"Fichier refusé, rien n'a été importé ({len(rejected.problems)} problème(s)) :", err=True)
        for problem in rejected.problems:
            click.echo(f"  - {problem}", err=True)
        raise SystemExit(1) from None
    for warning in report.warnings:
        click.echo(f"  avertissement : {warning}")
    if dry_run:
        db.session.rollback()
    else:
        record(Actor.system("cli"), "directory.import", "directory", file.name,
               {"created": report.created, "updated": report.updated})
        db.session.commit()
    click.echo(report.summary())


@directory_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.argument("out", type=click.Path(path_type=Path))
def export_command(fmt: str, out: Path) -> None:
    """Export the whole directory to OUT (a .json, a folder or .zip for hsds-csv, a .csv)."""
    count = export_directory(db.session, fmt, out)
    click.echo(f"{count} services exportés vers {out}")
