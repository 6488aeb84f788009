"""The timeline event sentences the services store (tickets, surveys), as patterns and their
translated templates, for `desk.backend_text.event_text`. Order matters: the first pattern
that matches the whole text wins, so the longer forms come before their shorter ones."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from desk.backend_text import Rule, _r

CONTACTS = ngettext_lazy(
    "customer contacted you %(count)s time without an answer",
    "customer contacted you %(count)s times without an answer",
    "count",
)

TICKET_RULES: list[Rule] = [
    (_r(r"joined: (?P<reason>.+)"), _("joined: %(reason)s")),
    (_r(r"created from (?P<channel>\w+)"), _("created from %(channel)s")),
    (_r(r"created by an agent \((?P<channel>\w+)\)"), _("created by an agent (%(channel)s)")),
    (_r(r"follow-up of closed ticket #(?P<n>{n})"), _("follow-up of closed ticket #%(n)s")),
    (
        _r(r"customer wrote again: follow-up ticket #(?P<n>{n}) opened"),
        _("customer wrote again: follow-up ticket #%(n)s opened"),
    ),
    (_r(r"reopened: the customer wrote again"), _("reopened: the customer wrote again")),
    (
        _r(r"status (?P<status_old>\w+) → open: the customer replied"),
        _("status %(status_old)s → open: the customer replied"),
    ),
    (_r(r"status solved → closed: aged out"), _("status solved → closed: aged out")),
    (
        _r(r"status (?P<status_old>\w+) → (?P<status_new>\w+)"),
        _("status %(status_old)s → %(status_new)s"),
    ),
    (
        _r(r"customer contacted you (?P<count>{n}) times without an answer \((?P<more>.+)\)"),
        ngettext_lazy(
            "customer contacted you %(count)s time without an answer (%(more)s)",
            "customer contacted you %(count)s times without an answer (%(more)s)",
            "count",
        ),
    ),
    (_r(r"customer contacted you (?P<count>{n}) times without an answer"), CONTACTS),
    (
        _r(r"(?P<count>{n}) repeat contacts counted over the merge with #(?P<n>{n})"),
        ngettext_lazy(
            "%(count)s repeat contact counted over the merge with #%(n)s",
            "%(count)s repeat contacts counted over the merge with #%(n)s",
            "count",
        ),
    ),
    (_r(r"assigned to (?P<name>.+)"), _("assigned to %(name)s")),
    (_r(r"unassigned"), _("unassigned")),
    (_r(r"team: (?P<word>.+)"), _("team: %(word)s")),
    (
        _r(r"priority (?P<prio_old>\w+) → (?P<prio_new>\w+): the customer is chasing"),
        _("priority %(prio_old)s → %(prio_new)s: the customer is chasing"),
    ),
    (
        _r(r"priority (?P<prio_old>\w+) → (?P<prio_new>\w+): SLA breached"),
        _("priority %(prio_old)s → %(prio_new)s: SLA breached"),
    ),
    (
        _r(r"priority (?P<prio_old>\w+) → (?P<prio_new>\w+)"),
        _("priority %(prio_old)s → %(prio_new)s"),
    ),
    (_r(r"tags: (?P<word>.+)"), _("tags: %(word)s")),
    (_r(r"subject: (?P<subject>.*)"), _("subject: %(subject)s")),
    (_r(r"to-do still open: (?P<todo>.*)"), _("to-do still open: %(todo)s")),
    (_r(r"to-do done: (?P<todo>.*)"), _("to-do done: %(todo)s")),
    (_r(r"to-do: (?P<todo>.*)"), _("to-do: %(todo)s")),
    (_r(r"missed call from (?P<word>.+)"), _("missed call from %(word)s")),
]

MERGE_RULES: list[Rule] = [
    (_r(r"merged into #(?P<n>{n})"), _("merged into #%(n)s")),
    (
        _r(r"#(?P<n>{n}) merged in \((?P<count>{n}) messages\)"),
        ngettext_lazy(
            "#%(n)s merged in (%(count)s message)", "#%(n)s merged in (%(count)s messages)", "count"
        ),
    ),
    (_r(r"split off from #(?P<n>{n})"), _("split off from #%(n)s")),
    (_r(r"message (?P<m>{n}) moved to #(?P<n>{n})"), _("message %(m)s moved to #%(n)s")),
    (
        _r(r"message (?P<m>{n}) moved here from #(?P<n>{n})"),
        _("message %(m)s moved here from #%(n)s"),
    ),
    (_r(r"customer (?P<m>{n}) merged into (?P<n>{n})"), _("customer %(m)s merged into %(n)s")),
]

METRIC = r"(?P<metric>first response|next response|resolution)"
SLA_RULES: list[Rule] = [
    (
        _r(r"SLA: " + METRIC + r" due (?P<due>{when}) \((?P<why>.*)\)"),
        _("SLA: %(metric)s due %(due)s (%(why)s)"),
    ),
    (
        _r(r"SLA: " + METRIC + r" now due (?P<due>{when}), earlier: (?P<why>.*)"),
        _("SLA: %(metric)s now due %(due)s, earlier: %(why)s"),
    ),
    (_r(r"SLA: " + METRIC + r" met late"), _("SLA: %(metric)s met late")),
    (_r(r"SLA: " + METRIC + r" met"), _("SLA: %(metric)s met")),
    (
        _r(r"SLA: " + METRIC + r" breached \(was due (?P<due>{when})\)"),
        _("SLA: %(metric)s breached (was due %(due)s)"),
    ),
    (
        _r(r"SLA: resolution paused while (?P<status>\w+)"),
        _("SLA: resolution paused while %(status)s"),
    ),
    (
        _r(r"SLA: resolution resumed, due (?P<due>{when})"),
        _("SLA: resolution resumed, due %(due)s"),
    ),
    (
        _r(r"SLA: " + METRIC + r" re-timed to (?P<due>{when}) \((?P<policy>.*)\)"),
        _("SLA: %(metric)s re-timed to %(due)s (%(policy)s)"),
    ),
]

SURVEY_RULES: list[Rule] = [
    (
        _r(r"customer rated (?P<rating>\d)/5: (?P<comment>.*)"),
        _("customer rated %(rating)s/5: %(comment)s"),
    ),
    (_r(r"customer rated (?P<rating>\d)/5"), _("customer rated %(rating)s/5")),
    (
        _r(r"customer changed the rating (?P<old>\d)/5 → (?P<rating>\d)/5: (?P<comment>.*)"),
        _("customer changed the rating %(old)s/5 → %(rating)s/5: %(comment)s"),
    ),
    (
        _r(r"customer changed the rating (?P<old>\d)/5 → (?P<rating>\d)/5"),
        _("customer changed the rating %(old)s/5 → %(rating)s/5"),
    ),
    (
        _r(r"recovery of the (?P<rating>\d)/5 rating acknowledged"),
        _("recovery of the %(rating)s/5 rating acknowledged"),
    ),
    (_r(r"survey not sent: (?P<cancel>.+)"), _("survey not sent: %(cancel)s")),
    (
        _r(r"satisfaction survey sent \((?P<delivery>.+)\)"),
        _("satisfaction survey sent (%(delivery)s)"),
    ),
]

EVENT_RULES: list[Rule] = TICKET_RULES + MERGE_RULES + SLA_RULES + SURVEY_RULES
