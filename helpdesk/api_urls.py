"""REST API v1: each app contributes its viewsets to one router."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import DefaultRouter

from customers.api import CustomerViewSet
from helpdesk.auth_api import token_obtain
from reports import api as reports_api
from surveys.api import recoveries, recovery_acknowledge, survey_settings, survey_stats
from tickets.api.attachments import attachment_download
from tickets.api.calls import call_create, todo_done, todo_list
from tickets.api.customer_merges import customer_merge, customer_merge_suggestions
from tickets.api.messages import MessageViewSet
from tickets.api.notifications import NotificationViewSet
from tickets.api.sla import BusinessCalendarViewSet, SlaPolicyViewSet
from tickets.api.teams import TeamViewSet
from tickets.api.tickets import TicketViewSet

router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("tickets", TicketViewSet, basename="ticket")
router.register(r"tickets/(?P<ticket_pk>\d+)/messages", MessageViewSet, basename="ticket-message")
router.register("teams", TeamViewSet, basename="team")
router.register("sla/policies", SlaPolicyViewSet, basename="sla-policy")
router.register("sla/calendars", BusinessCalendarViewSet, basename="sla-calendar")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    # Our own token view (helpdesk.auth_api): axes lock-outs, token expiry, and the default
    # parsers (helpdesk.parsers bounds JSON nesting), unlike DRF's obtain_auth_token.
    path("auth/token/", token_obtain, name="api-token"),
    path("customers/<int:pk>/merge/", customer_merge, name="customer-merge"),
    path(
        "customers/<int:pk>/merge-suggestions/",
        customer_merge_suggestions,
        name="customer-merge-suggestions",
    ),
    path("attachments/<int:pk>/", attachment_download, name="attachment-download"),
    path("calls/", call_create, name="call-create"),
    path("tickets/<int:ticket_pk>/todos/", todo_list, name="ticket-todos"),
    path("tickets/<int:ticket_pk>/todos/<int:pk>/done/", todo_done, name="ticket-todo-done"),
    path("surveys/settings/", survey_settings, name="survey-settings"),
    path("surveys/recoveries/", recoveries, name="survey-recoveries"),
    path(
        "surveys/answers/<int:pk>/acknowledge/",
        recovery_acknowledge,
        name="survey-answer-acknowledge",
    ),
    path("surveys/stats/", survey_stats, name="survey-stats"),
    *(
        path(f"metrics/{group}/", view, name=f"metrics-{group}")
        for group, view in reports_api.VIEWS.items()
    ),
    *router.urls,
]
