"""REST API for tickets, their messages and timeline, teams, and customer merges."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from customers.api import CustomerSerializer
from customers.models import Customer, Identity
from customers.selectors import customer_get
from customers.services import MergeError
from tickets import selectors, services
from tickets.models import (
    Attachment,
    CallDirection,
    Channel,
    Message,
    Priority,
    Status,
    Team,
    Ticket,
    TicketEvent,
)
from tickets.permissions import IsAgent
from tickets.selectors import sla_state

User = get_user_model()

PRIORITY_NAMES = {p.value: p.name.lower() for p in Priority}
PRIORITY_VALUES = {name: value for value, name in PRIORITY_NAMES.items()}


class PriorityField(serializers.ChoiceField):
    """Priorities travel as words (low, normal, high, urgent); stored as ordered integers."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=list(PRIORITY_VALUES), **kwargs)

    def to_representation(self, value: Any) -> str:
        return PRIORITY_NAMES[int(value)]

    def to_internal_value(self, data: Any) -> Any:
        return PRIORITY_VALUES[super().to_internal_value(data)]


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")


class CustomerSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TeamSerializer(serializers.ModelSerializer):
    lead = UserSummarySerializer(read_only=True)
    members = UserSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "lead", "members", "is_default"]


class TicketSerializer(serializers.ModelSerializer):
    number = serializers.IntegerField(read_only=True)
    priority = PriorityField()
    customer = CustomerSummarySerializer(read_only=True)
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    team = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField(
        help_text="Every SLA clock of the ticket: due time, remaining time and its state "
        "(on_track, at_risk, breached, paused, met, met_late, cancelled)"
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "subject",
            "status",
            "priority",
            "channel",
            "customer",
            "assignee",
            "team",
            "tags",
            "follow_up_of",
            "merged_into",
            "unanswered_contacts",
            "repeat_contacts",
            "latest_inbound_channel",
            "last_inbound_at",
            "first_ack_at",
            "first_human_reply_at",
            "solved_at",
            "closed_at",
            "sla",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_sla(self, ticket: Ticket) -> list[dict[str, Any]]:
        now = timezone.now()
        return [sla_state(timer, now=now) for timer in ticket.sla_timers.all()]

    def get_team(self, ticket: Ticket) -> dict[str, Any] | None:
        return {"id": ticket.team.pk, "name": ticket.team.name} if ticket.team else None


class MessagingWindowSerializer(serializers.Serializer):
    channel = serializers.CharField()
    open = serializers.BooleanField(help_text="A free-text reply is possible now")
    closes_at = serializers.DateTimeField(
        allow_null=True, help_text="24 h after the customer's last message there"
    )
    template_allowed = serializers.BooleanField(
        help_text="An approved template may be sent outside the window (WhatsApp)"
    )


class TicketDetailSerializer(TicketSerializer):
    """One ticket, with what the agent needs before typing a reply: the social channels'
    messaging windows (context `messaging_windows`, from `selectors.messaging_windows`)."""

    messaging_windows = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "messaging_windows"]
        read_only_fields = fields

    @extend_schema_field(MessagingWindowSerializer(many=True))
    def get_messaging_windows(self, ticket: Ticket) -> list[dict[str, Any]]:
        windows = self.context.get("messaging_windows", [])
        return list(MessagingWindowSerializer(windows, many=True).data)


class TicketUpdateSerializer(serializers.Serializer):
    subject = serializers.CharField(
        max_length=300, required=False, help_text="Trimmed; may not be blank"
    )
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    priority = PriorityField(required=False)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), allow_null=True, required=False
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), allow_null=True, required=False
    )
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False)


class TicketCreateSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    subject = serializers.CharField(max_length=300)
    channel = serializers.ChoiceField(choices=Channel.choices)
    priority = PriorityField(required=False)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), allow_null=True, required=False
    )


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Download link (agents only)")

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "content_id", "is_inline", "url"]

    def get_url(self, attachment: Attachment) -> str:
        url = reverse("attachment-download", kwargs={"pk": attachment.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class MessageSerializer(serializers.ModelSerializer):
    author_user = UserSummarySerializer(read_only=True, allow_null=True)
    author_customer = CustomerSummarySerializer(read_only=True, allow_null=True)
    identity = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)
    full_text = serializers.SerializerMethodField(
        help_text="The whole text when body_text was trimmed (quotes, signature), else empty"
    )
    mime_defects = serializers.SerializerMethodField(
        help_text="What the email parser had to work around (malformed MIME), if anything"
    )
    omitted_attachments = serializers.SerializerMethodField(
        help_text="Attachments the customer sent that were not stored (over the size limit)"
    )
    cleaned = serializers.SerializerMethodField(
        help_text="Characters removed from the message because they cannot be stored (NUL, "
        'lone surrogates), per field and code point: {"body_text": {"U+0000": 2}}; empty '
        "when nothing was removed"
    )

    class Meta:
        model = Message
        fields = [
            "id",
            "ticket",
            "direction",
            "channel",
            "author_user",
            "author_customer",
            "identity",
            "subject",
            "body_text",
            "body_html",
            "provider_message_id",
            "is_automatic",
            "delivery_state",
            "delivery_error",
            "sent_at",
            "delivered_at",
            "call_direction",
            "call_answered",
            "call_duration_seconds",
            "attachments",
            "full_text",
            "mime_defects",
            "omitted_attachments",
            "cleaned",
            "sent_by_customer_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_full_text(self, message: Message) -> str:
        return str(message.meta.get("full_text", ""))

    def get_mime_defects(self, message: Message) -> list[str]:
        return list(message.meta.get("mime_defects", []))

    def get_omitted_attachments(self, message: Message) -> list[str]:
        return list(message.meta.get("omitted_attachments", []))

    def get_cleaned(self, message: Message) -> dict[str, dict[str, int]]:
        return dict(message.meta.get("cleaned") or {})

    def get_identity(self, message: Message) -> dict[str, Any] | None:
        identity = message.identity
        return (
            {"id": identity.pk, "kind": identity.kind, "value": identity.value}
            if identity
            else None
        )


class TemplateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=512, help_text="An approved WhatsApp template")
    language = serializers.CharField(max_length=16, help_text="e.g. en_US, nl, pl")


class MessageCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["reply", "note"], help_text="public reply or internal note"
    )
    body_text = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="May be empty for a template"
    )
    body_html = serializers.CharField(required=False, allow_blank=True)
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, help_text="Default: the customer's latest channel"
    )
    identity = serializers.PrimaryKeyRelatedField(queryset=Identity.objects.all(), required=False)
    template = TemplateSerializer(
        required=False,
        help_text="WhatsApp only: send this approved template (allowed outside the 24 h window)",
    )


class CallLogSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=CallDirection.choices)
    answered = serializers.BooleanField()
    duration_seconds = serializers.IntegerField(min_value=0, default=0)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class TicketEventSerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "text", "actor", "message", "data", "created_at"]


class MergeSerializer(serializers.Serializer):
    into = serializers.IntegerField(help_text="id of the surviving record")


