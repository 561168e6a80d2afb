"""Numbers from outside (URL paths, JSON bodies, query strings) bounded to what the database can hold.

A larger number cannot name a row nor fit a column; left unbounded it reaches the database, where SQLite
raises OverflowError (beyond 64 bits) and PostgreSQL "integer out of range": a 500 either way. Bounded, a
path id is a 404 (no route matches) and a field a 422 naming it. Found by tests/abuse/test_openapi_fuzz.py.
"""

from __future__ import annotations

from marshmallow import validate
from werkzeug.routing import IntegerConverter

# PostgreSQL INTEGER: the type of every primary key and of the counters (free places...).
DB_INTEGER_MAX = 2**31 - 1
# Far beyond any real listing; keeps OFFSET = (page - 1) * per_page a small number.
MAX_PAGE = 100_000


class RowIdConverter(IntegerConverter):
    """The `<int:...>` URL converter, capped at DB_INTEGER_MAX (flask-smorest documents the maximum)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", DB_INTEGER_MAX)
        super().__init__(url_map, *args, **kwargs)


def db_integer(minimum: int = 0) -> validate.Range:
    return validate.Range(min=minimum, max=DB_INTEGER_MAX)


def page_number() -> validate.Range:
    return validate.Range(min=1, max=MAX_PAGE)
