"""The SQL pieces search shares: the text search configurations and functions of
migrations customers/0003 and tickets/0011, as Django expressions.

The tsquery is the same for subjects, messages and snippets: the query parsed in every
configuration the index holds (Dutch, English, `helpdesk_simple`), ORed, plus the Polish
Polish word forms. Each piece has a literal configuration, so PostgreSQL folds the whole tsquery
to a constant when it plans — the planner then reads the index's statistics for its
words, which is what lets it pick the right plan for a rare word and a common one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db.models import BooleanField, Expression, F, Func, QuerySet, Value
from django.db.models.expressions import Combinable, RawSQL

from desk.search.terms import Terms

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

DUTCH = "pg_catalog.dutch"
ENGLISH = "pg_catalog.english"
# `simple` with `unaccent` in front (migration tickets/0011): Polish and unknown languages.
SIMPLE = "helpdesk_simple"

# The customer's language picks the configuration a snippet is highlighted in.
HEADLINE_CONFIGS = {"nl": DUTCH, "en": ENGLISH}


def tsquery(terms: Terms) -> Combinable:
    """`websearch_to_tsquery(dutch, q) || …(english, q) || …(simple, q) || to_tsquery(forms)`."""
    query: Any = SearchQuery(terms.text, search_type="websearch", config=DUTCH)
    query |= SearchQuery(terms.text, search_type="websearch", config=ENGLISH)
    query |= SearchQuery(terms.text, search_type="websearch", config=SIMPLE)
    if terms.forms:
        query |= SearchQuery(terms.forms, search_type="raw", config=SIMPLE)
    return query  # type: ignore[no-any-return]


class StoredVector(Func):
    """`<table>.search_vector`: the stored document of migration tickets/0012 on messages
    (the body) and tickets (the subject), on whatever alias the query gives the table. The
    column is not on the models (every read of a message or ticket would carry it)."""

    output_field = SearchVectorField()

    def __init__(self) -> None:
        super().__init__(F("pk"))

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[str | int, ...]]:
        sql, params = compiler.compile(self.source_expressions[0])
        table, _dot, _column = sql.rpartition(".")
        return f"{table}.search_vector", tuple(params)


class Matches(Func):
    """`document @@ query`, a condition for `filter()`."""

    arg_joiner = " @@ "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class ILike(Func):
    """`value ILIKE pattern`: the form the trigram GIN indexes serve (Django's `icontains`
    compiles to `UPPER(…) LIKE UPPER(…)`, which they do not)."""

    arg_joiner = " ILIKE "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class Unaccent(Func):
    """`helpdesk_unaccent(text)`: `unaccent` as an immutable function, indexable."""

    function = "helpdesk_unaccent"


def contains_pattern(text: str) -> str:
    """An ILIKE pattern for "contains `text`", its own wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(expression: Expression | F, text: str, *, unaccent: bool = False) -> ILike:
    pattern: Expression = Value(contains_pattern(text))
    if unaccent:
        return ILike(Unaccent(expression), Unaccent(pattern))
    return ILike(expression, pattern)


def ids_union(querysets: list[QuerySet[Any, Any]]) -> RawSQL:
    """`SELECT … UNION SELECT …` over `values(<one id>)` querysets, for `pk__in=`: each
    part reads its own index, where one WHERE with OR would read neither."""
    parts: list[str] = []
    params: list[Any] = []
    for queryset in querysets:
        sql, inner = queryset.query.sql_with_params()
        parts.append(f"({sql})")
        params.extend(inner)
    # Django's own compiled queries, their parameters kept apart.
    return RawSQL(" UNION ".join(parts), params)  # noqa: S611
