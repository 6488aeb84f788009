"""REST API for customers and their identities. Views parse, call one service or selector."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customers import selectors, services
from customers.language import LANGUAGES
from customers.models import Customer, Identity, IdentityKind
from customers.normalise import InvalidIdentity


class IdentitySerializer(serializers.ModelSerializer[Identity]):
    class Meta:
        model = Identity
        fields = ["id", "kind", "value", "display", "created_at"]
        read_only_fields = ["id", "value", "display", "created_at"]


class IdentityInputSerializer(serializers.Serializer[dict[str, Any]]):
    kind = serializers.ChoiceField(choices=IdentityKind.choices)
    value = serializers.CharField(max_length=320)
    region = serializers.CharField(max_length=2, required=False, help_text="Phone region, e.g. NL")


class CustomerSerializer(serializers.ModelSerializer[Customer]):
    identities = IdentitySerializer(many=True, read_only=True)
    organisation = serializers.CharField(source="organisation.name", read_only=True, default=None)

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "language",
            "language_source",
            "organisation",
            "notes",
            "identities",
            "merged_into",
            "created_at",
        ]
        read_only_fields = fields


class CustomerInputSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    language = serializers.ChoiceField(
        choices=["", *LANGUAGES],
        required=False,
        help_text='en, nl or pl; "" = unknown. Set by an agent, detection never overwrites it.',
        error_messages={
            "invalid_choice": '"{input}" is not a language we write in: use en, nl or pl '
            '(or "" for unknown).'
        },
    )
    notes = serializers.CharField(required=False, allow_blank=True)
    identities = IdentityInputSerializer(many=True, required=False)


class CustomerViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Customer]
):
    """Customers with every identity. A merged customer's old id returns the survivor."""

    serializer_class = CustomerSerializer

    def get_queryset(self) -> QuerySet[Customer]:
        q = self.request.query_params.get("q", "").strip()
        return selectors.customer_search(q=q) if q else selectors.customer_list()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                str,
                description="Name or identity contains; an email address or phone number "
                "typed whole also finds its owner in any format",
            )
        ]
    )
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    def get_object(self) -> Customer:
        try:
            return selectors.customer_get(customer_id=int(self.kwargs["pk"]))
        except (Customer.DoesNotExist, ValueError):
            raise Http404("No such customer") from None

    @extend_schema(request=CustomerInputSerializer, responses={201: CustomerSerializer})
    def create(self, request: Request) -> Response:
        """Record a new customer with their identities. 409 names the customer who already
        has one of them."""
        data = CustomerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            customer = services.customer_create(
                name=values.get("name", ""),
                language=values.get("language", ""),
                notes=values.get("notes", ""),
                identities=[
                    services.IdentityInput(kind=i["kind"], value=i["value"], region=i.get("region"))
                    for i in values.get("identities", [])
                ],
            )
        except InvalidIdentity as exc:
            raise serializers.ValidationError({"identities": exc.messages}) from exc
        except services.IdentityTaken:
            raise  # the exception handler answers 409 naming the customer who has it
        except services.MergeError as exc:
            raise serializers.ValidationError({"identities": [str(exc)]}) from exc
        customer = selectors.customer_get(customer_id=customer.pk)
        return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CustomerInputSerializer, responses=CustomerSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        customer = self.get_object()
        data = CustomerInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.customer_update(
            customer=customer,
            name=data.validated_data.get("name"),
            language=data.validated_data.get("language"),
            notes=data.validated_data.get("notes"),
        )
        return Response(CustomerSerializer(selectors.customer_get(customer_id=customer.pk)).data)

    @extend_schema(request=IdentityInputSerializer, responses={201: IdentitySerializer})
    @action(detail=True, methods=["post"])
    def identities(self, request: Request, pk: str) -> Response:
        """Add an identity. 409 if it belongs to another customer: merge them instead."""
        customer = self.get_object()
        data = IdentityInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            identity = services.identity_add(
                customer=customer,
                kind=data.validated_data["kind"],
                value=data.validated_data["value"],
                region=data.validated_data.get("region"),
            )
        except InvalidIdentity as exc:
            raise serializers.ValidationError({"value": exc.messages}) from exc
        except services.MergeError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(IdentitySerializer(identity).data, status=status.HTTP_201_CREATED)
