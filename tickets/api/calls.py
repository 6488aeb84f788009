"""REST API for phone work: calls logged from a phone number (not on a chosen ticket) and a
ticket's to-dos (the call-back after a missed call)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.roles import acting_user
from tickets import selectors, services
from tickets.api.pagination import TimelineCursorPagination
from tickets.api.serializers import (
    CALL_SECONDS_MAX,
    MessageSerializer,
    TicketSerializer,
    UserSummarySerializer,
)
from tickets.models import CallDirection, Ticket, Todo


class CallCreateSerializer(serializers.Serializer[dict[str, Any]]):
    phone = serializers.CharField(
        max_length=64, help_text='The customer\'s number as written: "+31 6 1234 5678", "06…"'
    )
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    region = serializers.CharField(
        min_length=2,
        max_length=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="Country of a number written without country code (default: the site's)",
    )
    direction = serializers.ChoiceField(choices=CallDirection.choices)
    answered = serializers.BooleanField()
    duration_seconds = serializers.IntegerField(
        min_value=0, max_value=CALL_SECONDS_MAX, default=0, help_text="At most one day"
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class TodoSerializer(serializers.ModelSerializer[Todo]):
    done_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Todo
        fields = ["id", "ticket", "kind", "text", "message", "created_at", "done_at", "done_by"]
        read_only_fields = fields


def _ticket_or_404(request: Request, ticket_pk: int) -> Ticket:
    """The ticket if this agent may see it; 404 alike for missing and hidden."""
    ticket = selectors.ticket_find_for_user(user=acting_user(request.user), ticket_id=ticket_pk)
    if ticket is None:
        raise Http404("No such ticket")
    return ticket


@extend_schema(
    request=CallCreateSerializer,
    responses={
        201: inline_serializer(
            "LoggedCall", {"ticket": TicketSerializer(), "message": MessageSerializer()}
        )
    },
    tags=["calls"],
)
@api_view(["POST"])
def call_create(request: Request) -> Response:
    """Log a call with a phone number: the number finds the customer (or a new one); an
    inbound call joins their open ticket or opens one (a missed one adds a call-back), an
    outbound call is logged on their open ticket or a new one."""
    data = CallCreateSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    message = services.call_log_new(
        agent=acting_user(request.user),
        phone=values["phone"],
        name=values["name"],
        region=values["region"],
        direction=values["direction"],
        answered=values["answered"],
        duration_seconds=values["duration_seconds"],
        notes=values["notes"],
    )
    ticket = selectors.ticket_get(ticket_id=message.ticket_id)
    message = selectors.message_list(ticket=ticket).get(pk=message.pk)
    return Response(
        {"ticket": TicketSerializer(ticket).data, "message": MessageSerializer(message).data},
        status=status.HTTP_201_CREATED,
    )


@extend_schema(responses=TodoSerializer(many=True), tags=["tickets"])
@api_view(["GET"])
def todo_list(request: Request, ticket_pk: int) -> Response:
    """The ticket's to-dos, oldest first; `?open=true` for the ones still to do."""
    todos = selectors.todo_list(ticket=_ticket_or_404(request, ticket_pk))
    if request.query_params.get("open") in ("1", "true"):
        todos = todos.filter(done_at__isnull=True)
    paginator = TimelineCursorPagination()
    page = paginator.paginate_queryset(todos, request)
    return paginator.get_paginated_response(TodoSerializer(page, many=True).data)


@extend_schema(request=None, responses=TodoSerializer, tags=["tickets"])
@api_view(["POST"])
def todo_done(request: Request, ticket_pk: int, pk: int) -> Response:
    """Mark the to-do done (an event on the timeline); done already is not an error."""
    todo = selectors.todo_list(ticket=_ticket_or_404(request, ticket_pk)).filter(pk=pk).first()
    if todo is None:
        raise Http404("No such to-do on this ticket")
    todo = services.todo_done(todo=todo, by=acting_user(request.user))
    return Response(TodoSerializer(selectors.todo_list(ticket=todo.ticket).get(pk=todo.pk)).data)
