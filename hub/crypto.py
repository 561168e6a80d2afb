"""Encryption at rest for children's identifying data (MultiFernet over app.config["ENCRYPTION_KEYS"]).

`EncryptedText` is a column type: the model holds plain text, the database holds a Fernet token. Keys are
listed newest first: new values are encrypted with the first key, old values still decrypt with any key,
and `sira crypto rotate` re-encrypts every stored value with the newest key so an old key can be retired.
"""

from __future__ import annotations

from functools import lru_cache

import click
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import Text, cast, literal, select, update
from sqlalchemy.types import TypeDecorator

from hub.extensions import db


@lru_cache(maxsize=8)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def cipher() -> MultiFernet:
    keys = current_app.config["ENCRYPTION_KEYS"]
    if not keys:
        raise RuntimeError("ENCRYPTION_KEYS is empty: identifying data cannot be stored")
    return _multifernet(tuple(keys))


class EncryptedText(TypeDecorator):
    """A text column stored as a Fernet token; None stays NULL (so "no phone" is not a secret)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect):
        if value is None:
            return None
        return cipher().encrypt(str(value).encode()).decode("ascii")

    def process_result_value(self, value: str | None, dialect):
        if value is None:
            return None
        try:
            return cipher().decrypt(value.encode("ascii")).decode()
        except InvalidToken:
            # A key was removed before rotation: say so rather than show garbage or crash a list page.
            raise RuntimeError("an encrypted value cannot be decrypted with ENCRYPTION_KEYS "
                               "(was a key removed before `sira crypto rotate`?)") from None


def encrypted_columns():
    """(table, primary key column, [encrypted columns]) for every table that has any."""
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, EncryptedText)]
        if columns:
            yield table, next(iter(table.primary_key.columns)), columns


def rotate_all(batch: int = 500) -> int:
    """Re-encrypt every stored token with the newest key; returns how many values changed.

    Works on the raw tokens (Core, not the ORM) so that plain text never passes through Python objects
    that might be logged, and so that it needs no model code.
    """
    fernet = cipher()
    changed = 0
    for table, pk, columns in encrypted_columns():
        last = None
        while True:
            # Read the tokens as plain strings: the column type would decrypt them.
            query = select(pk, *[cast(c, Text).label(c.name) for c in columns]).order_by(pk).limit(batch)
            if last is not None:
                query = query.where(pk > last)
            rows = db.session.execute(query).all()
            if not rows:
                break
            for row in rows:
                values = {}
                for column in columns:
                    token = getattr(row, column.name)
                    if token is not None:
                        values[column.name] = fernet.rotate(token.encode("ascii")).decode("ascii")
                if values:
                    # literal(..., Text): bind the token as is, not through EncryptedText again.
                    db.session.execute(update(table).where(pk == row[0]).values(
                        {name: literal(token, Text) for name, token in values.items()}))
                    changed += len(values)
                last = row[0]
    return changed


crypto_cli = AppGroup("crypto", help="Encryption of children's identifying data.")


@crypto_cli.command("rotate")
def rotate_command() -> None:
    """Re-encrypt every identifying field with the newest key of SIRA_ENCRYPTION_KEYS."""
    changed = rotate_all()
    db.session.commit()
    click.echo(f"{changed} encrypted value(s) re-encrypted with the newest key")
