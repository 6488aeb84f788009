from __future__ import annotations

import pytest

from customers.models import Customer, Identity
from customers.services import customer_resolve
from tests.factories import inbound
from tickets.models import EventKind, Message, Ticket
from tickets.services import message_ingest


@pytest.mark.django_db
def test_merge_moves_everything_and_old_id_resolves(api) -> None:
    email = message_ingest(
        data=inbound("email", value="piet@example.nl", customer_name="Piet Bakker")
    )
    fb = message_ingest(
        data=inbound("facebook", value="fb-991", customer_name="Piet Bakker", thread_key="t1")
    )
    source, target = fb.ticket.customer, email.ticket.customer
    assert source != target

    response = api.post(f"/api/v1/customers/{source.pk}/merge/", {"into": target.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == target.pk

    source.refresh_from_db()
    assert source.merged_into == target
    assert set(Identity.objects.filter(customer=target).values_list("kind", flat=True)) == {
        "email",
        "facebook",
    }
    assert not Identity.objects.filter(customer=source).exists()
    assert Ticket.objects.filter(customer=source).count() == 0
    assert Ticket.objects.filter(customer=target).count() == 2
    assert Message.objects.filter(author_customer=target).count() == 2
    assert fb.ticket.events.filter(kind=EventKind.CUSTOMER_MERGE).exists()

    old = api.get(f"/api/v1/customers/{source.pk}/")
    assert old.status_code == 200
    assert old.json()["id"] == target.pk
    listed = api.get("/api/v1/customers/").json()["results"]
    assert [c["id"] for c in listed] == [target.pk]
    # A new message from the merged identity lands on the survivor.
    again = message_ingest(data=inbound("facebook", value="fb-991"))
    assert again.ticket.customer == target


@pytest.mark.django_db
def test_merge_into_self_or_twice_is_refused(api) -> None:
    a = customer_resolve(kind="email", value="a@example.com").customer
    b = customer_resolve(kind="email", value="b@example.com").customer
    assert (
        api.post(f"/api/v1/customers/{a.pk}/merge/", {"into": a.pk}, format="json").status_code
        == 400
    )
    assert (
        api.post(f"/api/v1/customers/{a.pk}/merge/", {"into": b.pk}, format="json").status_code
        == 200
    )
    second = api.post(f"/api/v1/customers/{a.pk}/merge/", {"into": b.pk}, format="json")
    assert second.status_code == 400
    assert "already merged" in second.json()["detail"]
    assert Customer.objects.get(pk=a.pk).merged_into_id == b.pk


@pytest.mark.django_db
def test_merge_suggestions(api) -> None:
    caller = customer_resolve(
        kind="phone", value="+48 512 345 678", name="Kasia Zielińska"
    ).customer
    writer = message_ingest(
        data=inbound(
            "email",
            value="k.zielinska@example.pl",
            customer_name="K. Zielinska",
            body_text="Dzwoniłam wczoraj z numeru 512 345 678, proszę oddzwonić.",
            phone_region="PL",
        )
    ).ticket.customer
    namesake = customer_resolve(
        kind="email", value="other@example.com", name="k. zielinska"
    ).customer

    from django.test import override_settings

    with override_settings(HELPDESK_DEFAULT_PHONE_REGION="PL"):
        response = api.get(f"/api/v1/customers/{writer.pk}/merge-suggestions/")
    assert response.status_code == 200
    found = {s["customer"]["id"]: s["reasons"] for s in response.json()["results"]}
    assert found[caller.pk] == ["mentioned phone +48512345678 in a message"]
    assert found[namesake.pk] == ["same name"]
