"""`sira demo load`: the demo Bamako directory and demo accounts for `make run` (idempotent).

Each capability adds its loader to DEMO_LOADERS: a dotted path to a function that takes no argument,
loads its demo rows if they are missing, and returns lines to print (e.g. how to log in).
"""

import click
from flask.cli import AppGroup

from hub.dispatch import resolve
from hub.extensions import db

DEMO_LOADERS: list[str] = [
    "directory.demo.load_demo_directory",
    "hub.referrals.demo.load_demo_accounts",
]

demo_cli = AppGroup("demo", help="Demo data for trainings and `make run` (fictitious contacts only).")


@demo_cli.command("load")
def load_demo() -> None:
    """Load every demo data set that is missing; running it twice changes nothing."""
    lines: list[str] = []
    for path in DEMO_LOADERS:
        lines.extend(resolve(path)() or [])
        db.session.commit()
    click.echo("Sira demo data ready." if not lines else "\n".join(lines))
