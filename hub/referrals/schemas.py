"""Marshmallow schemas shared by the API and the web form: one definition of a valid referral."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from directory.taxonomy import LANGUAGES, SERVICE_TYPE_CODES, SEXES, STATUSES
from hub.bounds import db_integer, page_number
from hub.referrals import lifecycle
from hub.referrals.models import CONSENT_GIVERS, CONSENT_KINDS, CONSENT_METHODS

RISK_LEVELS = ("urgence", "eleve", "moyen", "faible")


def _one_of(choices):
    return validate.OneOf(choices, error="Valeur inconnue ; attendu : {choices}.")


class ChildSchema(Schema):
    # Identifying (encrypted at rest)
    given_name = fields.String(load_default=None, validate=validate.Length(max=200))
    family_name = fields.String(load_default=None, validate=validate.Length(max=200))
    date_of_birth = fields.Date(load_default=None)
    phone = fields.String(load_default=None, validate=validate.Length(max=40))
    family_contacts = fields.String(load_default=None, validate=validate.Length(max=4000))
    narrative = fields.String(load_default=None, validate=validate.Length(max=20000))
    # Routing facts
    age_years = fields.Integer(load_default=None, validate=validate.Range(0, 17, error="Âge de 0 à 17 ans."))
    age_min = fields.Integer(load_default=None, validate=validate.Range(0, 17))
    age_max = fields.Integer(load_default=None, validate=validate.Range(0, 17))
    sex = fields.String(load_default=None, validate=_one_of(SEXES))
    unaccompanied = fields.Boolean(load_default=False)
    separated = fields.Boolean(load_default=False)
    nationality = fields.String(load_default=None, validate=validate.Length(max=60))
    status = fields.String(load_default=None, validate=_one_of(STATUSES))
    quartier = fields.String(load_default=None, validate=validate.Length(max=80))
    languages = fields.List(fields.String(validate=_one_of(LANGUAGES)), load_default=list)
    trafficking_suspected = fields.Boolean(load_default=False)

    @validates_schema
    def _age_range(self, data, **_):
        low, high = data.get("age_min"), data.get("age_max")
        if low is not None and high is not None and low > high:
            raise ValidationError("L'âge minimum dépasse l'âge maximum.", "age_max")


class ConsentSchema(Schema):
    kind = fields.String(required=True, validate=_one_of(CONSENT_KINDS))
    given_by = fields.String(load_default=None, validate=_one_of(CONSENT_GIVERS))
    method = fields.String(load_default=None, validate=_one_of(CONSENT_METHODS))
    at = fields.AwareDateTime(load_default=None, default_timezone=None)
    best_interests_justification = fields.String(load_default=None, validate=validate.Length(max=4000))


class ReferralCreateSchema(Schema):
    child = fields.Nested(ChildSchema, required=True)
    risk_level = fields.String(required=True, validate=_one_of(RISK_LEVELS))
    needs = fields.List(fields.String(validate=_one_of(sorted(SERVICE_TYPE_CODES))), required=True,
                        validate=validate.Length(min=1, error="Au moins un besoin."))
    # Not required by the schema: the service refuses a referral without consent with its own message.
    consent = fields.Nested(ConsentSchema, load_default=None, allow_none=True)


class PreviewSchema(ReferralCreateSchema):
    pass


class TransitionSchema(Schema):
    reason_code = fields.String(load_default=None, validate=validate.Length(max=40))
    reason_text = fields.String(load_default=None, validate=validate.Length(max=2000))
    outcome = fields.String(load_default=None, validate=validate.Length(max=2000))


class ReferralQuerySchema(Schema):
    state = fields.String(load_default=None, validate=_one_of(("open", "closed") + lifecycle.STATES))
    overdue = fields.Boolean(load_default=None)
    organisation = fields.Integer(load_default=None, validate=db_integer())
    risk = fields.String(load_default=None, validate=_one_of(RISK_LEVELS))
    since = fields.AwareDateTime(load_default=None, default_timezone=None)
    page = fields.Integer(load_default=1, validate=page_number())
    per_page = fields.Integer(load_default=25, validate=validate.Range(1, 100))


class DetailQuerySchema(Schema):
    reason = fields.String(load_default=None, validate=validate.Length(max=500))  # coordinator break-glass


class FhirQuerySchema(Schema):
    since = fields.AwareDateTime(load_default=None, default_timezone=None)
    page = fields.Integer(load_default=1, validate=page_number())
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 200))
