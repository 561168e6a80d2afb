"""API v1 for coordinators: the board's data and the provider scorecards (codes and facts only)."""

from __future__ import annotations

from datetime import datetime

from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest import abort as api_abort
from marshmallow import Schema, fields, validate

from hub.auth.access import current_actor, require_api_roles
from hub.auth.models import ADMIN, COORDINATOR
from hub.bounds import db_integer, page_number
from hub.coordination import meetings, service
from hub.coordination.board import GROUPINGS, REASONS, BoardFilters
from hub.timeutil import utcnow

blp = Blueprint("coordination_api", __name__, url_prefix="/api/v1/coordination",
                description="Coordination : tableau de suivi et fiches des prestataires")


class ScorecardQuerySchema(Schema):
    since = fields.AwareDateTime(load_default=None, metadata={"description": "targets sent from (ISO 8601)"})
    until = fields.AwareDateTime(load_default=None, metadata={"description": "targets sent before (ISO 8601)"})


class BoardQuerySchema(Schema):
    group_by = fields.String(load_default="provider", validate=validate.OneOf(GROUPINGS))
    organisation = fields.Integer(load_default=None, validate=db_integer())
    service_type = fields.String(load_default=None)
    commune = fields.String(load_default=None)
    risk = fields.String(load_default=None)
    reason = fields.String(load_default=None, validate=validate.OneOf(REASONS))
    page = fields.Integer(load_default=1, validate=page_number())
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


def _refuse(error: meetings.CoordinationError):
    api_abort(error.status, message=error.message)


@blp.route("/scorecards")
class Scorecards(MethodView):
    @require_api_roles(COORDINATOR, ADMIN)
    @blp.arguments(ScorecardQuerySchema, location="query")
    @blp.response(200)
    def get(self, args):
        """Per organisation and service: received, time to acknowledge / accept (median, p90, minutes),
        % within deadline, declines by reason, escalations."""
        now: datetime = utcnow()
        try:
            cards = service.scorecards(current_actor(), now, args["since"], args["until"])
        except meetings.CoordinationError as error:
            _refuse(error)
        return {"generated_at": now.isoformat(), "items": [c.as_dict() for c in cards]}


@blp.route("/board")
class BoardData(MethodView):
    @require_api_roles(COORDINATOR, ADMIN)
    @blp.arguments(BoardQuerySchema, location="query")
    @blp.response(200)
    def get(self, args):
        """Open referrals overdue, escalated or flagged for the coordination meeting, most late first."""
        filters = BoardFilters(args["organisation"], args["service_type"], args["commune"], args["risk"],
                               args["reason"])
        try:
            board = service.board(current_actor(), utcnow(), filters, args["group_by"], args["page"],
                                  args["per_page"])
        except meetings.CoordinationError as error:
            _refuse(error)
        return board.as_dict()
