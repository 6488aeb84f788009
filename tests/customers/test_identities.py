from __future__ import annotations

import pytest

from customers.models import Customer, Identity, Organisation
from customers.normalise import InvalidIdentity, normalise_identity
from customers.services import customer_resolve, identity_add


@pytest.mark.parametrize(
    ("kind", "value", "region", "expected"),
    [
        ("phone", "06 12345678", "NL", "+31612345678"),
        ("phone", "+31 6 1234 5678", None, "+31612345678"),
        ("phone", "0031 6 12 34 56 78", None, "+31612345678"),
        ("whatsapp", "31612345678", None, "+31612345678"),
        ("phone", "(020) 555 1234", "NL", "+31205551234"),
        ("phone", "512 345 678", "PL", "+48512345678"),
        ("phone", "+48 512-345-678", None, "+48512345678"),
        ("whatsapp", "48512345678", None, "+48512345678"),
        ("phone", "22 123 45 67", "PL", "+48221234567"),
        ("email", "  Jan.Kowalski@Example.PL ", None, "jan.kowalski@example.pl"),
        ("email", "<Eva@Example.com>", None, "eva@example.com"),
        ("x", "@HelpMe", None, "helpme"),
        ("facebook", " 2451230098 ", None, "2451230098"),
    ],
)
def test_normalise(kind: str, value: str, region: str | None, expected: str) -> None:
    assert normalise_identity(kind, value, region=region) == expected


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("email", "not-an-address"),
        ("phone", "12"),
        ("phone", "hello"),
        ("sms", "x"),
        ("chat", "  "),
    ],
)
def test_invalid_identities_say_why(kind: str, value: str) -> None:
    with pytest.raises(InvalidIdentity):
        normalise_identity(kind, value)


@pytest.mark.django_db
def test_email_case_is_one_customer() -> None:
    first = customer_resolve(kind="email", value="Zofia.Wojcik@Example.PL", name="Zofia Wójcik")
    again = customer_resolve(kind="email", value="zofia.wojcik@example.pl")
    assert first.created
    assert not again.created
    assert again.customer == first.customer
    assert Identity.objects.count() == 1


@pytest.mark.django_db
def test_whatsapp_number_equals_phone_identity() -> None:
    phone = customer_resolve(kind="phone", value="06 12345678", region="NL", name="Daan de Jong")
    whatsapp = customer_resolve(kind="whatsapp", value="31612345678")
    written_intl = customer_resolve(kind="phone", value="+31 6 1234 5678")
    assert whatsapp.customer == phone.customer == written_intl.customer
    assert Customer.objects.count() == 1
    kinds = sorted(phone.customer.identities.values_list("kind", "value"))
    assert kinds == [("phone", "+31612345678"), ("whatsapp", "+31612345678")]


@pytest.mark.django_db
def test_organisation_by_email_domain() -> None:
    org = Organisation.objects.create(name="Festival Friends", domain="festivalfriends.nl")
    resolved = customer_resolve(kind="email", value="Bram@FestivalFriends.nl")
    assert resolved.customer.organisation == org
    other = customer_resolve(kind="email", value="bram@gmail.com")
    assert other.customer.organisation is None


@pytest.mark.django_db
def test_identity_of_someone_else_refused() -> None:
    from customers.services import MergeError

    a = customer_resolve(kind="email", value="a@example.com").customer
    customer_resolve(kind="email", value="b@example.com")
    with pytest.raises(MergeError, match="merge them instead"):
        identity_add(customer=a, kind="email", value="B@example.com")


@pytest.mark.django_db
def test_a_number_is_never_split_between_phone_and_whatsapp() -> None:
    from customers.services import MergeError

    owner = customer_resolve(kind="phone", value="+31612345678").customer
    other = customer_resolve(kind="email", value="other@example.com").customer
    with pytest.raises(MergeError):
        identity_add(customer=other, kind="whatsapp", value="31612345678")
    # Its owner may add the WhatsApp twin of their own number.
    twin = identity_add(customer=owner, kind="whatsapp", value="31612345678")
    assert twin.customer == owner
    assert twin.kind == "whatsapp"


@pytest.mark.django_db
def test_customer_create_is_all_or_nothing(api) -> None:
    taken = customer_resolve(kind="phone", value="+48512345678").customer
    response = api.post(
        "/api/v1/customers/",
        {
            "name": "Ola",
            "identities": [
                {"kind": "email", "value": "ola@example.pl"},
                {"kind": "whatsapp", "value": "48512345678"},
            ],
        },
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["customer"] == taken.pk
    assert not Identity.objects.filter(value="ola@example.pl").exists()
    assert Customer.objects.count() == 1
    empty = api.post("/api/v1/customers/", {"name": "Nobody"}, format="json")
    assert empty.status_code == 400
    assert "at least one identity" in str(empty.json())
