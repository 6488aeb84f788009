"""The one domain-error hierarchy: what a service refuses, and what that means over HTTP.

Bottom layer: this module imports nothing from our apps, so every app's services can derive
their errors from `DomainError` without depending on one another. Services raise these and
keep their return types; the API does not catch them per view — one DRF exception handler
(`helpdesk.api_errors.exception_handler`) turns any `DomainError` into `status` with
`payload()` as the body. HTML views and consumers still catch them where they show them.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """A request a service cannot carry out; `str(error)` says why and is shown to users.

    `status` is the HTTP meaning: 400 refused or invalid (the default), 403 not for us,
    404 not found, 409 conflicts with what exists, 410 gone. Subclasses override it.
    """

    status: ClassVar[int] = 400

    def payload(self) -> dict[str, Any]:
        """The JSON body an API answers with: `{"detail": message}`, plus whatever a
        subclass adds to it (never instead of it)."""
        return {"detail": str(self)}
