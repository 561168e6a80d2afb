"""Which format a file is, and the export / import entry points the CLI, the API and the tests call."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.exchange import hsds_json, sheet, tabular
from directory.exchange.records import DirectoryData, ImportRejected, Problem
from directory.exchange.store import ImportReport, Progress, import_directory, read_directory
from directory.models import ServiceType

FORMATS = ("hsds-json", "hsds-csv", "csv")


def type_labels(session: Session) -> dict[str, tuple[str, str]]:
    return {t.code: (t.label_fr, t.label_en) for t in session.scalars(select(ServiceType))}


def export_directory(session: Session, fmt: str, out: Path) -> int:
    """Write the whole directory to `out`; returns the number of services written."""
    data = read_directory(session)
    if fmt == "hsds-json":
        out.write_text(hsds_json.dumps(hsds_json.to_hsds(data, type_labels(session))), encoding="utf-8")
    elif fmt == "hsds-csv":
        tabular.write(hsds_json.to_hsds(data, type_labels(session)), out)
    elif fmt == "csv":
        out.write_text(sheet.dumps(data), encoding="utf-8")
    else:
        raise ValueError(f"unknown format {fmt!r} ({', '.join(FORMATS)})")
    return len(data.services)


def detect_format(path: Path) -> str:
    if path.is_dir() or path.suffix.lower() == ".zip" or path.name == "datapackage.json":
        return "hsds-csv"
    if path.suffix.lower() == ".json":
        return "hsds-json"
    if path.suffix.lower() == ".csv":
        return "csv"
    raise ImportRejected([Problem(path.name, "", "format inconnu : .json (HSDS), .zip ou dossier (paquet "
                                                 "tabulaire HSDS) ou .csv (feuille unique)")])


def parse_file(path: Path) -> DirectoryData:
    fmt = detect_format(path)
    if fmt == "hsds-json":
        return hsds_json.loads(_read_text(path), path.name)
    if fmt == "hsds-csv":
        return hsds_json.from_hsds(tabular.read(path.parent if path.name == "datapackage.json" else path),
                                   path.name)
    return sheet.loads(_read_text(path), path.name)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRejected([Problem(path.name, "", f"le fichier n'est pas en UTF-8 (octet {error.start})")]) \
            from None


def import_file(session: Session, path: Path, *, dry_run: bool = False,
                progress: Progress | None = None) -> ImportReport:
    return import_directory(session, parse_file(path), dry_run=dry_run, progress=progress)
