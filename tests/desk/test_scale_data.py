"""The desk reads what `seed_scale` writes (rows made by bulk SQL, as a data import or the
benchmark makes them: messages without an identity, timers without an event, …): every
page and fragment answers, none with an error. The 1-million-ticket benchmark found a ticket
page that did not."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_every_desk_page_reads_seeded_tickets(desk_client, agent) -> None:
    call_command("seed_scale", tickets=120, stdout=StringIO())
    ticket_ids = list(Ticket.objects.order_by("?").values_list("pk", flat=True)[:25])
    for ticket_id in ticket_ids:
        page = desk_client.get(f"/desk/tickets/{ticket_id}/")
        assert page.status_code == 200, ticket_id
        # The customer panel is an htmx fragment (a plain GET goes back to the page).
        panel = desk_client.get(f"/desk/tickets/{ticket_id}/customer/", HTTP_HX_REQUEST="true")
        assert panel.status_code == 200, ticket_id
    for path in (
        "/desk/?view=all",
        "/desk/?view=unassigned&sort=newest",
        "/desk/?view=at_risk",
        "/desk/nav/",
        "/desk/search/?q=order",
        "/desk/chats/",
    ):
        assert desk_client.get(path).status_code == 200, path
