"""Bulk actions from the list: over the picked rows (done in the request, at most
`PICKED_MAX`), or over all that match the list's filter (a Celery task, followed here).

With htmx the answer is the result for the list's live region, and `HX-Trigger` makes the
rows and the counts refresh; without JavaScript it is a redirect back to the list with the
result as a message. A refused request (nothing picked, no status chosen, a merge the
service refuses) answers 400 with the reason, never a 500.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from desk.access import DeskRequest, agent_required
from desk.backend_text import error_text
from desk.bulk import (
    BulkAction,
    BulkOutcome,
    bulk_action_label,
    bulk_action_parse,
    bulk_apply,
    bulk_merge,
    bulk_merge_preview,
    picked_ids,
)
from desk.bulk_jobs import BulkJob, bulk_job_get, bulk_job_start
from desk.queues import QueueFilter
from desk.tasks import bulk_over_filter
from desk.views.queue import queue_spec
from helpdesk.errors import DomainError

RESULT = "desk/_bulk.html#result"
# The rows and the left column refresh after any change (the list re-renders).
CHANGED = json.dumps({"desk:bulk-done": None, "desk:queue-changed": None, "desk:counts": None})


def _answer(
    request: DeskRequest, spec: QueueFilter, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """The result fragment (htmx), or back to the list with it as a message."""
    if request.htmx:
        response = render(request, RESULT, context, status=status)
        if status == 200 and context.get("changed", True):
            response["HX-Trigger"] = CHANGED
        return response
    text = context.get("error") or context.get("text", "")
    if context.get("error"):
        messages.error(request, text)
    else:
        messages.success(request, text)
    return redirect(f"{reverse('desk:queue')}?{spec.page_query}")


def _outcome_context(label: str, outcome: BulkOutcome) -> dict[str, Any]:
    return {"label": label, "outcome": outcome, "text": f"{label}: {outcome.summary()}"}


def _merge(request: DeskRequest, spec: QueueFilter, ids: list[int]) -> HttpResponse:
    """Without `into`: the question (which ticket stays, what moves). With it: the merge."""
    into = request.POST.get("into", "")
    if not into.isdigit():
        tickets = bulk_merge_preview(user=request.user, ticket_ids=ids)
        context = {
            "merge": tickets,
            "spec": spec,
            "same_customer": len({t.customer_id for t in tickets}) == 1,
        }
        return render(request, "desk/_bulk.html#merge", context)
    target = bulk_merge(user=request.user, ticket_ids=ids, into=int(into))
    merged = ", ".join(f"#{pk}" for pk in sorted(ids) if pk != target.pk)
    text = _("Merged %(merged)s into #%(into)s.") % {"merged": merged, "into": target.pk}
    return _answer(request, spec, {"text": text, "merged_into": target})


def _over_filter(request: DeskRequest, spec: QueueFilter, action: BulkAction) -> HttpResponse:
    label = bulk_action_label(action, user=request.user)
    job_id, until_id = bulk_job_start(user=request.user, spec=spec, label=label)
    args = (job_id, request.user.pk, spec.query(), action.as_dict(), until_id)
    transaction.on_commit(lambda: bulk_over_filter.delay(*args))
    job = bulk_job_get(job_id=job_id, user=request.user)
    return _job_answer(request, spec, job)


def _job_answer(request: DeskRequest, spec: QueueFilter, job: BulkJob | None) -> HttpResponse:
    if job is None:
        raise Http404("No such job")
    if job.state == "running":
        text = _("%(label)s: working through every ticket that matches…") % {"label": job.label}
        context = {"job": job, "text": text, "changed": False}
        return _answer(request, spec, context)
    context = _outcome_context(job.label, job.outcome)
    if job.state == "stopped":
        context["text"] = _(
            "%(label)s stopped before the end: %(summary)s Run it again to finish."
        ) % {"label": job.label, "summary": job.outcome.summary()}
    return _answer(request, spec, context)


@require_POST
@agent_required
def bulk(request: DeskRequest) -> HttpResponse:
    spec = queue_spec(request, QueryDict(request.POST.get("filter", "")))
    try:
        if request.POST.get("scope") == "all":
            if request.POST.get("action") == "merge":
                raise DomainError(_("Merging works on picked tickets only."))
            return _over_filter(request, spec, bulk_action_parse(request.POST, user=request.user))
        ids = picked_ids(request.POST.getlist("tickets"))
        if request.POST.get("action") == "merge":
            return _merge(request, spec, ids)
        action = bulk_action_parse(request.POST, user=request.user)
        outcome = bulk_apply(user=request.user, ticket_ids=ids, action=action)
    except DomainError as error:
        return _answer(request, spec, {"error": error_text(error)}, status=error.status)
    label = bulk_action_label(action, user=request.user)
    return _answer(request, spec, _outcome_context(label, outcome))


@require_GET
@agent_required
def bulk_job(request: DeskRequest, job_id: str) -> HttpResponse:
    """How a job over a whole filter goes: 204 while it runs (htmx keeps polling and swaps
    nothing, so the live region stays quiet), the result once it is done."""
    job = bulk_job_get(job_id=job_id, user=request.user)
    if job is not None and job.state == "running" and request.htmx:
        return HttpResponse(status=204)
    return _job_answer(request, QueueFilter.from_query(request.GET), job)


urlpatterns = [
    path("bulk/", bulk, name="bulk"),
    path("bulk/jobs/<str:job_id>/", bulk_job, name="bulk_job"),
]
