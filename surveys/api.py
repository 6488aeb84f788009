"""REST API for surveys: settings (managers write, agents read), open recoveries and their
acknowledgement, and the CSAT / NPS figures."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from helpdesk.roles import acting_user
from surveys import selectors, services
from surveys.models import SurveyAnswer, SurveySettings
from tickets.models import Channel
from tickets.permissions import IsAgent, is_manager


class ManagersWrite(BasePermission):
    message = "Only managers and admins may change survey settings."

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS or is_manager(request.user)


class ChannelSettingSerializer(serializers.Serializer[dict[str, Any]]):
    channel = serializers.ChoiceField(choices=Channel.choices)
    enabled = serializers.BooleanField(required=False)
    delay_minutes = serializers.IntegerField(min_value=0, max_value=30 * 24 * 60, required=False)


class WordingSerializer(serializers.Serializer[dict[str, Any]]):
    language = serializers.ChoiceField(choices=list(selectors.LANGUAGES))
    question = serializers.CharField(max_length=300, allow_blank=True, required=False)
    intro = serializers.CharField(allow_blank=True, required=False)
    thanks = serializers.CharField(max_length=300, allow_blank=True, required=False)
    nps_question = serializers.CharField(max_length=300, allow_blank=True, required=False)


class SurveySettingsSerializer(serializers.Serializer[dict[str, Any]]):
    throttle_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
    nps_interval_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    change_window_minutes = serializers.IntegerField(
        min_value=0, max_value=7 * 24 * 60, required=False
    )
    link_valid_days = serializers.IntegerField(min_value=1, max_value=365, required=False)
    channels = ChannelSettingSerializer(many=True, required=False)
    wordings = WordingSerializer(many=True, required=False)


def _settings_data(config: SurveySettings) -> dict[str, Any]:
    saved = {row.channel: row for row in config.channel_settings.all()} if config.pk else {}
    channels = []
    for channel in Channel.values:
        rule = selectors.channel_rule(config, channel)
        channels.append(
            {
                "channel": channel,
                "enabled": rule.enabled,
                "delay_minutes": int(rule.delay.total_seconds() // 60),
                "saved": channel in saved,
            }
        )
    return {
        "throttle_days": config.throttle_days,
        "nps_interval_days": config.nps_interval_days,
        "change_window_minutes": config.change_window_minutes,
        "link_valid_days": config.link_valid_days,
        "channels": channels,
        "wordings": [
            {
                "language": row.language,
                "question": row.question,
                "intro": row.intro,
                "thanks": row.thanks,
                "nps_question": row.nps_question,
            }
            for row in config.wordings.all()
        ]
        if config.pk
        else [],
    }


@extend_schema(request=SurveySettingsSerializer, responses=SurveySettingsSerializer)
@api_view(["GET", "PUT", "PATCH"])
@permission_classes([IsAgent, ManagersWrite])
def survey_settings(request: Request) -> Response:
    """Survey settings: limits, per-channel on/off and delay, wording per language."""
    if request.method in SAFE_METHODS:
        return Response(_settings_data(selectors.survey_settings()))
    serializer = SurveySettingsSerializer(data=request.data, partial=request.method == "PATCH")
    serializer.is_valid(raise_exception=True)
    config = services.survey_settings_update(**serializer.validated_data)
    return Response(_settings_data(config))


class RecoverySerializer(serializers.ModelSerializer[SurveyAnswer]):
    ticket_subject = serializers.CharField(source="ticket.subject")
    customer_name = serializers.CharField(source="customer.name")
    agent_name = serializers.SerializerMethodField()
    team_name = serializers.SerializerMethodField()

    class Meta:
        model = SurveyAnswer
        fields = [
            "id",
            "ticket",
            "ticket_subject",
            "customer",
            "customer_name",
            "rating",
            "comment",
            "channel",
            "agent",
            "agent_name",
            "team",
            "team_name",
            "answered_at",
            "needs_recovery",
            "acknowledged_at",
            "acknowledged_by",
        ]

    def get_agent_name(self, answer: SurveyAnswer) -> str:
        agent = answer.agent
        return (agent.get_full_name() or agent.get_username()) if agent is not None else ""

    def get_team_name(self, answer: SurveyAnswer) -> str:
        return answer.team.name if answer.team is not None else ""


@extend_schema(
    parameters=[OpenApiParameter("ticket", int, description="Only this ticket's")],
    responses=RecoverySerializer(many=True),
)
@api_view(["GET"])
@permission_classes([IsAgent])
def recoveries(request: Request) -> Response:
    """Open recoveries: 1-2 ratings nobody has acknowledged yet, oldest first (at most 500)."""
    ticket = request.query_params.get("ticket")
    if ticket is not None and not ticket.isdigit():
        raise ValidationError({"ticket": "a ticket id"})
    answers = selectors.recoveries_open(ticket_id=int(ticket) if ticket else None)[:500]
    return Response(RecoverySerializer(answers, many=True).data)


@extend_schema(request=None, responses=RecoverySerializer)
@api_view(["POST"])
@permission_classes([IsAgent])
def recovery_acknowledge(request: Request, pk: int) -> Response:
    """Acknowledge a low rating's recovery (idempotent); it leaves the open list."""
    if selectors.answer_get(answer_id=pk) is None:
        return Response({"detail": "No such answer."}, status=404)
    services.recovery_acknowledge(answer_id=pk, by=acting_user(request.user))
    return Response(RecoverySerializer(selectors.answer_get(answer_id=pk)).data)


def _moment(value: str | None, *, name: str, end: bool = False) -> datetime | None:
    """A date (the whole day, in the site's time zone) or an ISO datetime."""
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise ValidationError({name: "a date (YYYY-MM-DD) or an ISO 8601 datetime"})
        moment = datetime.combine(day, time.min)
        if end:
            moment += timedelta(days=1)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if not value:
        return None
    if not value.isdigit():
        raise ValidationError({name: "an id"})
    return int(value)


@extend_schema(
    parameters=[
        OpenApiParameter("from", str, description="Date or datetime, inclusive"),
        OpenApiParameter("to", str, description="Date (inclusive) or datetime (exclusive)"),
        OpenApiParameter("channel", str),
        OpenApiParameter("team", int),
        OpenApiParameter("agent", int),
    ],
    responses=dict,
)
@api_view(["GET"])
@permission_classes([IsAgent])
def survey_stats(request: Request) -> Response:
    """Counts, CSAT % (share of 4-5) and NPS (% promoters - % detractors), overall, per
    channel and per agent, for answers given in the range."""
    channel = request.query_params.get("channel") or None
    if channel is not None and channel not in Channel.values:
        raise ValidationError({"channel": f"one of {', '.join(Channel.values)}"})
    stats = selectors.survey_stats(
        start=_moment(request.query_params.get("from"), name="from"),
        end=_moment(request.query_params.get("to"), name="to", end=True),
        channel=channel,
        team_id=_int_param(request, "team"),
        agent_id=_int_param(request, "agent"),
    )
    return Response(stats)
