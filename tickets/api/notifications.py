"""REST API for the signed-in user's in-app notifications (SLA warnings, assignments…)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.roles import acting_user
from tickets import selectors, services
from tickets.models import Notification
from tickets.permissions import IsAgent


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "ticket", "created_at", "read_at"]


class NotificationPagination(CursorPagination):
    ordering = "-created_at"
    page_size = 50


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Notification]):
    """The signed-in user's notifications, newest first (`?unread=true` for the unread)."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAgent]
    lookup_value_regex = r"\d+"  # `notifications/abc/read/` is a 404, not `int(pk)` failing
    pagination_class = NotificationPagination

    def get_queryset(self) -> QuerySet[Notification]:
        # The same rule as the desk's bell: nothing about tickets the user may not see.
        mine = selectors.notifications_for(user=acting_user(self.request.user))
        if self.request.query_params.get("unread") in ("1", "true"):
            mine = mine.filter(read_at__isnull=True)
        return mine

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        notification = services.notification_read(
            user=acting_user(request.user), notification_id=int(pk)
        )
        if notification is None:
            return Response({"detail": "No such notification."}, status=404)
        return Response(NotificationSerializer(notification).data)
