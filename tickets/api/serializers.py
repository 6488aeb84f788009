"""Serializers the ticket API modules share: priorities as words, people and customers in
brief, and the ticket, message and attachment representations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from customers.models import Customer
from tickets.api import representations
from tickets.models import Attachment, Message, Priority, Ticket
from tickets.selectors import sla_state

if TYPE_CHECKING:
    # F401: ruff does not count the string base-class argument `Serializer["User"]` as a use.
    from helpdesk.roles import User  # noqa: F401

PRIORITY_NAMES = {p.value: p.name.lower() for p in Priority}
PRIORITY_VALUES = {name: value for value, name in PRIORITY_NAMES.items()}

# A logged call lasts at most a day: a product limit, and it keeps the value inside the
# database column (a larger one was a 500).
CALL_SECONDS_MAX = 24 * 3600


class PriorityField(serializers.ChoiceField):
    """Priorities travel as words (low, normal, high, urgent); stored as ordered integers."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=list(PRIORITY_VALUES), **kwargs)

    def to_representation(self, value: Any) -> str:
        return PRIORITY_NAMES[int(value)]

    def to_internal_value(self, data: Any) -> Any:
        return PRIORITY_VALUES[super().to_internal_value(data)]


class UserSummarySerializer(serializers.Serializer["User"]):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")


class CustomerSummarySerializer(serializers.Serializer[Customer]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TicketSerializer(serializers.ModelSerializer[Ticket]):
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

    def to_representation(self, instance: Ticket) -> dict[str, Any]:
        # The fields above, written out (`representations`): DRF's per-field walk costs more
        # than the SQL of a list page.
        zone = representations.current_zone()
        return representations.ticket(instance, sla=self.get_sla, zone=zone)

    def get_sla(self, ticket: Ticket) -> list[dict[str, Any]]:
        now = timezone.now()
        return [sla_state(timer, now=now) for timer in ticket.sla_timers.all()]

    def get_team(self, ticket: Ticket) -> dict[str, Any] | None:
        return {"id": ticket.team.pk, "name": ticket.team.name} if ticket.team else None


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    url = serializers.SerializerMethodField(help_text="Download link (agents only)")

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "content_id", "is_inline", "url"]

    def get_url(self, attachment: Attachment) -> str:
        return attachment_url(attachment, request=self.context.get("request"))


def attachment_url(attachment: Attachment, *, request: Any) -> str:
    """The download link, absolute when there is a request to say the host."""
    url = reverse("attachment-download", kwargs={"pk": attachment.pk})
    return request.build_absolute_uri(url) if request is not None else url


class MessageSerializer(serializers.ModelSerializer[Message]):
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

    def to_representation(self, instance: Message) -> dict[str, Any]:
        # Written out like TicketSerializer's: a timeline page holds up to 200 messages.
        request = self.context.get("request")
        return representations.message(
            instance,
            url=lambda item: attachment_url(item, request=request),
            zone=representations.current_zone(),
        )

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


class MergeSerializer(serializers.Serializer[dict[str, Any]]):
    into = serializers.IntegerField(help_text="id of the surviving record")
