"""The weekly summary to managers: Monday from 08:00 in the organisation's time zone, once a
week, in each manager's language, with the figures functions' numbers and the breaches."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.core.mail.backends import locmem
from django.utils import translation
from django.utils.translation import gettext

from reports import weekly
from reports.figures.compliance import compliance
from reports.figures.response_times import response_times
from reports.figures.volume import volume
from reports.models import ManagerReportPreference, WeeklySummarySent
from reports.tasks import weekly_summary
from reports.weekly_figures import HEADLINES, headlines, week_raw
from tests.factories import inbound
from tickets.models import SlaBreach, SlaTimer
from tickets.services import message_ingest

pytestmark = pytest.mark.django_db

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
# Monday 23 November 2026, 08:00 in Amsterdam (07:00 UTC): the summary covers 16-22 November.
MONDAY_8 = dt.datetime(2026, 11, 23, 8, 0, tzinfo=AMS)
WEEK_START = dt.date(2026, 11, 16)


@pytest.fixture
def staff(django_user_model: Any) -> Callable[..., User]:
    def make(name: str, group: str, *, email: bool = True, language: str = "") -> User:
        user = django_user_model.objects.create_user(
            username=name, password=f"pw-{name}-1", email=f"{name}@example.com" if email else ""
        )
        user.groups.add(Group.objects.get_or_create(name=group)[0])
        if language:
            ManagerReportPreference.objects.create(user=user, language=language)
        return user

    return make


def _timer(subject: str, sender: str, due: dt.datetime, met: dt.datetime | None) -> SlaTimer:
    """A ticket whose first-response promise fell due at `due`, answered at `met` (or not,
    which is a breach)."""
    ticket = message_ingest(data=inbound(value=sender, subject=subject)).ticket
    timer = SlaTimer.objects.get(ticket=ticket, metric="first_response")
    started = due - dt.timedelta(hours=48)
    state = "met" if met else "running"
    SlaTimer.objects.filter(pk=timer.pk).update(
        started_at=started,
        due_at=due,
        at_risk_at=due - dt.timedelta(hours=12),
        met_at=met,
        state=state,
        breached_at=None if met and met <= due else due,
    )
    ticket.__class__.objects.filter(pk=ticket.pk).update(
        created_at=started, first_human_reply_at=met, last_human_reply_at=met
    )
    if met is None or met > due:
        SlaBreach.objects.create(timer=timer, ticket=ticket, metric="first_response", due_at=due)
    return timer


@pytest.fixture
def week() -> list[SlaTimer]:
    """Three promises due in the week (one kept, one late, one missed) and one the week
    before (kept), so the comparison has something to compare."""
    wed = dt.datetime(2026, 11, 18, 10, 0, tzinfo=AMS)
    return [
        _timer("Kept promise", "kept@example.com", wed, wed - dt.timedelta(hours=3)),
        _timer("Late answer", "late@example.com", wed, wed + dt.timedelta(hours=2)),
        _timer("Wristband never came", "missed@example.com", wed + dt.timedelta(days=2), None),
        _timer(
            "Week before",
            "before@example.com",
            wed - dt.timedelta(days=7),
            wed - dt.timedelta(days=8),
        ),
    ]


def _mail_to(address: str) -> Any:
    [message] = [m for m in mail.outbox if m.to == [address]]
    return message


def test_nothing_before_monday_eight_in_the_organisations_time(staff, week, settings) -> None:
    settings.TIME_ZONE = "Europe/Amsterdam"
    staff("mira", "Managers")
    for now in (
        MONDAY_8 - dt.timedelta(minutes=1),  # Monday 07:59 Amsterdam (06:59 UTC)
        MONDAY_8 - dt.timedelta(hours=9),  # Sunday 23:00
        MONDAY_8 + dt.timedelta(days=1),  # Tuesday 08:00
    ):
        assert weekly.weekly_summaries_send(now=now) == 0
    assert mail.outbox == []
    assert not WeeklySummarySent.objects.exists()


def test_monday_eight_sends_each_manager_once_in_their_language(staff, week, settings) -> None:
    settings.TIME_ZONE = "Europe/Amsterdam"
    settings.SITE_URL = "https://help.example.org"
    staff("mira", "Managers", language="nl")
    staff("otto", "Managers")  # no stored language: LANGUAGE_CODE
    staff("anna", "Agents", language="nl")
    staff("silent", "Managers", email=False)
    quiet = staff("quiet", "Managers")
    ManagerReportPreference.objects.create(user=quiet, weekly_summary=False)
    gone = staff("gone", "Managers")
    gone.is_active = False
    gone.save()

    assert weekly.weekly_summaries_send(now=MONDAY_8) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["mira@example.com", "otto@example.com"]

    dutch = _mail_to("mira@example.com")
    html = dutch.alternatives[0][0]
    with translation.override("nl"):
        intro = gettext("The whole report:")
    assert intro in dutch.body
    assert "16 november" in dutch.body  # Django's own Dutch month names
    assert '<html lang="nl">' in html
    link = "https://help.example.org/desk/reports/?from=2026-11-16&to=2026-11-22"
    assert link in dutch.body
    assert link.replace("&", "&amp;") in html
    english = _mail_to("otto@example.com")
    assert "16 November" in english.body
    assert WeeklySummarySent.objects.get(user__username="mira").language == "nl"


def test_the_figures_are_the_figures_functions(staff, week, settings) -> None:
    settings.TIME_ZONE = "Europe/Amsterdam"
    staff("mira", "Managers", language="nl")
    weekly.weekly_summaries_send(now=MONDAY_8)
    body = _mail_to("mira@example.com").body
    flt = weekly.week_filter(WEEK_START)
    this, before = week_raw(flt, now=MONDAY_8)
    assert this.compliance == compliance(flt).first_response.percent
    assert this.median_first_response == (response_times(flt).overall.first_response_median_seconds)
    assert this.volume == volume(flt).total
    assert before.volume == volume(flt.previous()).total
    with translation.override("nl"):
        lines = headlines(this, before)
    assert len(lines) == len(HEADLINES)
    for line in lines:
        assert f"- {line.label}: {line.value}" in body
        assert line.previous in body
    # By hand: one promise kept of three due last week, the only one kept the week before;
    # answered after 45 and 50 hours (median 47.5 h), the week before after 24 hours; three
    # tickets created last week, one the week before; all four still unresolved; no ratings.
    by_field = {field: line for (_, field, _), line in zip(HEADLINES, lines, strict=True)}
    assert (by_field["compliance"].value, by_field["compliance"].previous) == ("33,3 %", "100,0 %")
    # "u" once the Dutch translations are merged, "h" before.
    assert by_field["median_first_response"].value in {"47 u 30 min", "47 h 30 min"}
    assert by_field["median_first_response"].previous in {"24 u 00 min", "24 h 00 min"}
    assert (by_field["volume"].value, by_field["volume"].previous) == ("3", "1")
    assert (by_field["backlog"].value, by_field["backlog"].previous) == ("4", "")
    assert by_field["csat"].value == by_field["nps"].value == "\u2013"


def test_the_weeks_breaches_are_listed(staff, week, settings) -> None:
    settings.TIME_ZONE = "Europe/Amsterdam"
    staff("otto", "Managers")
    weekly.weekly_summaries_send(now=MONDAY_8)
    message = _mail_to("otto@example.com")
    late, missed = week[1].ticket, week[2].ticket
    assert "2 tickets missed a promise this week:" in message.body
    assert f"#{late.pk} Late answer" in message.body
    assert f"#{missed.pk} Wristband never came" in message.body
    assert "Kept promise" not in message.body
    assert "Week before" not in message.body
    assert f'/desk/tickets/{missed.pk}/">#{missed.pk}</a>' in message.alternatives[0][0]


def test_at_most_twenty_breaches_then_and_n_more(staff, settings) -> None:
    settings.TIME_ZONE = "Europe/Amsterdam"
    staff("otto", "Managers")
    due = dt.datetime(2026, 11, 17, 9, 0, tzinfo=AMS)
    for n in range(23):
        _timer(f"Missed {n:02d}", f"c{n}@example.com", due + dt.timedelta(minutes=n), None)
    weekly.weekly_summaries_send(now=MONDAY_8)
    body = _mail_to("otto@example.com").body
    assert "23 tickets missed a promise this week:" in body
    assert "Missed 19" in body
    assert "Missed 20" not in body
    assert "and 3 more" in body


def test_subjects_are_escaped_in_the_html(staff, settings) -> None:
    settings.TIME_ZONE = "Europe/Amsterdam"
    staff("otto", "Managers")
    _timer("<b>bold</b> & co", "x@example.com", dt.datetime(2026, 11, 17, 9, 0, tzinfo=AMS), None)
    weekly.weekly_summaries_send(now=MONDAY_8)
    message = _mail_to("otto@example.com")
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in message.alternatives[0][0]
    assert "<b>bold</b> & co" in message.body  # plain text stays plain


def test_not_twice_in_a_week_but_again_the_next(staff, week, settings) -> None:
    settings.TIME_ZONE = "Europe/Amsterdam"
    staff("mira", "Managers", language="nl")
    assert weekly.weekly_summaries_send(now=MONDAY_8) == 1
    assert weekly.weekly_summaries_send(now=MONDAY_8 + dt.timedelta(hours=1)) == 0
    assert weekly.weekly_summaries_send(now=MONDAY_8 + dt.timedelta(hours=15)) == 0
    assert len(mail.outbox) == 1
    assert weekly.weekly_summaries_send(now=MONDAY_8 + dt.timedelta(days=7)) == 1
    assert len(mail.outbox) == 2
    assert list(
        WeeklySummarySent.objects.values_list("week_start", flat=True).order_by("week_start")
    ) == [
        WEEK_START,
        WEEK_START + dt.timedelta(days=7),
    ]


def test_a_failed_send_is_tried_again_next_hour(staff, week, settings) -> None:
    settings.TIME_ZONE = "Europe/Amsterdam"
    settings.MAILERS = {"default": {"BACKEND": "tests.reports.test_weekly.DownBackend"}}
    staff("otto", "Managers")
    DownBackend.down = True
    assert weekly.weekly_summaries_send(now=MONDAY_8) == 0
    assert not WeeklySummarySent.objects.exists()
    DownBackend.down = False
    assert weekly.weekly_summaries_send(now=MONDAY_8 + dt.timedelta(hours=1)) == 1
    assert [m.to for m in mail.outbox] == [["otto@example.com"]]


def test_the_task_is_on_the_beat_schedule_and_runs(staff, settings) -> None:
    from helpdesk.celery import app

    entry = app.conf.beat_schedule["reports.weekly_summary"]
    assert entry["task"] == "reports.weekly_summary"
    assert "reports.weekly_summary" in app.tasks
    staff("otto", "Managers")
    # Whatever today is, the task runs cleanly and never sends the same week twice.
    weekly_summary.delay()
    weekly_summary.delay()
    assert len(mail.outbox) <= 1


class DownBackend(locmem.EmailBackend):
    down = False

    def send_messages(self, messages: Sequence[Any]) -> int:
        if type(self).down:
            raise ConnectionRefusedError("the mail server is down")
        return super().send_messages(messages)


def test_managers_set_a_managers_language_in_the_admin(staff, client) -> None:
    mira = staff("mira", "Managers")
    mira.is_staff = True
    mira.save()
    anna = staff("anna", "Agents")
    anna.is_staff = True
    anna.save()
    client.force_login(mira)
    response = client.post(
        "/admin/reports/managerreportpreference/add/",
        {"user": mira.pk, "language": "nl", "weekly_summary": "on"},
    )
    assert response.status_code == 302
    assert weekly.language_of(User.objects.get(pk=mira.pk)) == "nl"
    client.force_login(anna)
    assert client.get("/admin/reports/managerreportpreference/").status_code == 403
