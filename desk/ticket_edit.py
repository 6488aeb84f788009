"""What the ticket page's in-place edits need: the choices they offer (active agents, teams),
one small form per field and the one service each edit calls, and the checks before a merge
or a move is confirmed. Views parse with these and render; the services decide."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpdesk.roles import AGENT_GROUPS, MANAGERS_GROUP
from tickets import services
from tickets.models import Priority, Status, Team, Ticket
from tickets.selectors import message_list, ticket_get_for_user

if TYPE_CHECKING:
    from helpdesk.roles import User

STATUS_LABELS: dict[str, Promise] = {
    Status.NEW: gettext_lazy("New"),
    Status.OPEN: gettext_lazy("Open"),
    Status.PENDING: gettext_lazy("Pending"),
    Status.ON_HOLD: gettext_lazy("On hold"),
    Status.SOLVED: gettext_lazy("Solved"),
    Status.CLOSED: gettext_lazy("Closed"),
}
PRIORITY_LABELS: dict[int, Promise] = {
    Priority.LOW: gettext_lazy("Low"),
    Priority.NORMAL: gettext_lazy("Normal"),
    Priority.HIGH: gettext_lazy("High"),
    Priority.URGENT: gettext_lazy("Urgent"),
}


def agents_for(*, ticket: Ticket) -> QuerySet[Any]:
    """The active agents a ticket can be assigned to, by name: one query. A restricted team's
    ticket goes only to its members and the managers (the others could not open it)."""
    users = get_user_model().objects.filter(is_active=True)
    agents = Q(is_superuser=True) | Q(groups__name__in=AGENT_GROUPS)
    if ticket.team is not None and ticket.team.restricted:
        agents = (
            Q(is_superuser=True) | Q(groups__name=MANAGERS_GROUP) | Q(helpdesk_teams=ticket.team)
        )
    return (
        users.filter(agents)
        .distinct()
        .order_by("first_name", "last_name", "username")
        .only("id", "username", "first_name", "last_name")
    )


def teams() -> QuerySet[Team]:
    return Team.objects.order_by("name").only("id", "name", "restricted")


# --- One form and one service call per edit ------------------------------------------------


class TicketForm(forms.Form):
    """A form about one ticket (some choices depend on it)."""

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ticket = ticket


class SubjectForm(TicketForm):
    subject = forms.CharField(max_length=300, strip=True)


class StatusForm(TicketForm):
    status = forms.ChoiceField(choices=list(STATUS_LABELS.items()))


class PriorityForm(TicketForm):
    priority = forms.TypedChoiceField(choices=list(PRIORITY_LABELS.items()), coerce=int)


class AssigneeForm(TicketForm):
    assignee = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False)

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, ticket=ticket, **kwargs)
        field = cast("forms.ModelChoiceField[Any]", self.fields["assignee"])
        field.queryset = agents_for(ticket=ticket)


class TeamForm(TicketForm):
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)


class TagForm(TicketForm):
    tag = forms.CharField(max_length=200, strip=True)


class EmptyForm(TicketForm):
    pass


def _subject(ticket: Ticket, data: dict[str, Any], by: User) -> object:
    return services.ticket_set_subject(ticket=ticket, subject=data["subject"], by=by)


def _status(ticket: Ticket, data: dict[str, Any], by: User) -> object:
    return services.ticket_set_status(ticket=ticket, status=data["status"], by=by)


def _solve(ticket: Ticket, data: dict[str, Any], by: User) -> object:
    return services.ticket_set_status(ticket=ticket, status=Status.SOLVED, by=by)


def _priority(ticket: Ticket, data: dict[str, Any], by: User) -> object:
    return services.ticket_set_priority(ticket=ticket, priority=data["priority"], by=by)


def _assignee(ticket: Ticket, data: dict[str, Any], by: User) -> object:
    return services.ticket_assign(ticket=ticket, agent=data["assignee"], by=by)


def _assign_me(ticket: Ticket, data: dict[str, Any], by: User) -> object:
    return services.ticket_assign(ticket=ticket, agent=by, by=by)


def _team(ticket: Ticket, data: dict[str, Any], by: User) -> object:
    return services.ticket_set_team(ticket=ticket, team=data["team"], by=by)


def _tag_add(ticket: Ticket, data: dict[str, Any], by: User) -> object:
    # Several at once: "vip, refund". The service cleans, lowercases and de-duplicates.
    added = [part for part in data["tag"].split(",") if part.strip()]
    return services.ticket_set_tags(ticket=ticket, tags=[*ticket.tags, *added], by=by)


def _tag_remove(ticket: Ticket, data: dict[str, Any], by: User) -> object:
    kept = [tag for tag in ticket.tags if tag != data["tag"]]
    return services.ticket_set_tags(ticket=ticket, tags=kept, by=by)


@dataclass(frozen=True)
class Edit:
    """One in-place edit: the form that reads it and the one service call it makes."""

    form: type[TicketForm]
    apply: Callable[[Ticket, dict[str, Any], User], object]


EDITS: dict[str, Edit] = {
    "subject": Edit(SubjectForm, _subject),
    "status": Edit(StatusForm, _status),
    "solve": Edit(EmptyForm, _solve),
    "priority": Edit(PriorityForm, _priority),
    "assignee": Edit(AssigneeForm, _assignee),
    "assign-me": Edit(EmptyForm, _assign_me),
    "team": Edit(TeamForm, _team),
    "tag-add": Edit(TagForm, _tag_add),
    "tag-remove": Edit(TagForm, _tag_remove),
}


def form_error(form: forms.Form) -> str:
    """The first thing wrong with a form, for the header's one error line."""
    for errors in form.errors.values():
        return str(errors[0])
    return _("That did not work; please try again.")


# --- Merges and moves: the target, checked before the agent confirms ----------------------


class TargetError(Exception):
    """The ticket number does not name a ticket the agent may use; `str()` says why."""


def ticket_number(value: str) -> int:
    number = value.strip().lstrip("#")
    if not number.isdigit() or len(number) > 12:
        raise TargetError(_("Enter a ticket number, like 1042."))
    return int(number)


def target_get(*, user: User, value: str, source: Ticket) -> Ticket:
    """The ticket a merge or move goes to: one `user` may see (a hidden one is "no such
    ticket", like a missing one), not `source` itself."""
    number = ticket_number(value)
    if number == source.pk:
        raise TargetError(_("That is this ticket; enter another ticket's number."))
    try:
        return ticket_get_for_user(user=user, ticket_id=number, with_sla=False)
    except Http404:
        raise TargetError(_("There is no ticket #%(number)s.") % {"number": number}) from None


@dataclass(frozen=True)
class MergePreview:
    """What the agent confirms: where the messages go, how many, whose ticket it is."""

    source: Ticket
    target: Ticket
    messages: int
    # Set when the merge cannot happen (the service would refuse it too).
    problem: str = ""

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.target.status, self.target.status))


def merge_preview(*, source: Ticket, target: Ticket) -> MergePreview:
    problem = ""
    if target.customer_id != source.customer_id:
        problem = _(
            "#%(target)s belongs to another customer (%(name)s). Merge the customers first."
        ) % {"target": target.pk, "name": target.customer.name or target.customer_id}
    elif target.merged_into_id is not None or target.status == Status.CLOSED:
        problem = _("#%(target)s is closed or merged and takes no more messages.") % {
            "target": target.pk
        }
    return MergePreview(source, target, message_list(ticket=source).count(), problem)
