"""Tickets for a query, newest first: a message body or the subject matches (full-text, on
the GIN indexes of migration tickets/0012), through `tickets.selectors.ticket_visible_to`.

Newest first by ticket id, in three bands, so a page costs about the same for a word in every
tenth message and for one in no message at all (timed on a million tickets):

1. the newest `BANDS[0]` tickets, in order with early stop: a common word fills the page
   from the first few dozen tickets; a rare one costs a scan of a small, bounded range;
2. the next `BANDS[1]` tickets, read as the planner judges from the word's statistics
   (`_middle_sql`) — by walking them, or from the GIN index; narrow enough that a wrong
   judgement stays cheap. It covers a common word behind a filter ("bestelling", closed);
3. the older tickets, from every match in the GIN indexes (`_older_sql`) — never an ordered
   walk that hopes to meet a match soon and reads the whole table when the word is rare.
   It only has rows to read when the word was rare among the newest 7,000 tickets, so its
   matches are few.

Bands 2 and 3 run for the rows the page still needs, with `LIMIT 0` (answered without
reading a row) once it is full.

The same statements every time (a fixed query count), inside `desk.search.planner_settings`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import SearchHeadline
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Left

from desk.search.sql import HEADLINE_CONFIGS, SIMPLE, Matches, StoredVector, tsquery
from desk.search.terms import Terms
from tickets.choices import SOCIAL_CHANNELS, Channel, Status
from tickets.models import Message, Ticket
from tickets.selectors import ticket_visible_to

if TYPE_CHECKING:
    from django.db.models.expressions import Combinable

    from helpdesk.roles import User

# Widths (in ticket ids) of the newest band, read in order with early stop, and of the
# middle band, read as the planner sees fit; older tickets come from the indexes.
BANDS = (2_000, 5_000)
# Markers around highlighted words in snippets; the page escapes the text, then marks them.
MARK_START = "\x02"
MARK_STOP = "\x03"
SNIPPET_SOURCE = 4000


@dataclass(frozen=True)
class TicketFilter:
    status: str = ""
    channel: str = ""

    def condition(self) -> Q:
        condition = Q(merged_into__isnull=True)
        if self.status in Status.values:
            condition &= Q(status=self.status)
        if self.channel == "social":
            condition &= Q(channel__in=sorted(SOCIAL_CHANNELS))
        elif self.channel in Channel.values:
            condition &= Q(channel=self.channel)
        return condition


@dataclass(frozen=True)
class TicketHits:
    tickets: Sequence[Ticket]
    next_after: int | None


def _message_matches(query: Combinable) -> QuerySet[Message]:
    return Message.objects.filter(Matches(StoredVector(), query))


def _subject_matches(query: Combinable) -> Matches:
    return Matches(StoredVector(), query)


def _newest_sql(tickets: QuerySet[Ticket], query: Combinable, lo: int) -> tuple[str, list[Any]]:
    """The newest band: tickets from `lo` up, newest first, each checked for a matching
    message or subject — stops as soon as the page is full."""
    found = Q(Exists(_message_matches(query).filter(ticket_id=OuterRef("pk"))))
    found |= Q(_subject_matches(query))
    newest = tickets.filter(found, id__gte=lo).order_by("-id").values("id")
    sql, params = newest.query.sql_with_params()
    return sql, list(params)


def _middle_sql(
    tickets: QuerySet[Ticket], query: Combinable, lo: int, hi: int, limit: int
) -> tuple[str, list[Any]]:
    """The next band: matches by message (a semi-join) and by subject, each on its own so
    the planner may read them either way — walking the band's tickets newest first when
    the word is common, or from the GIN index when it is rare. The band is narrow enough
    that the walk stays cheap when it guesses wrong."""
    band = tickets.filter(id__gte=lo, id__lt=hi)
    by_message = band.filter(Exists(_message_matches(query).filter(ticket_id=OuterRef("pk"))))
    by_subject = band.filter(_subject_matches(query))
    parts = [
        qs.order_by("-id").values("id").query.sql_with_params() for qs in (by_message, by_subject)
    ]
    (m_sql, m_params), (s_sql, s_params) = parts
    sql = (
        f"SELECT id FROM (({m_sql} LIMIT %s) UNION ({s_sql} LIMIT %s)) AS band"  # noqa: S608
        " ORDER BY id DESC"
    )
    return sql, [*m_params, limit, *s_params, limit]


def _older_sql(tickets: QuerySet[Ticket], query: Combinable, lo: int) -> tuple[str, list[Any]]:
    """The oldest band (below `lo`), newest first, from every match in the GIN indexes.

    The matches are a MATERIALIZED CTE: PostgreSQL must read them from the indexes in full
    rather than walk the tickets hoping to meet a match soon (which reads the whole table
    when the word is rare), and having no statistics for the CTE it expects few ticket ids
    and looks each up by primary key."""
    messages = _message_matches(query).values("ticket_id")
    subjects = Ticket.objects.filter(_subject_matches(query)).values("id")
    hits = RawSQL("SELECT id FROM search_hits GROUP BY id", [])
    older = tickets.filter(id__lt=lo, pk__in=hits).order_by("-id").values("id")
    parts = [qs.query.sql_with_params() for qs in (messages, subjects, older)]
    (m_sql, m_params), (s_sql, s_params), (o_sql, o_params) = parts
    sql = f"WITH search_hits(id) AS MATERIALIZED (({m_sql}) UNION ALL ({s_sql})) {o_sql}"
    return sql, [*m_params, *s_params, *o_params]


def _ids(sql: str, params: list[Any], limit: int) -> list[int]:
    with connection.cursor() as cursor:
        # Django's own compiled query; the LIMIT travels as a parameter.
        cursor.execute(f"{sql} LIMIT %s", [*params, limit])
        return [row[0] for row in cursor.fetchall()]


def _upper(after: int | None) -> int:
    if after is not None:
        return after
    top = Ticket.objects.aggregate(top=Max("id"))["top"]
    return (top or 0) + 1


def _headline_config() -> Case:
    """Snippets are highlighted in the customer's language (its stems mark the right
    words); any other language in `helpdesk_simple`."""
    whens = [
        When(customer__language=language, then=Value(config))
        for language, config in HEADLINE_CONFIGS.items()
    ]
    return Case(*whens, default=Value(SIMPLE))


def _unmarked(expression: Any) -> Func:
    """The text without our two marker characters, so only PostgreSQL's marks are marks."""
    return Func(expression, Value(MARK_START + MARK_STOP), Value(""), function="translate")