class MoveSerializer(serializers.Serializer):
    to_ticket = serializers.IntegerField(
        required=False, allow_null=True, help_text="omit to split off"
    )


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices)
    priority = django_filters.CharFilter(method="filter_priority")
    assignee = django_filters.CharFilter(
        method="filter_assignee", help_text="user id, 'me' or 'none'"
    )
    team = django_filters.NumberFilter(field_name="team_id")
    customer = django_filters.NumberFilter(field_name="customer_id")
    tag = django_filters.CharFilter(method="filter_tag")

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_priority(
        self, queryset: QuerySet[Ticket], name: str, value: str
    ) -> QuerySet[Ticket]:
        if value not in PRIORITY_VALUES:
            raise serializers.ValidationError({"priority": f"one of {', '.join(PRIORITY_VALUES)}"})
        return queryset.filter(priority=PRIORITY_VALUES[value])

    def filter_assignee(
        self, queryset: QuerySet[Ticket], name: str, value: str
    ) -> QuerySet[Ticket]:
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if not value.isdigit():
            raise serializers.ValidationError({"assignee": "a user id, 'me' or 'none'"})
        return queryset.filter(assignee_id=int(value))

    def filter_tag(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        return queryset.filter(tags__contains=[value.lower()])


def _service_call(func: Any, **kwargs: Any) -> Any:
    """Turn a service's refusal into a 400 with its reason."""
    try:
        return func(**kwargs)
    except (services.TicketError, MergeError) as exc:
        raise serializers.ValidationError({"detail": str(exc)}) from exc


class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TicketSerializer
    filterset_class = TicketFilter

    def get_queryset(self) -> QuerySet[Ticket]:
        return selectors.ticket_list()

    def get_object(self) -> Ticket:
        try:
            # The SLA clocks only where the ticket itself is shown, not for its sub-lists.
            return selectors.ticket_get(
                ticket_id=int(self.kwargs["pk"]), with_sla=self.action != "events"
            )
        except (Ticket.DoesNotExist, ValueError):
            raise Http404("No such ticket") from None

    @extend_schema(responses=TicketDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        """One ticket, with the messaging windows of the customer's social channels."""
        ticket = self.get_object()
        windows = selectors.messaging_windows(ticket=ticket)
        return Response(TicketDetailSerializer(ticket, context={"messaging_windows": windows}).data)

    @extend_schema(request=TicketCreateSerializer, responses={201: TicketSerializer})
    def create(self, request: Request) -> Response:
        data = TicketCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = _service_call(
            services.ticket_create,
            customer=data.validated_data["customer"],
            subject=data.validated_data["subject"],
            channel=data.validated_data["channel"],
            team=data.validated_data.get("team"),
            priority=data.validated_data.get("priority", Priority.NORMAL),
            by=request.user,
        )
        return Response(
            TicketSerializer(selectors.ticket_get(ticket_id=ticket.pk)).data, status=201
        )

    @extend_schema(request=TicketUpdateSerializer, responses=TicketSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        ticket = self.get_object()
        data = TicketUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = data.validated_data
        by = request.user
        with transaction.atomic():
            if "subject" in changes:
                _service_call(
                    services.ticket_set_subject, ticket=ticket, subject=changes["subject"], by=by
                )
            if "assignee" in changes:
                _service_call(
                    services.ticket_assign, ticket=ticket, agent=changes["assignee"], by=by
                )
            if "team" in changes:
                _service_call(services.ticket_set_team, ticket=ticket, team=changes["team"], by=by)
            if "priority" in changes:
                _service_call(
                    services.ticket_set_priority, ticket=ticket, priority=changes["priority"], by=by
                )
            if "tags" in changes:
                _service_call(services.ticket_set_tags, ticket=ticket, tags=changes["tags"], by=by)
            if "status" in changes:
                _service_call(
                    services.ticket_set_status, ticket=ticket, status=changes["status"], by=by
                )
        return Response(TicketSerializer(selectors.ticket_get(ticket_id=ticket.pk)).data)

    @extend_schema(responses=TicketEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk: str) -> Response:
        """The ticket's timeline of events, oldest first."""
        ticket = self.get_object()
        page = self.paginate_queryset_with(
            selectors.event_list(ticket=ticket), TimelineCursorPagination
        )
        return page

    @extend_schema(request=MergeSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str) -> Response:
        """Merge this ticket into another; its messages move and it points at the survivor."""
        source = self.get_object()
        data = MergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = Ticket.objects.filter(pk=data.validated_data["into"]).first()
        if target is None:
            raise serializers.ValidationError({"into": "no such ticket"})
        survivor = _service_call(
            services.ticket_merge, source=source, target=target, by=request.user
        )
        return Response(TicketSerializer(selectors.ticket_get(ticket_id=survivor.pk)).data)

    @extend_schema(request=CallLogSerializer, responses={201: MessageSerializer})
    @action(detail=True, methods=["post"])
    def calls(self, request: Request, pk: str) -> Response:
        """Log a phone call on the ticket."""
        ticket = self.get_object()
        data = CallLogSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = _service_call(
            services.call_log,
            ticket=ticket,
            agent=request.user,
            direction=data.validated_data["direction"],
            answered=data.validated_data["answered"],
            duration_seconds=data.validated_data["duration_seconds"],
            notes=data.validated_data["notes"],
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    def paginate_queryset_with(self, queryset: QuerySet[Any], pagination_class: type) -> Response:
        paginator = pagination_class()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(TicketEventSerializer(page, many=True).data)


class TimelineCursorPagination(CursorPagination):
    """Timelines read oldest first; keyset on id keeps long histories cheap."""

    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class MessageViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A ticket's messages (inbound, outbound, notes and calls), oldest first."""

    serializer_class = MessageSerializer
    lookup_value_regex = r"\d+"  # `messages/null/move/` is a 404, not a ValueError (a 500)
    pagination_class = TimelineCursorPagination

    def _ticket(self) -> Ticket:
        if not hasattr(self, "_ticket_cache"):
            try:
                self._ticket_cache = selectors.ticket_get(
                    ticket_id=int(self.kwargs["ticket_pk"]), with_sla=False
                )
            except (Ticket.DoesNotExist, ValueError):
                raise Http404("No such ticket") from None
        return self._ticket_cache

    def get_queryset(self) -> QuerySet[Message]:
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        return selectors.message_list(ticket=self._ticket())

    @extend_schema(request=MessageCreateSerializer, responses={201: MessageSerializer})
    def create(self, request: Request, ticket_pk: str) -> Response:
        """Post a public reply (sent on the customer's channel) or an internal note."""
        ticket = self._ticket()
        data = MessageCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values["kind"] == "note":
            message = _service_call(
                services.note_add, ticket=ticket, author=request.user, body_text=values["body_text"]
            )
        else:
            message = _service_call(
                services.reply_create,
                ticket=ticket,
                author=request.user,
                body_text=values["body_text"],
                body_html=values.get("body_html", ""),
                channel=values.get("channel"),
                identity=values.get("identity"),
                template=values.get("template"),
            )
        message = selectors.message_list(ticket=message.ticket).get(pk=message.pk)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MoveSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, ticket_pk: str, pk: str) -> Response:
        """Move a message to another ticket of the same customer, or split it off."""
        message = self.get_queryset().filter(pk=pk).first()
        if message is None:
            raise Http404("No such message on this ticket")
        data = MoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = None
        if data.validated_data.get("to_ticket"):
            target = Ticket.objects.filter(pk=data.validated_data["to_ticket"]).first()
            if target is None:
                raise serializers.ValidationError({"to_ticket": "no such ticket"})
        moved_to = _service_call(
            services.message_move, message=message, to_ticket=target, by=request.user
        )
        return Response(TicketSerializer(selectors.ticket_get(ticket_id=moved_to.pk)).data)


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TeamSerializer

    def get_queryset(self) -> QuerySet[Team]:
        return selectors.team_list()


class MergeSuggestionSerializer(serializers.Serializer):
    customer = CustomerSerializer()
    reasons = serializers.ListField(child=serializers.CharField())


def _customer_or_404(pk: int) -> Customer:
    try:
        return customer_get(customer_id=pk)
    except Customer.DoesNotExist:
        raise Http404("No such customer") from None


@extend_schema(request=MergeSerializer, responses=CustomerSerializer, tags=["customers"])
@api_view(["POST"])
@permission_classes([IsAgent])
def customer_merge(request: Request, pk: int) -> Response:
    """Merge this customer into another: identities, tickets and history move to the survivor."""
    source = Customer.objects.filter(pk=pk).first()
    if source is None:
        raise Http404("No such customer")
    data = MergeSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    target = Customer.objects.filter(pk=data.validated_data["into"]).first()
    if target is None:
        raise serializers.ValidationError({"into": "no such customer"})
    survivor = _service_call(
        services.customers_merge, source=source, target=target, by=request.user
    )
    return Response(CustomerSerializer(customer_get(customer_id=survivor.pk)).data)


@extend_schema(
    responses=inline_serializer(
        "MergeSuggestions", {"results": MergeSuggestionSerializer(many=True)}
    ),
    tags=["customers"],
)
@api_view(["GET"])
@permission_classes([IsAgent])
def customer_merge_suggestions(request: Request, pk: int) -> Response:
    """Customers who are probably the same person, with the reason for each."""
    customer = _customer_or_404(pk)
    suggestions = selectors.customer_merge_suggestions(customer=customer)
    return Response({"results": MergeSuggestionSerializer(suggestions, many=True).data})


@extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}, tags=["tickets"])
@api_view(["GET"])
@permission_classes([IsAgent])
def attachment_download(request: Request, pk: int) -> FileResponse:
    """A file a customer sent (or an agent attached), as it was stored. Always served as a
    download in a sandbox: a customer's HTML or SVG must never run in our origin."""
    attachment = Attachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise Http404("No such attachment")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response
