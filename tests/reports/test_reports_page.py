"""The reports page at /desk/reports/ on the constructed data set (tests/reports/dataset.py):
who may open it, the filter in the URL, every figure as the figures functions compute it
(and as worked out by hand there), the CSV of each table and the per-ticket export."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from portal.signin import account_for
from reports.figures.compliance import compliance
from reports.figures.response_times import response_times
from reports.figures.satisfaction import satisfaction
from reports.figures.sla_now import sla_now
from reports.figures.volume import volume
from tests.reports.dataset import NOW, RANGE, Dataset, build

pytestmark = pytest.mark.django_db
RANGE_QUERY = "from=2026-11-16&to=2026-11-22"
URL = f"/desk/reports/?{RANGE_QUERY}"


@pytest.fixture
def ds(django_user_model: Any, time_machine: Any) -> Dataset:
    time_machine.move_to(NOW, tick=False)
    return build(django_user_model)


def _csv(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_anonymous_and_customers_get_no_page(client: Any, ds: Dataset) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert "/desk/signin/" in response["Location"]
    customer = Customer.objects.get(name="Carla")
    client.force_login(account_for(customer), backend="helpdesk.auth_api.PasswordCheckBackend")
    response = client.get(URL)
    assert response.status_code == 403
    assert b"Download CSV" not in response.content
    assert client.get(URL + "&format=csv&table=tickets").status_code == 403


def test_the_manager_sees_every_figure_as_computed(
    client: Any, ds: Dataset, django_assert_max_num_queries: Any
) -> None:
    client.force_login(ds.manager)
    with django_assert_max_num_queries(34):
        response = client.get(URL + "&hours=calendar")
    assert response.status_code == 200
    # The period before is kept for ten minutes: again, without its four groups' queries,
    # and the same tiles.
    with CaptureQueriesContext(connection) as again:
        repeated = client.get(URL + "&hours=calendar")
    assert len(again.captured_queries) <= 34 - 4
    assert repeated.context["page"].tiles == response.context["page"].tiles
    html = response.content.decode()
    tables = response.context["page"].tables
    sla = compliance(RANGE, viewer=ds.manager)
    # Compliance row: 4 due, 2 in time, 1 late, 1 still open, 50 % (by hand in the data set).
    first = tables["sla_compliance"].rows[0]
    assert (
        first[1:]
        == [4, 2, 1, 1, 0, 50.0]
        == [
            sla.first_response.due,
            sla.first_response.met_in_time,
            sla.first_response.met_late,
            sla.first_response.still_open,
            sla.first_response.stopped,
            sla.first_response.percent,
        ]
    )
    times = response_times(RANGE, viewer=ds.manager)
    overall = tables["first_response"].rows[-1]
    # Calendar hours: median 13 h, p90 53.05 h.
    assert overall[1:] == [6, 4, 13.0, 53.05]
    assert overall[3] == (times.overall.first_response_median_seconds or 0) / 3600
    assert [row[0] for row in tables["first_response"].rows] == [
        "Live chat", "Email", "Phone", "WhatsApp", "All channels",
    ]  # fmt: skip
    risk = sla_now(RANGE, viewer=ds.manager)
    assert tables["at_risk_breached"].rows == [
        ["At risk now", risk.at_risk_now, None],
        ["Breached in the range", 2, 2],
    ]
    happy = satisfaction(RANGE, viewer=ds.manager)
    assert happy.overall.csat_percent == 66.7
    assert tables["chasing"].rows == [[6, 2, 33.3, 2]]
    assert tables["volume"].rows[-1][-1] == volume(RANGE, viewer=ds.manager).per_day[-1] == 1
    assert tables["breach_forecast"].rows == [
        ["Legal", 1, 1],
        ["Support", 0, 1],
        ["All teams", 1, 2],
    ]
    assert tables["backlog_status"].rows[-1] == ["All unresolved", 5]
    # On the page: the tiles, each with the period before, and the definitions.
    for text in ("50 %", "13 h", "66.7 %", "Too slow", "Quick and kind", "automatic"):
        assert text in html, text
    assert "before: \u2013" in html
    assert html.count('role="img"') == 2
    assert "<script" not in html.split("<main", 1)[1]


def test_business_hours_toggle_applies_to_page_and_csv(client: Any, ds: Dataset) -> None:
    client.force_login(ds.manager)
    page = client.get(URL + "&hours=business")
    overall = page.context["page"].tables["first_response"].rows[-1]
    assert overall[3:] == [1.75, 17.4]
    assert "In business hours" in page.content.decode()
    response = client.get(URL + "&hours=business&format=csv&table=first_response")
    assert response["Content-Disposition"] == (
        'attachment; filename="helpdesk_first_response_2026-11-16_2026-11-22_business-hours.csv"'
    )
    rows = _csv(response)
    assert rows[0][3] == "Median (hours)"
    assert rows[-1] == ["All channels", "6", "4", "1.75", "17.4"]
    calendar = _csv(client.get(URL + "&hours=calendar&format=csv&table=first_response"))
    assert calendar[-1] == ["All channels", "6", "4", "13", "53.05"]


def test_every_table_exports_to_csv(client: Any, ds: Dataset) -> None:
    client.force_login(ds.manager)
    tables = client.get(URL).context["page"].tables
    for name, table in tables.items():
        response = client.get(URL + f"&format=csv&table={name}")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = _csv(response)
        assert rows[0] == list(table.headers)
        assert len(rows) == len(table.rows) + 1, name
    assert client.get(URL + "&format=csv&table=nope").status_code == 404


def test_a_table_csv_computes_only_its_own_group(
    client: Any, ds: Dataset, django_assert_max_num_queries: Any
) -> None:
    client.force_login(ds.manager)
    client.get(URL)  # the session and the desk's cached counts, as a manager's next click
    with django_assert_max_num_queries(12):
        response = client.get(URL + "&format=csv&table=sla_compliance")
    assert _csv(response)[1] == ["First response", "4", "2", "1", "1", "0", "50"]


def test_the_ticket_export_has_one_row_per_ticket(client: Any, ds: Dataset) -> None:
    client.force_login(ds.manager)
    response = client.get(URL + "&format=csv&table=tickets")
    assert response.streaming
    assert (
        'filename="helpdesk_tickets_2026-11-16_2026-11-22.csv"' in response["Content-Disposition"]
    )
    rows = _csv(response)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Ticket", "Created", "Channel"]
    by_id = {int(row[0]): row for row in body}
    assert sorted(by_id) == sorted(ds.tickets[n].pk for n in ("t1", "t2", "t3", "t4", "t5", "t8"))
    t2 = by_id[ds.tickets["t2"].pk]
    # Created Fri 20 15:00 UTC = 16:00 Amsterdam; 65.5 calendar hours, 1.5 business hours.
    assert t2[1].startswith("2026-11-20T16:00:00")
    assert t2[2:5] == ["Email", "Support", "bob"]
    assert t2[6:8] == ["65.5", "1.5"]
    t3 = by_id[ds.tickets["t3"].pk]
    assert t3[10:] == ["yes", "2"]
    assert by_id[ds.tickets["t1"].pk][10:] == ["no", "5"]


def test_filters_in_the_url_change_the_figures(client: Any, ds: Dataset) -> None:
    client.force_login(ds.manager)
    response = client.get(URL + f"&channel=email&team={ds.support.pk}")
    tables = response.context["page"].tables
    assert tables["sla_compliance"].rows[0][1] == 1
    assert tables["chasing"].rows == [[3, 2, 66.7, 2]]
    assert tables["backlog_status"].rows[-1] == ["All unresolved", 3]
    html = response.content.decode()
    assert '<option value="email" selected>' in html
    # The counts lead to exactly those tickets, with the same filter.
    link = tables["at_risk_breached"].link(1, 1)
    assert link.startswith("/desk/?")
    assert "list=breached" in link
    assert "channel=email" in link
    assert "view=all" in link


def test_bad_input_shows_the_form_error(client: Any, ds: Dataset) -> None:
    client.force_login(ds.manager)
    for query in ("from=yesterday", "from=2026-11-22&to=2026-11-01", "channel=pigeon", "team=x"):
        response = client.get(f"/desk/reports/?{query}")
        assert response.status_code == 400, query
        assert 'role="alert"' in response.content.decode()
    assert client.get("/desk/reports/?from=2026-11-22&to=2026-11-01&format=csv").status_code == 400


def test_the_default_is_the_last_30_days_against_the_30_before(client: Any, ds: Dataset) -> None:
    client.force_login(ds.manager)
    response = client.get("/desk/reports/")
    report = response.context["report"]
    assert (report.start.isoformat(), report.end.isoformat()) == ("2026-10-25", "2026-11-23")
    previous = response.context["previous"]
    assert (previous.start.isoformat(), previous.end.isoformat()) == ("2026-09-25", "2026-10-24")


def test_an_agent_sees_only_their_own_figures(client: Any, ds: Dataset) -> None:
    client.force_login(ds.ann)
    # Asking for bob's figures still shows ann's.
    response = client.get(URL + f"&agent={ds.bob.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your own figures, ann" in html
    assert 'name="agent"' not in html
    tables = response.context["page"].tables
    # ann: t1 and t3 created in the range; CSAT from t1 (5) and t3 (2).
    assert tables["first_response"].rows[-1][1] == 2
    assert [row[0] for row in tables["satisfaction_agent"].rows] == ["ann"]
    rows = _csv(client.get(URL + f"&agent={ds.bob.pk}&format=csv&table=tickets"))
    assert {row[4] for row in rows[1:]} == {"ann"}


def test_the_query_count_does_not_grow_with_the_data(
    client: Any, ds: Dataset, django_user_model: Any, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.reports.dataset import _survey, _ticket, at
    from tickets.models import Team

    client.force_login(ds.manager)
    with CaptureQueriesContext(connection) as small:
        client.get(URL)
    # More of everything: teams, agents, tickets on every channel, answered surveys.
    customer = Customer.objects.create(name="Dirk")
    for number in range(12):
        team = Team.objects.create(name=f"Team {number}")
        agent = django_user_model.objects.create_user(username=f"agent{number}")
        agent.groups.add(Group.objects.get_or_create(name="Agents")[0])
        ticket = _ticket(
            customer,
            subject=f"more {number}",
            channel=["email", "chat", "x", "instagram"][number % 4],
            team=team,
            assignee=agent,
            created_at=at(16 + number % 7, 9),
            status="solved",
            first_human_reply_at=at(16 + number % 7, 10),
            solved_at=at(16 + number % 7, 11),
        )
        _survey(ticket, agent, 1 + number % 5, number % 11, at(19, 9), ("ok", "fine"))
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(URL)
    assert response.context["page"].tables["chasing"].rows[0][0] == 18


def test_the_desk_menu_links_to_the_reports(client: Any, ds: Dataset) -> None:
    client.force_login(ds.ann)
    assert 'href="/desk/reports/"' in client.get("/desk/").content.decode()


def test_the_breached_count_opens_exactly_those_tickets(client: Any, ds: Dataset) -> None:
    client.force_login(ds.manager)
    link = client.get(URL).context["page"].tables["at_risk_breached"].link(1, 1)
    response = client.get(link)
    assert response.status_code == 200
    # t3 (solved since) and t7: both broke a promise in the range.
    ids = {ticket.pk for ticket in response.context["page"].tickets}
    assert ids == {ds.tickets["t3"].pk, ds.tickets["t7"].pk}
    assert "Breached 16 Nov to 22 Nov 2026" in response.content.decode()
    email = client.get(URL + "&channel=email").context["page"].tables["at_risk_breached"]
    response = client.get(email.link(1, 1))
    assert "Breached 16 Nov to 22 Nov 2026 · Email ·" in response.content.decode()
    assert "Email · Email" not in response.content.decode()
    assert {ticket.pk for ticket in response.context["page"].tickets} == {ds.tickets["t7"].pk}
    at_risk = client.get(client.get(URL).context["page"].tables["at_risk_breached"].link(0, 1))
    assert {ticket.pk for ticket in at_risk.context["page"].tickets} == {ds.tickets["t6"].pk}


def test_a_backlog_count_opens_those_tickets(client: Any, ds: Dataset) -> None:
    client.force_login(ds.manager)
    table = client.get(URL + f"&agent={ds.bob.pk}").context["page"].tables["backlog_status"]
    statuses = [row[0] for row in table.rows]
    open_link = table.link(statuses.index("Open"), 1)
    response = client.get(open_link)
    assert {ticket.pk for ticket in response.context["page"].tickets} == {ds.tickets["t5"].pk}
