""" "Erase me": the customer asks, a manager approves or rejects, approval erases.

The erasure runs in the approval's one transaction: the customer's name, notes and
identities, every ticket of theirs anonymised (`scrub.tickets_anonymise`), messages they
wrote elsewhere, their chat conversations, raw deliveries naming them, their portal user
and its sessions, their exports. Rows that figures count stay, without their words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from customers.models import Customer, Identity
from privacy.models import (
    AnonymisedTicket,
    DataExport,
    ErasureRequest,
    ErasureStatus,
    export_storage,
)
from privacy.services import scrub
from tickets.models import Message, Ticket

if TYPE_CHECKING:
    from helpdesk.roles import User


class PrivacyError(Exception):
    """A privacy request that cannot go ahead; the message is for the person who asked."""


@transaction.atomic
def erasure_request(*, customer: Customer) -> ErasureRequest:
    """Record the customer's request, or return the one already pending (asking twice is
    one request)."""
    pending = ErasureRequest.objects.filter(customer=customer, status=ErasureStatus.PENDING)
    existing = pending.first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return ErasureRequest.objects.create(customer=customer)
    except IntegrityError:
        # A double submit raced us to the one pending row.
        return pending.get()


@transaction.atomic
def erasure_reject(*, request_id: int, by: User, note: str = "") -> ErasureRequest:
    """Decline: nothing is erased; the note says why (for the team, not the customer)."""
    request = _pending_locked(request_id)
    request.status = ErasureStatus.REJECTED
    request.decided_by = by
    request.decided_at = timezone.now()
    request.note = note.strip()[:2000]
    request.save(update_fields=["status", "decided_by", "decided_at", "note"])
    return request


@transaction.atomic
def erasure_approve(*, request_id: int, by: User, note: str = "") -> ErasureRequest:
    """Approve and erase, all or nothing. Stored files go once the transaction commits."""
    request = _pending_locked(request_id)
    now = timezone.now()
    request.status = ErasureStatus.APPROVED
    request.decided_by = by
    request.decided_at = now
    request.note = note.strip()[:2000]
    request.save(update_fields=["status", "decided_by", "decided_at", "note"])
    customer_erase(customer=request.customer)
    request.status = ErasureStatus.DONE
    request.done_at = timezone.now()
    request.save(update_fields=["status", "done_at"])
    return request


def _pending_locked(request_id: int) -> ErasureRequest:
    request = (
        ErasureRequest.objects.select_for_update().select_related("customer").filter(pk=request_id)
    ).first()
    if request is None or request.status != ErasureStatus.PENDING:
        raise PrivacyError("This request is no longer pending.")
    return request


def customer_erase(*, customer: Customer) -> None:
    """Remove the customer's personal data (and that of records merged into them). Runs
    inside the caller's transaction."""
    scrub.erasure_mode()
    customer_ids = [customer.pk, *_merged_ids(customer)]
    identities = Identity.objects.filter(customer_id__in=customer_ids)
    needles = _needles(identities)
    chat_ids = [value for kind, value in identities.values_list("kind", "value") if kind == "chat"]
    ticket_ids = list(
        Ticket.objects.filter(customer_id__in=customer_ids).values_list("pk", flat=True)
    )
    names = scrub.tickets_anonymise(ticket_ids=ticket_ids)
    elsewhere = Message.objects.filter(author_customer_id__in=customer_ids).exclude(
        ticket_id__in=ticket_ids
    )
    names += scrub.messages_anonymise(message_ids=list(elsewhere.values_list("pk", flat=True)))
    scrub.chats_anonymise(Q(visitor_id__in=chat_ids))
    scrub.receipts_clear_mentioning(needles)
    identities.delete()
    Customer.objects.filter(pk__in=customer_ids).update(name="", notes="", organisation=None)
    _portal_users_remove(customer_ids)
    _admin_log_scrub(customer_ids)
    _exports_remove(customer_ids)
    AnonymisedTicket.objects.bulk_create(
        [
            AnonymisedTicket(ticket_id=pk, reason=AnonymisedTicket.Reason.ERASURE)
            for pk in ticket_ids
        ],
        ignore_conflicts=True,
    )
    scrub.files_delete_on_commit(names)


def _merged_ids(customer: Customer) -> list[int]:
    """Every record merged into this one, however deep the chain."""
    found: list[int] = []
    frontier = [customer.pk]
    while frontier:
        frontier = list(
            Customer.objects.filter(merged_into_id__in=frontier)
            .exclude(pk__in=found)
            .values_list("pk", flat=True)
        )
        found += frontier
    return found


def _needles(identities: QuerySet[Identity]) -> set[str]:
    """What a raw payload would contain: each value as stored and as the platform writes it
    (Meta sends a phone number without its '+'). Not the display names: "Maria" would match
    other people's deliveries too."""
    values: set[str] = set()
    for value in identities.values_list("value", flat=True):
        values.update({value, value.lstrip("+")})
    return {item for item in values if item}


def _portal_users_remove(customer_ids: list[int]) -> None:
    """The portal's user (its username and any fields) goes, and every session it has: a
    device still signed in is signed out."""
    users = get_user_model().objects.filter(customer_account__customer_id__in=customer_ids)
    user_ids = {str(pk) for pk in users.values_list("pk", flat=True)}
    if not user_ids:
        return
    stale = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) in user_ids
    ]
    Session.objects.filter(pk__in=stale).delete()
    users.delete()


def _admin_log_scrub(customer_ids: list[int]) -> None:
    """The admin's history names the object as it was ("Eva Jansen"): keep the entry, not
    the name."""
    kind = ContentType.objects.get_for_model(Customer)
    LogEntry.objects.filter(
        content_type=kind, object_id__in=[str(pk) for pk in customer_ids]
    ).update(object_repr=scrub.REMOVED, change_message="")


def _exports_remove(customer_ids: list[int]) -> None:
    exports = DataExport.objects.filter(customer_id__in=customer_ids)
    names = [name for name in exports.values_list("file", flat=True) if name]
    exports.delete()
    scrub.files_delete_on_commit(names, storage=export_storage())
