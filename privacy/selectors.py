"""Reads of the privacy app. A customer's exports and requests are read only through the
customer-scoped functions here: another customer's, or a guessed id, is a 404 alike."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import Http404

from customers.models import Customer
from privacy.models import DataExport, ErasureRequest, ErasureStatus


@dataclass(frozen=True)
class Keeping:
    """How long things are kept, for the privacy page (from settings)."""

    retention_months: int
    export_days: int
    session_idle_minutes: int


def keeping() -> Keeping:
    return Keeping(
        retention_months=settings.PRIVACY_RETENTION_MONTHS,
        export_days=settings.PRIVACY_EXPORT_DAYS,
        session_idle_minutes=settings.PORTAL_SESSION_IDLE_SECONDS // 60,
    )


def export_latest(*, customer: Customer) -> DataExport | None:
    return DataExport.objects.filter(customer=customer).order_by("-created_at").first()


def export_for_customer(*, customer: Customer, export_id: str) -> DataExport:
    export = DataExport.objects.filter(customer=customer, pk=export_id).first()
    if export is None:
        raise Http404
    return export


def erasure_pending(*, customer: Customer) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(customer=customer, status=ErasureStatus.PENDING).first()


def erasure_requests_pending() -> QuerySet[ErasureRequest]:
    """For managers: the pending requests, oldest first, with what erasing would touch."""
    return (
        ErasureRequest.objects.filter(status=ErasureStatus.PENDING)
        .select_related("customer")
        .annotate(
            tickets=Count("customer__tickets", distinct=True),
            identities=Count("customer__identities", distinct=True),
        )
        .order_by("requested_at", "pk")
    )


def erasure_requests_decided(*, limit: int = 20) -> QuerySet[ErasureRequest]:
    return (
        ErasureRequest.objects.exclude(status=ErasureStatus.PENDING)
        .select_related("decided_by")
        .order_by("-decided_at", "-pk")[:limit]
    )


def erasure_request_get(*, request_id: int) -> ErasureRequest:
    request = ErasureRequest.objects.filter(pk=request_id).first()
    if request is None:
        raise Http404
    return request
