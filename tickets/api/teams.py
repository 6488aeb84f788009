"""REST API for teams (read-only: teams are set up in the admin)."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import mixins, serializers, viewsets

from tickets import selectors
from tickets.api.serializers import UserSummarySerializer
from tickets.models import Team


class TeamSerializer(serializers.ModelSerializer[Team]):
    lead = UserSummarySerializer(read_only=True)
    members = UserSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "lead", "members", "is_default", "restricted"]


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Team]):
    serializer_class = TeamSerializer

    def get_queryset(self) -> QuerySet[Team]:
        return selectors.team_list()
