"""Bulk actions on the list: assign, set a status or add a tag on many tickets at once, or
merge picked tickets into one.

Every ticket goes through the same service a single edit uses (`tickets.services`), in its
own transaction, so one refusal (a closed ticket) never undoes the others and every change
leaves its event on the timeline. Tickets are only ever found through the access rule
(`tickets.selectors.ticket_list_for_user`, `desk.queues.queue_tickets`): an id the agent may
not see is reported as unavailable and never touched. The actions are idempotent (assigning
to whoever already has it changes nothing), so running one twice is safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from desk.backend_text import error_text
from desk.queues import STATUS_LABELS, customer_labelled
from helpdesk.errors import DomainError
from helpdesk.roles import AGENT_GROUPS
from tickets.choices import Status
from tickets.selectors import ticket_list_for_user
from tickets.services import ticket_assign, ticket_merge, ticket_set_status, ticket_set_tags
from tickets.services.tickets import ticket_lock

if TYPE_CHECKING:
    from helpdesk.roles import User
    from tickets.models import Ticket

# Picked rows are done inside the request; more than this is work for "all that match".
PICKED_MAX = 200
ACTIONS = ("assign", "status", "tag")
# How many failures a result names one by one (the rest are counted).
FAILURES_SHOWN = 5


class BulkInputError(DomainError):
    """A bulk request that cannot run as asked (nothing picked, no status chosen, …)."""


@dataclass(frozen=True)
class BulkAction:
    """What to do to each ticket. `assignee` is a user id, None for nobody (kind "assign")."""

    kind: str
    assignee: int | None = None
    status: str = ""
    tag: str = ""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-safe form for the task's arguments."""
        return {
            "kind": self.kind,
            "assignee": self.assignee,
            "status": self.status,
            "tag": self.tag,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BulkAction:
        return cls(data["kind"], data.get("assignee"), data.get("status", ""), data.get("tag", ""))


@dataclass
class BulkOutcome:
    """How a bulk action went: tickets changed, already so, and refused (id, why)."""

    changed: int = 0
    unchanged: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)

    def add(self, other: BulkOutcome) -> None:
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.failed += other.failed

    def as_dict(self) -> dict[str, Any]:
        return {"changed": self.changed, "unchanged": self.unchanged, "failed": self.failed}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BulkOutcome:
        failed = [(int(pk), str(why)) for pk, why in data.get("failed", [])]
        return cls(int(data.get("changed", 0)), int(data.get("unchanged", 0)), failed)

    def summary(self) -> str:
        """One sentence for the live region, e.g. "3 tickets changed, 1 already so, 1 failed"."""
        parts = [
            ngettext("%(n)s ticket changed", "%(n)s tickets changed", self.changed)
            % {"n": self.changed}
        ]
        if self.unchanged:
            parts.append(_("%(n)s already so") % {"n": self.unchanged})
        if self.failed:
            parts.append(_("%(n)s failed") % {"n": len(self.failed)})
        return ", ".join(parts) + "."

    def failures_shown(self) -> list[tuple[int, str]]:
        return self.failed[:FAILURES_SHOWN]


def bulk_agents() -> QuerySet[Any]:
    """Who a ticket may be assigned to: active agents, managers and superusers."""
    users = get_user_model().objects.filter(is_active=True)
    agents = users.filter(Q(is_superuser=True) | Q(groups__name__in=AGENT_GROUPS)).distinct()
    return agents.order_by("first_name", "last_name", "username")


def bulk_action_label(action: BulkAction, *, user: User) -> str:
    """What the action did, for the result ("Assigned to Anna", "Status set to Pending")."""
    if action.kind == "status":
        return _("Status set to %(status)s") % {"status": STATUS_LABELS[action.status]}
    if action.kind == "tag":
        return _("Tag “%(tag)s” added") % {"tag": action.tag}
    if action.assignee is None:
        return _("Unassigned")
    if action.assignee == user.pk:
        return _("Assigned to you")
    agent = bulk_agents().filter(pk=action.assignee).first()
    name = (agent.get_full_name() or agent.get_username()) if agent else "?"
    return _("Assigned to %(name)s") % {"name": name}


def _assignee(value: str, *, user: User) -> int | None:
    if value == "me":
        return user.pk
    if value in ("", "none"):
        return None
    if not value.isdigit() or len(value) > 10 or not bulk_agents().filter(pk=value).exists():
        raise BulkInputError(_("Choose an agent to assign the tickets to."))
    return int(value)


