"""Small PostgreSQL helpers shared by the apps' services."""

from __future__ import annotations

from django.db import connection


def advisory_xact_lock(key: str) -> None:
    """Serialise writers on `key` until the surrounding transaction ends.

    Used where two deliveries of the same thing (a webhook retried while the first is still
    running, two messages from a new customer at once) would otherwise both pass an
    existence check. Must be called inside `transaction.atomic()`.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])
