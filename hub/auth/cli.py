"""`sira users …` and `sira tokens …`."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from directory.models import Organisation
from hub.auth.models import ROLES, ApiToken, User
from hub.auth.service import create_user, find_user_by_email
from hub.extensions import db
from hub.timeutil import utcnow

users_cli = AppGroup("users", help="Manage user accounts.")
tokens_cli = AppGroup("tokens", help="Manage API tokens.")


def _organisation(reference: str) -> Organisation:
    query = select(Organisation).where(
        (Organisation.acronym == reference) | (Organisation.name == reference)
        | (Organisation.id == (int(reference) if reference.isdigit() else -1))
    )
    organisation = db.session.scalar(query)
    if organisation is None:
        raise click.BadParameter(f"no organisation named {reference!r} (name, acronym or id)", param_hint="--org")
    return organisation


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", default=None, help="Display name (default: the e-mail).")
@click.option("--org", "org", required=True, help="Organisation name, acronym or id.")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.password_option(prompt="Mot de passe / password")
def create_user_command(email, name, org, role, password):
    """Create a user who belongs to an organisation of the directory."""
    if find_user_by_email(email):
        raise click.BadParameter(f"{email} already has an account", param_hint="--email")
    user = create_user(email, name or email, role, _organisation(org).id, password)
    db.session.commit()
    click.echo(f"user #{user.id} {user.email} ({user.role}) created")


@tokens_cli.command("create")
@click.option("--user", "email", required=True, help="The user's e-mail.")
@click.option("--name", default="cli", help="What the token is for.")
def create_token_command(email, name):
    """Issue an API token; it is printed once and only its hash is stored."""
    user = find_user_by_email(email)
    if user is None:
        raise click.BadParameter(f"no user {email}", param_hint="--user")
    token, plain = ApiToken.issue(user, name)
    db.session.add(token)
    db.session.commit()
    click.echo(plain)


@tokens_cli.command("revoke")
@click.option("--user", "email", required=True)
def revoke_tokens_command(email):
    """Revoke every token of a user."""
    user = find_user_by_email(email)
    if user is None:
        raise click.BadParameter(f"no user {email}", param_hint="--user")
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                       ApiToken.revoked_at.is_(None))).all()
    for token in tokens:
        token.revoked_at = utcnow()
    db.session.commit()
    click.echo(f"{len(tokens)} token(s) revoked")


@users_cli.command("list")
def list_users_command():
    for user in db.session.scalars(select(User).order_by(User.email)):
        click.echo(f"{user.email}\t{user.role}\t{user.organisation.display_name}")