def bulk_action_parse(data: Any, *, user: User) -> BulkAction:
    """The action a submitted bulk form asks for, or `BulkInputError` saying what is missing."""
    kind = data.get("action", "")
    if kind == "assign":
        return BulkAction("assign", assignee=_assignee(data.get("assignee", ""), user=user))
    if kind == "status":
        status = data.get("status", "")
        if status not in Status.values:
            raise BulkInputError(_("Choose a status to set."))
        return BulkAction("status", status=status)
    if kind == "tag":
        tag = data.get("tag", "").strip().lower()
        if not tag or len(tag) > 50:
            raise BulkInputError(_("Write a tag of at most 50 characters to add."))
        return BulkAction("tag", tag=tag)
    raise BulkInputError(_("Choose what to do with the picked tickets."))


def picked_ids(values: list[str]) -> list[int]:
    """The picked ticket ids of a form, in order, each once; `BulkInputError` for none,
    for junk or for more than a request does."""
    ids: list[int] = []
    for value in values:
        if not value.isdigit() or len(value) > 18:
            raise BulkInputError(_("The picked tickets could not be read; reload the list."))
        if int(value) not in ids:
            ids.append(int(value))
    if not ids:
        raise BulkInputError(_("Pick at least one ticket first."))
    if len(ids) > PICKED_MAX:
        raise BulkInputError(
            _("Pick at most %(n)s tickets, or choose all that match this filter.")
            % {"n": PICKED_MAX}
        )
    return ids


def _visible(*, user: User, ticket_ids: list[int]) -> dict[int, Ticket]:
    """The picked tickets `user` may see and that still take changes (not merged away)."""
    tickets = ticket_list_for_user(user=user).prefetch_related(None).filter(pk__in=ticket_ids)
    return {ticket.pk: ticket for ticket in tickets}


def _apply_one(ticket: Ticket, action: BulkAction, *, agent: User | None, by: User) -> bool:
    """Run the action's service on one ticket; whether it changed anything. The row is
    locked first so "before" is exactly what the service then sees."""
    with transaction.atomic():
        locked = ticket_lock(ticket)
        if action.kind == "assign":
            assignee: int | None = locked.assignee_id
            return ticket_assign(ticket=locked, agent=agent, by=by).assignee_id != assignee
        if action.kind == "status":
            status: str = locked.status
            return ticket_set_status(ticket=locked, status=action.status, by=by).status != status
        tags: list[str] = sorted(locked.tags)
        changed = ticket_set_tags(ticket=locked, tags=[*locked.tags, action.tag], by=by)
        return bool(sorted(changed.tags) != tags)


def bulk_apply(*, user: User, ticket_ids: list[int], action: BulkAction) -> BulkOutcome:
    """Apply `action` to each of `ticket_ids` that `user` may see, one service call and one
    transaction per ticket; a refusal is recorded with the service's reason, never raised."""
    outcome = BulkOutcome()
    agent: User | None = None
    if action.kind == "assign" and action.assignee is not None:
        agent = bulk_agents().filter(pk=action.assignee).first()
        if agent is None:
            outcome.failed = [(pk, _("that agent can no longer take tickets")) for pk in ticket_ids]
            return outcome
    visible = _visible(user=user, ticket_ids=ticket_ids)
    for pk in ticket_ids:
        ticket = visible.get(pk)
        if ticket is None:
            outcome.failed.append((pk, _("not found")))
            continue
        try:
            changed = _apply_one(ticket, action, agent=agent, by=user)
        except DomainError as error:
            outcome.failed.append((pk, error_text(error)))
            continue
        if changed:
            outcome.changed += 1
        else:
            outcome.unchanged += 1
    return outcome


def bulk_merge_preview(*, user: User, ticket_ids: list[int]) -> list[Ticket]:
    """The picked tickets for the merge question, oldest first (the default survivor)."""
    if len(ticket_ids) < 2:
        raise BulkInputError(_("Pick at least two tickets to merge."))
    visible = ticket_list_for_user(user=user).prefetch_related(None).filter(pk__in=ticket_ids)
    tickets = customer_labelled(visible.order_by("pk"))
    if len(tickets) != len(ticket_ids):
        raise BulkInputError(_("Some picked tickets are no longer available; reload the list."))
    return tickets


@transaction.atomic
def bulk_merge(*, user: User, ticket_ids: list[int], into: int) -> Ticket:
    """Merge every picked ticket into `into` (one of them) through `ticket_merge`; all or
    nothing: the first refusal (another customer's ticket, a closed one) undoes the rest
    and is raised with the service's own message."""
    tickets = {ticket.pk: ticket for ticket in bulk_merge_preview(user=user, ticket_ids=ticket_ids)}
    target = tickets.get(into)
    if target is None:
        raise BulkInputError(_("Choose which of the picked tickets to keep."))
    for pk, source in tickets.items():
        if pk != into:
            target = ticket_merge(source=source, target=target, by=user)
    return target
