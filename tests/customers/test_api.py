"""/api/v1/customers/: creating a customer with identities, and the conflicts refused."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_customer_create_and_identity_conflict(api) -> None:
    response = api.post(
        "/api/v1/customers/",
        {
            "name": "Jan Kowalski",
            "language": "pl",
            "identities": [
                {"kind": "email", "value": "Jan@Example.PL"},
                {"kind": "phone", "value": "512 345 678", "region": "PL"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert sorted((i["kind"], i["value"]) for i in response.json()["identities"]) == [
        ("email", "jan@example.pl"),
        ("phone", "+48512345678"),
    ]
    again = api.post(
        "/api/v1/customers/",
        {"identities": [{"kind": "email", "value": "jan@example.pl"}]},
        format="json",
    )
    assert again.status_code == 409
    bad = api.post(
        "/api/v1/customers/", {"identities": [{"kind": "phone", "value": "12"}]}, format="json"
    )
    assert bad.status_code == 400
    assert "not a valid phone number" in str(bad.json())
