"""REST API v1: each app contributes its viewsets to one router."""

from __future__ import annotations

from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from customers.api import CustomerViewSet
from tickets.api import (
    MessageViewSet,
    TeamViewSet,
    TicketViewSet,
    customer_merge,
    customer_merge_suggestions,
)

router = DefaultRouter()
router.register("customers", CustomerViewSet, basename="customer")
router.register("tickets", TicketViewSet, basename="ticket")
router.register(r"tickets/(?P<ticket_pk>\d+)/messages", MessageViewSet, basename="ticket-message")
router.register("teams", TeamViewSet, basename="team")

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("customers/<int:pk>/merge/", customer_merge, name="customer-merge"),
    path(
        "customers/<int:pk>/merge-suggestions/",
        customer_merge_suggestions,
        name="customer-merge-suggestions",
    ),
    *router.urls,
]
