"""The managers' figures, one module per group. Every function takes a `ReportFilter` and,
keyword-only, the `viewer` (the user the figures are for: restricted teams' tickets they
may not see are left out; None for the system, e.g. the weekly email to managers) and `now`
(default: the current time), and returns a frozen dataclass computed in PostgreSQL. The
docstring of each function is the definition the page prints."""
