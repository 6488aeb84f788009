from __future__ import annotations

from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Keyset pagination on the primary key: stable under inserts, O(page) on long lists."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200
