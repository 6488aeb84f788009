"""Helpers shared by the browser tests."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def in_thread[T](work: Callable[[], T]) -> T:
    """Run `work` in a helper thread and return its result: services publish to the channel
    layer through async_to_sync on commit, which refuses to run beside sync Playwright's
    event loop (STACK.md, trap 5)."""
    result: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(work())
        except BaseException as exc:  # handed to the test thread below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(120)
    if errors:
        raise errors[0]
    if not result:
        raise AssertionError("the helper thread did not finish in 120 s")
    return result[0]
