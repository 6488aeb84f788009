"""Writes of the privacy app, one module per entity: `export` (download my data),
`erasure` (erase me), `retention` (the age limit on closed tickets); `scrub` holds the
anonymising both erasure and retention do."""

from __future__ import annotations

from privacy.services.erasure import (
    PrivacyError,
    customer_erase,
    erasure_approve,
    erasure_reject,
    erasure_request,
)
from privacy.services.export import (
    export_build,
    export_data,
    export_expire,
    export_request,
    exports_expire,
    exports_redrive,
)
from privacy.services.retention import retention_cutoff, retention_sweep

__all__ = [
    "PrivacyError",
    "customer_erase",
    "erasure_approve",
    "erasure_reject",
    "erasure_request",
    "export_build",
    "export_data",
    "export_expire",
    "export_request",
    "exports_expire",
    "exports_redrive",
    "retention_cutoff",
    "retention_sweep",
]
