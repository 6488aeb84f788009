"""REST API for a ticket's messages: the list, a reply or note (JSON, or multipart with
files), moving one (or splitting it off to a new ticket)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customers.models import Identity
from helpdesk.roles import acting_user
from tickets import selectors, services
from tickets.api.pagination import TimelineCursorPagination
from tickets.api.serializers import MessageSerializer, TicketSerializer
from tickets.models import Channel, Message, Ticket
from tickets.services import InboundAttachment
from tickets.services.replies import MESSAGE_FILES_MAX


class TemplateSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=512, help_text="An approved WhatsApp template")
    language = serializers.CharField(max_length=16, help_text="e.g. en_US, nl, pl")


class MessageCreateSerializer(serializers.Serializer[dict[str, Any]]):
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


class MessageUploadSerializer(MessageCreateSerializer):
    """The same fields as multipart/form-data (a template as `template.name` and
    `template.language`), plus files (`files`, repeated)."""

    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        required=False,
        default=list,
        max_length=MESSAGE_FILES_MAX,
        help_text=(
            f"Up to {MESSAGE_FILES_MAX} files, each at most HELPDESK_ATTACHMENT_MAX_BYTES "
            "(15 MB unless configured). A reply carries them by email only; a note keeps them. "
            "Names are cleaned as inbound ones (no path, no control characters, 255 at most)."
        ),
    )

    def validate_files(self, files: list[UploadedFile[bytes]]) -> list[UploadedFile[bytes]]:
        # Before reading them into memory: the service checks again on the bytes it stores.
        limit = settings.HELPDESK_ATTACHMENT_MAX_BYTES
        for upload in files:
            if (upload.size or 0) > limit:
                raise serializers.ValidationError(
                    f"{upload.name} is larger than the "
                    f"{filesizeformat(limit).replace(chr(0xA0), ' ')} a file may be"
                )
        return files


def uploads_read(files: list[UploadedFile[bytes]]) -> list[InboundAttachment]:
    """Uploaded files as the attachments `reply_create` / `note_add` store."""
    return [
        InboundAttachment(
            filename=upload.name or "",
            content=upload.read(),
            content_type=upload.content_type or "application/octet-stream",
        )
        for upload in files
    ]


class MoveSerializer(serializers.Serializer[dict[str, Any]]):
    to_ticket = serializers.IntegerField(
        required=False, allow_null=True, help_text="omit to split off"
    )


class MessageViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Message]):
    """A ticket's messages (inbound, outbound, notes and calls), oldest first."""

    serializer_class = MessageSerializer
    lookup_value_regex = r"\d+"  # `messages/null/move/` is a 404, not a ValueError (a 500)
    pagination_class = TimelineCursorPagination

    def _ticket(self) -> Ticket:
        if not hasattr(self, "_ticket_cache"):
            # 404 alike for a missing ticket and one this agent may not see.
            self._ticket_cache = selectors.ticket_get_for_user(
                user=acting_user(self.request.user),
                ticket_id=int(self.kwargs["ticket_pk"]),
                with_sla=False,
            )
        return self._ticket_cache

    def get_queryset(self) -> QuerySet[Message]:
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        return selectors.message_list(ticket=self._ticket())

    @extend_schema(
        request={
            "application/json": MessageCreateSerializer,
            "application/x-www-form-urlencoded": MessageCreateSerializer,
            "multipart/form-data": MessageUploadSerializer,
        },
        responses={201: MessageSerializer},
    )
    def create(self, request: Request, ticket_pk: str) -> Response:
        """Post a public reply (sent on the customer's channel) or an internal note. As
        multipart/form-data it may carry files (`files`, repeated)."""
        ticket = self._ticket()
        data = MessageUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        attachments = uploads_read(values["files"])
        if values["kind"] == "note":
            message = services.note_add(
                ticket=ticket,
                author=acting_user(request.user),
                body_text=values["body_text"],
                attachments=attachments,
            )
        else:
            message = services.reply_create(
                ticket=ticket,
                author=acting_user(request.user),
                body_text=values["body_text"],
                body_html=values.get("body_html", ""),
                channel=values.get("channel"),
                identity=values.get("identity"),
                template=values.get("template"),
                attachments=attachments,
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
            target = selectors.ticket_find_for_user(
                user=acting_user(request.user), ticket_id=data.validated_data["to_ticket"]
            )
            if target is None:
                raise serializers.ValidationError({"to_ticket": "no such ticket"})
        moved_to = services.message_move(
            message=message, to_ticket=target, by=acting_user(request.user)
        )
        return Response(TicketSerializer(selectors.ticket_get(ticket_id=moved_to.pk)).data)
