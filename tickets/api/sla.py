"""REST API for SLA settings: policies and business calendars (managers write, agents read)."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django.db.models import QuerySet
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from helpdesk.roles import acting_user
from tickets import services
from tickets.api.serializers import PRIORITY_NAMES, PRIORITY_VALUES
from tickets.business_hours import parse_weekly
from tickets.models import BusinessCalendar, BusinessHoliday, Channel, SlaPolicy
from tickets.permissions import IsAgent, is_manager


class ManagersWrite(BasePermission):
    message = "Only managers and admins may change SLA settings."

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS or is_manager(request.user)


class HolidaySerializer(serializers.Serializer[BusinessHoliday]):
    date = serializers.DateField()
    name = serializers.CharField(max_length=100, allow_blank=True, default="")


class BusinessCalendarSerializer(serializers.ModelSerializer[BusinessCalendar]):
    holidays = HolidaySerializer(many=True, required=False)

    class Meta:
        model = BusinessCalendar
        fields = ["id", "name", "time_zone", "weekly_hours", "holidays"]

    def validate_holidays(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # A PATCH validates nested items partially: a holiday may come without its date.
        if any("date" not in holiday for holiday in value):
            raise serializers.ValidationError("each holiday needs a date")
        # One row per date in the table: a date twice was an IntegrityError (a 500).
        days = [holiday["date"] for holiday in value]
        if twice := sorted({day for day in days if days.count(day) > 1}):
            raise serializers.ValidationError(
                f"one holiday per date: {', '.join(map(str, twice))} given more than once"
            )
        return value

    def validate_time_zone(self, value: str) -> str:
        if value not in available_timezones():
            raise serializers.ValidationError(f"'{value}' is not an IANA time zone")
        return value

    def validate_weekly_hours(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise serializers.ValidationError('an object like {"0": [["09:00", "17:00"]]}')
        try:
            parse_weekly(value)
        except (TypeError, ValueError) as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return value


# A target longer than a year is a typo; unbounded, 172383137479 was a 500 (the columns are
# 32-bit integers).
MAX_SLA_MINUTES = 366 * 24 * 60


class SlaPolicySerializer(serializers.ModelSerializer[SlaPolicy]):
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), allow_empty=False
    )
    priorities = serializers.ListField(
        child=serializers.ChoiceField(choices=list(PRIORITY_VALUES)), required=False
    )
    at_risk_percent = serializers.IntegerField(min_value=1, max_value=99, required=False)
    first_response_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_SLA_MINUTES, required=False
    )
    next_response_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_SLA_MINUTES, required=False
    )
    resolution_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_SLA_MINUTES, required=False, allow_null=True
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            "name",
            "channels",
            "priorities",
            "first_response_minutes",
            "next_response_minutes",
            "resolution_minutes",
            "at_risk_percent",
            "calendar",
            "position",
            "active",
            "version",
            "updated_at",
        ]
        read_only_fields = ["version", "updated_at"]

    def to_representation(self, instance: SlaPolicy) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["priorities"] = [PRIORITY_NAMES[int(p)] for p in instance.priorities]
        return data

    def validate_priorities(self, value: list[str]) -> list[int]:
        return [PRIORITY_VALUES[name] for name in value]


class SlaPolicyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[SlaPolicy],
):
    """Agents read the policies; managers create and change them. A change re-times the
    open tickets the policy timed (their timeline says so)."""

    serializer_class = SlaPolicySerializer
    permission_classes = [IsAgent, ManagersWrite]
    pagination_class = None

    def get_queryset(self) -> QuerySet[SlaPolicy]:
        return SlaPolicy.objects.order_by("position", "name")

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.sla_policy_save(
            policy=SlaPolicy(**serializer.validated_data), by=acting_user(self.request.user)
        )

    def perform_update(self, serializer: Any) -> None:
        policy = serializer.instance
        for field, value in serializer.validated_data.items():
            setattr(policy, field, value)
        serializer.instance = services.sla_policy_save(
            policy=policy, by=acting_user(self.request.user)
        )


class BusinessCalendarViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[BusinessCalendar],
):
    serializer_class = BusinessCalendarSerializer
    permission_classes = [IsAgent, ManagersWrite]
    pagination_class = None

    def get_queryset(self) -> QuerySet[BusinessCalendar]:
        return BusinessCalendar.objects.prefetch_related("holidays").order_by("name")

    def _save(self, serializer: Any, calendar: BusinessCalendar) -> None:
        data = dict(serializer.validated_data)
        holidays = data.pop("holidays", None)
        for field, value in data.items():
            setattr(calendar, field, value)
        serializer.instance = services.business_calendar_save(
            calendar=calendar,
            holidays=[(h["date"], h["name"]) for h in holidays] if holidays is not None else None,
            by=acting_user(self.request.user),
        )

    def perform_create(self, serializer: Any) -> None:
        self._save(serializer, BusinessCalendar())

    def perform_update(self, serializer: Any) -> None:
        self._save(serializer, serializer.instance)