def _rows(*, user: User, ids: list[int], query: Combinable) -> list[Ticket]:
    """The page's tickets with their customer, a highlighted subject and a snippet of the
    newest matching message — `ts_headline` runs for these rows only."""
    if not ids:
        return []
    latest = (
        _message_matches(query)
        .filter(ticket_id=OuterRef("pk"))
        .order_by("-id")
        .values_list(_unmarked(Left("body_text", SNIPPET_SOURCE)))[:1]
    )
    config = _headline_config()
    tickets = (
        Ticket.objects.filter(ticket_visible_to(user=user), pk__in=ids)
        .select_related("customer", "assignee", "team")
        .annotate(
            snippet=SearchHeadline(
                Subquery(latest),
                query,
                config=config,
                max_words=28,
                min_words=12,
                start_sel=MARK_START,
                stop_sel=MARK_STOP,
            ),
            subject_marked=SearchHeadline(
                _unmarked(F("subject")),
                query,
                config=config,
                highlight_all=True,
                start_sel=MARK_START,
                stop_sel=MARK_STOP,
            ),
        )
        .order_by("-id")
    )
    return list(tickets)


def ticket_search(
    *, user: User, terms: Terms, spec: TicketFilter, after: int | None, size: int
) -> TicketHits:
    """A page of tickets matching `terms.text`, ids below `after` (the keyset cursor)."""
    query = tsquery(terms)
    tickets = Ticket.objects.filter(ticket_visible_to(user=user), spec.condition())
    upper = _upper(after)
    newest, middle = max(upper - BANDS[0], 0), max(upper - BANDS[0] - BANDS[1], 0)
    ids = _ids(*_newest_sql(tickets.filter(id__lt=upper), query, newest), size + 1)
    # Always asked (a fixed query count), with LIMIT 0 once the page is full.
    need = max(size + 1 - len(ids), 0) if newest > 0 else 0
    ids += _ids(*_middle_sql(tickets, query, middle, newest, need), need)
    need = max(size + 1 - len(ids), 0) if middle > 0 else 0
    ids += _ids(*_older_sql(tickets, query, middle), need)
    rows = _rows(user=user, ids=ids[:size], query=query)
    more = len(ids) > size
    return TicketHits(rows, rows[-1].pk if more and rows else None)


def ticket_list_for_customers(
    *, user: User, customers: QuerySet[Any, Any], spec: TicketFilter, after: int | None, size: int
) -> TicketHits:
    """The tickets of `customers` (a `values("customer_id")` queryset: the owners of an
    email address or phone number, or one customer), newest first: one query."""
    tickets = Ticket.objects.filter(
        ticket_visible_to(user=user), spec.condition(), customer_id__in=customers
    )
    if after is not None:
        tickets = tickets.filter(id__lt=after)
    rows = list(
        tickets.select_related("customer", "assignee", "team")
        .annotate(snippet=Value(""), subject_marked=F("subject"))
        .order_by("-id")[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size]
    return TicketHits(rows, rows[-1].pk if more and rows else None)
