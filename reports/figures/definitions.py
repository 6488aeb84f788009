"""Each group's definition in words, translated, for the page and the email to print
beside the figures (the functions' docstrings say the same for developers)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Keys as the API's groups (reports.api.GROUPS).
DEFINITIONS: dict[str, Promise] = {
    "compliance": _(
        "Promises due in the range: first and next responses whose due time falls on a day "
        "of the range. Compliance is the share answered by a person in time; answered late "
        "and still open are shown apart."
    ),
    "response-times": _(
        "Tickets created in the range. First response: from creation to the first reply by "
        "a person; automatic messages never count. Median and 90th percentile, in calendar "
        "hours and in the business hours of the ticket's SLA policy. Resolution: from "
        "creation to solved."
    ),
    "acknowledged": _(
        "Acknowledged: from creation to the first message we sent of any kind, an automatic "
        "acknowledgement included, beside the first reply by a person."
    ),
    "backlog": _(
        "Unresolved tickets now (new, open, pending, on hold) by status and by age since "
        "creation. The date range does not apply."
    ),
    "sla": _(
        "At risk now: unresolved tickets past the at-risk point of their nearest promise "
        "but not yet due. Breached: promises recorded as broken on a day of the range."
    ),
    "volume": _("Tickets created per channel per day, in the organisation's time zone."),
    "chasing": _(
        "Share of the tickets created in the range on which the customer wrote again "
        "before a person had answered."
    ),
    "satisfaction": _(
        "Answers given in the range. CSAT: share of ratings 4 and 5. NPS: % promoters (9-10) "
        "minus % detractors (0-6). Credited to the agent who solved the ticket."
    ),
    "forecast": _(
        "Unresolved tickets whose first or next response falls due in the next 4 or 24 "
        "hours with no reply by a person yet: they breach unless someone answers."
    ),
}
