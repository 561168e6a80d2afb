"""The JSON API (flask-smorest): OpenAPI at /api/v1/openapi.json, errors that name the field.

Each capability defines a `flask_smorest.Blueprint` and adds it to API_BLUEPRINTS (dotted paths) so that
registration stays in one place.
"""

from http import HTTPStatus

from flask import Flask
from flask_smorest import Api, Blueprint

api = Api()

# Never registered: it only lends flask-smorest's documentation decorators to code outside a blueprint.
_documentation = Blueprint("api_documentation", __name__)


def documents_errors(*statuses: int):
    """Declare the error statuses a view may answer (flask-smorest's standard error body) so that the
    OpenAPI description lists every status a client can get: tests/abuse/test_openapi_fuzz.py holds each
    operation to the statuses it documents."""

    def decorator(view):
        for status in statuses:
            view = _documentation.alt_response(status, response=HTTPStatus(status).name)(view)
        return view

    return decorator


API_BLUEPRINTS: list[str] = [
    "hub.referrals.api.blp",
    "directory.api.bp",
    "directory.api.hsds_bp",
    "hub.coordination.api.blp",
]


def init_api(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Sira API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "Sira — inter-agency child-protection referrals (Bamako POS)."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    })
    api.init_app(app)
    from hub.dispatch import resolve

    for path in API_BLUEPRINTS:
        api.register_blueprint(resolve(path))
