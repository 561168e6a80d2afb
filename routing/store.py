"""The POS in use: read from the configured file, recorded in `pos_version`, parsed once per content hash.

An edited POS takes effect without a restart: each call stat()s the file and reads it again only when its
modification time or size changed (every SMS reply asks for the POS); parsing is cached by content hash. Recording a version only adds it to the session: the caller's commit (the
referral it routes) makes it permanent, in the same transaction.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from hub.extensions import db
from hub.timeutil import utcnow
from routing.loader import DEFAULT_POS_PATH, load_pos
from routing.models import PosVersion
from routing.pos import Pos

_parsed: dict[str, Pos] = {}
_read: dict[tuple, tuple[bytes, Pos]] = {}  # (path, mtime, size) of a file read -> its bytes and POS
_lock = threading.Lock()


def configured_pos_path() -> Path:
    """`POS_FILE` (or the older `POS_PATH`) from the app config, else the shipped Bamako POS."""
    configured = current_app.config.get("POS_FILE") or current_app.config.get("POS_PATH")
    return Path(configured) if configured else DEFAULT_POS_PATH


def _parse(raw: bytes) -> Pos:
    content_hash = hashlib.sha256(raw).hexdigest()
    with _lock:
        pos = _parsed.get(content_hash)
    if pos is None:
        pos = load_pos(raw)
        with _lock:
            _parsed[content_hash] = pos
    return pos


def _read_file(path: Path) -> tuple[bytes, Pos]:
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _lock:
        known = _read.get(key)
    if known is None:
        raw = path.read_bytes()
        known = (raw, _parse(raw))
        with _lock:
            if len(_read) > 8:  # earlier versions of edited files
                _read.clear()
            _read[key] = known
    return known


def active_pos(record: bool = True) -> Pos:
    """The POS new referrals are routed with. Raises `routing.PosError` when the file is broken."""
    raw, pos = _read_file(configured_pos_path())
    if record:
        record_version(pos, raw.decode("utf-8"))
    return pos


def record_version(pos: Pos, content: str) -> PosVersion:
    """The row of this content (added if new), marked as the only active one. Flushes, never commits."""
    row = db.session.scalar(select(PosVersion).where(PosVersion.content_hash == pos.content_hash))
    if row is None:
        new_row = PosVersion(version=pos.version, content_hash=pos.content_hash, content=content,
                             loaded_at=utcnow(), active=True)
        if db.engine.dialect.name == "sqlite":
            # One process, writers serialised; and the sqlite3 module keeps the file locked after a
            # SAVEPOINT, which would block the jobs that run after this commit.
            db.session.add(new_row)
            row = new_row
        else:
            try:
                with db.session.begin_nested():   # another process may record the same file at once
                    db.session.add(new_row)
                row = new_row
            except IntegrityError:
                row = db.session.scalar(select(PosVersion).where(PosVersion.content_hash == pos.content_hash))
    if not row.active or db.session.scalar(
            select(PosVersion.id).where(PosVersion.active.is_(True), PosVersion.id != row.id).limit(1)):
        db.session.execute(update(PosVersion).where(PosVersion.id != row.id).values(active=False))
        row.active = True
    db.session.flush()
    return row


def pos_for_hash(content_hash: str) -> Pos | None:
    """The exact POS a referral was routed with (its snapshot keeps the hash), or None if never recorded."""
    with _lock:
        pos = _parsed.get(content_hash)
    if pos is not None:
        return pos
    row = db.session.scalar(select(PosVersion).where(PosVersion.content_hash == content_hash))
    return _parse(row.content.encode("utf-8")) if row is not None else None


def clear_cache() -> None:
    with _lock:
        _parsed.clear()
        _read.clear()
