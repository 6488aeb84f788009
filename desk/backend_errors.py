"""The refusals the services raise (`TicketError`, `MergeError`, …) that the desk shows as form
errors, as patterns and their translated templates, for `desk.backend_text.error_text`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from desk.backend_text import Rule, _r

# Why a WhatsApp/Messenger reply cannot be free text (the first half of a refusal).
WINDOW_RULES: list[Rule] = [
    (
        _r(
            r"the customer has not written to us on (?P<channel>.+), "
            r"so no free-text reply is allowed"
        ),
        _("the customer has not written to us on %(channel)s, so no free-text reply is allowed"),
    ),
    (
        _r(r"the (?P<channel>.+) 24-hour window closed at (?P<at>.+)"),
        _("the %(channel)s 24-hour window closed at %(at)s"),
    ),
]

REPLY_RULES: list[Rule] = [
    (_r(r"a reply needs some text"), _("a reply needs some text")),
    (_r(r"a note needs some text"), _("a note needs some text")),
    (_r(r"a to-do needs some text"), _("a to-do needs some text")),
    (
        _r(r"at most (?P<count>{n}) files can go on one message"),
        ngettext_lazy(
            "at most %(count)s file can go on one message",
            "at most %(count)s files can go on one message",
            "count",
        ),
    ),
    (
        _r(r"(?P<name>.+) is larger than the (?P<size>.+) a file may be"),
        _("%(name)s is larger than the %(size)s a file may be"),
    ),
    (
        _r(r"files cannot be sent on (?P<channel>.+): reply by email or add them to a note"),
        _("files cannot be sent on %(channel)s: reply by email or add them to a note"),
    ),
    (
        _r(r"that identity cannot receive a (?P<channel>\w+) reply for this customer"),
        _("that identity cannot receive a %(channel)s reply for this customer"),
    ),
    (
        _r(r"only WhatsApp replies can be approved templates"),
        _("only WhatsApp replies can be approved templates"),
    ),
    (
        _r(r"a template name is lower-case letters, digits and underscores"),
        _("a template name is lower-case letters, digits and underscores"),
    ),
    (
        _r(r"a template language is a code like en_US or nl"),
        _("a template language is a code like en_US or nl"),
    ),
    (_r(r"(?P<window>.+); send an approved template"), _("%(window)s; send an approved template")),
    (
        _r(r"(?P<window>.+); answer on another channel or wait for the customer to write"),
        _("%(window)s; answer on another channel or wait for the customer to write"),
    ),
    (
        _r(r"a phone reply is a call: log it with call_log"),
        _("a phone reply is a call: log it as a call"),
    ),
    (
        _r(r"the customer has no (?P<channel>\w+) identity to reply to"),
        _("the customer has no %(channel)s identity to reply to"),
    ),
    (
        _r(r"the customer has no (?P<channel>\w+) identity to write to"),
        _("the customer has no %(channel)s identity to write to"),
    ),
    (
        _r(r"a call cannot last less than zero seconds"),
        _("a call cannot last less than zero seconds"),
    ),
]

TICKET_RULES: list[Rule] = [
    (_r(r"a ticket needs a subject"), _("a ticket needs a subject")),
    (
        _r(r"ticket #(?P<m>{n}) was already merged into #(?P<n>{n})"),
        _("ticket #%(m)s was already merged into #%(n)s"),
    ),
    (
        _r(r"ticket #(?P<m>{n}) was merged into #(?P<n>{n})"),
        _("ticket #%(m)s was merged into #%(n)s"),
    ),
    (
        _r(r"ticket #(?P<n>{n}) is closed; open a follow-up instead"),
        _("ticket #%(n)s is closed; open a follow-up instead"),
    ),
    (_r(r"ticket #(?P<n>{n}) is closed and read-only"), _("ticket #%(n)s is closed and read-only")),
    (
        _r(r"ticket #(?P<n>{n}) cannot take messages \(merged or closed\)"),
        _("ticket #%(n)s cannot take messages (merged or closed)"),
    ),
    (_r(r"a ticket cannot be merged into itself"), _("a ticket cannot be merged into itself")),
    (
        _r(r"tickets of different customers cannot be merged; merge the customers first"),
        _("tickets of different customers cannot be merged; merge the customers first"),
    ),
    (
        _r(r"a message can only move to a ticket of the same customer"),
        _("a message can only move to a ticket of the same customer"),
    ),
]

CUSTOMER_RULES: list[Rule] = [
    (_r(r"a customer needs at least one identity"), _("a customer needs at least one identity")),
    (_r(r"a customer cannot be merged into itself"), _("a customer cannot be merged into itself")),
    (
        _r(r"customer (?P<m>{n}) was already merged into (?P<n>{n})"),
        _("customer %(m)s was already merged into %(n)s"),
    ),
    (
        _r(r"customer (?P<m>{n}) was merged into (?P<n>{n})"),
        _("customer %(m)s was merged into %(n)s"),
    ),
    (
        _r(
            r"(?P<channel_kind>\w+) (?P<value>.+) already belongs to customer (?P<n>{n}); "
            r"merge them instead"
        ),
        _("%(channel_kind)s %(value)s already belongs to customer %(n)s; merge them instead"),
    ),
]

ERROR_RULES: list[Rule] = REPLY_RULES + TICKET_RULES + CUSTOMER_RULES
