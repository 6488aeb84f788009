"""Pagination shared by the ticket API's timelines (events, messages, to-dos)."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class TimelineCursorPagination(CursorPagination):
    """Timelines read oldest first; keyset on id keeps long histories cheap."""

    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
