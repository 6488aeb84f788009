"""One way for tests to wait for something another process or thread does (a Celery worker,
a browser, a beat scheduler): poll a predicate until it holds or time runs out."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until[T](
    predicate: Callable[[], T],
    *,
    timeout: float,
    interval: float = 0.2,
    message: str | Callable[[], str] = "",
) -> T:
    """Call `predicate` every `interval` seconds until it returns something truthy, and return
    that value (a row, a list, True). The predicate always runs once more at the deadline, so
    a slow last poll is not lost. Past `timeout` seconds it raises AssertionError naming what
    was awaited: `message`, or `message()` when it is a callable (so a worker's log is read
    only when it is needed, and in full), followed by the last value seen."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    what = message() if callable(message) else message
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what} (last: {value!r})")
