"""REST API for merging customers and suggesting merges. The merge writes timeline events on
the tickets that move (`tickets.services.customer_merge_with_timeline`), so these views live
in tickets: the customers app imports no other app."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from customers.api import CustomerSerializer
from customers.models import Customer
from customers.selectors import customer_get
from helpdesk.roles import acting_user
from tickets import selectors, services
from tickets.api.serializers import MergeSerializer
from tickets.permissions import IsAgent


# Any: each suggestion is a dict, but it is serialised as a list (`many=True`), which the
# stubs' one-instance type cannot say.
class MergeSuggestionSerializer(serializers.Serializer[Any]):
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
    survivor = services.customer_merge_with_timeline(
        source=source, target=target, by=acting_user(request.user)
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
