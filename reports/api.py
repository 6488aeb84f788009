"""`/api/v1/metrics/<group>/`: the reports' figures as JSON, for the filter in the query
string. Managers see everything; agents only their own figures (the agent is forced to
them; another agent's id answers 403). A bad filter answers 400 with the reason."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.roles import acting_user
from reports.access import ReportForbidden, filter_for
from reports.figures.backlog import backlog
from reports.figures.chasing import chasing
from reports.figures.compliance import compliance
from reports.figures.definitions import DEFINITIONS
from reports.figures.forecast import forecast
from reports.figures.response_times import response_times
from reports.figures.satisfaction import satisfaction
from reports.figures.sla_now import sla_now
from reports.figures.volume import volume
from reports.filters import ReportFilter, ReportFilterError
from tickets.models import Channel
from tickets.permissions import IsAgent

# URL name → figure function; each takes (filter, viewer=…).
GROUPS: dict[str, Callable[..., Any]] = {
    "compliance": compliance,
    "response-times": response_times,
    "backlog": backlog,
    "sla": sla_now,
    "volume": volume,
    "chasing": chasing,
    "satisfaction": satisfaction,
    "forecast": forecast,
}

FILTER_PARAMETERS = [
    OpenApiParameter(
        "from", OpenApiTypes.DATE, description="First day, inclusive (default: 29 days before `to`)"
    ),
    OpenApiParameter(
        "to",
        OpenApiTypes.DATE,
        description="Last day, inclusive (default: today, in the organisation's time zone)",
    ),
    OpenApiParameter("channel", str, enum=Channel.values, description="Ticket channel"),
    OpenApiParameter("team", int, description="Ticket team"),
    OpenApiParameter(
        "agent",
        int,
        description="Assignee (for CSAT: the agent who solved); agents may only give their own id",
    ),
]


def _jsonable(value: Any) -> Any:
    """Dataclasses to dicts, dates and datetimes to ISO strings, tuples to lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: _jsonable(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def metrics(request: Request, group: str) -> Response:
    user = acting_user(request.user)
    try:
        requested = ReportFilter.from_query(request.query_params, today=timezone.localdate())
        allowed = filter_for(requested, user)
    except ReportFilterError as error:
        raise ValidationError({"detail": str(error)}) from error
    except ReportForbidden as error:
        raise PermissionDenied(str(error)) from error
    figures = GROUPS[group](allowed, viewer=user)
    return Response(
        {
            "filter": allowed.to_query(),
            "definition": str(DEFINITIONS[group]),
            "figures": _jsonable(figures),
        }
    )


def _view(group: str) -> Any:
    function = GROUPS[group]

    @extend_schema(
        operation_id=f"metrics_{group.replace('-', '_')}",
        summary=(function.__doc__ or "").split(".")[0],
        description=function.__doc__,
        parameters=FILTER_PARAMETERS,
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="`filter` (the query string applied), `definition`, `figures`",
            ),
            400: OpenApiResponse(description="A filter that cannot be read; `detail` says why"),
            403: OpenApiResponse(description="An agent asked for another agent's figures"),
        },
        tags=["metrics"],
    )
    @api_view(["GET"])
    @permission_classes([IsAgent])
    def view(request: Request) -> Response:
        return metrics(request, group)

    view.cls.__name__ = f"Metrics{group.title().replace('-', '')}View"
    return view


VIEWS: dict[str, Any] = {group: _view(group) for group in GROUPS}
