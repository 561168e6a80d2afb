"""The `sira` command: Flask's CLI (run, shell, routes), Flask-Migrate's `db`, and Sira's own groups."""

import click
from flask.cli import FlaskGroup

from hub import create_app


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), help="Sira — child-protection referral hub.")
def main() -> None:
    pass
