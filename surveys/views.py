"""The customer's survey pages (no login; the signed token in the URL is the key).

A GET never records anything: mail security scanners open every link in a message. The
rating is recorded by a deliberate POST (the page's submit button, or a script). The views
are CSRF-exempt because the token itself is the unguessable, signed credential and there
is no session to ride on.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from surveys import selectors, services
from surveys.forms import NpsForm, RatingForm
from surveys.models import Survey


def _invalid(request: HttpRequest, error: services.SurveyError) -> HttpResponse:
    status = 410 if isinstance(error, services.SurveyLinkExpired) else 400
    return render(request, "surveys/invalid.html", {"error": str(error)}, status=status)


def _selected(form: RatingForm | None) -> int:
    try:
        return int(form["rating"].value()) if form is not None else 0
    except (TypeError, ValueError):
        return 0


def _context(survey: Survey, **extra: object) -> dict[str, object]:
    config = selectors.survey_settings()
    answer = selectors.answer_of(survey=survey)
    text = selectors.wording(config, survey.language)
    form = extra.get("form")
    return {
        "survey": survey,
        "ticket": survey.ticket,
        "wording": text,
        "rating_choices": sorted(text.labels.items(), reverse=True),
        "selected": _selected(form if isinstance(form, RatingForm) else None),
        "answer": answer,
        "final": answer is not None and timezone.now() > answer.final_at,
        "LANGUAGE_CODE": survey.language,
        **extra,
    }


@csrf_exempt
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str, rating: int) -> HttpResponse:
    """GET: the chosen rating pre-selected, a comment box and a submit button. POST: record."""
    try:
        survey = services.survey_from_token(token=token)
    except services.SurveyError as exc:
        return _invalid(request, exc)
    with override(survey.language):
        if request.method == "POST":
            form = RatingForm(request.POST)
            if form.is_valid():
                try:
                    services.survey_answer(
                        survey=survey,
                        rating=form.cleaned_data["rating"],
                        comment=form.cleaned_data["comment"],
                    )
                except services.SurveyError as exc:
                    context = _context(survey, form=form, token=token, error=str(exc))
                    return render(request, "surveys/rate.html", context, status=409)
                return redirect("survey-thanks", token=token)
            return render(
                request, "surveys/rate.html", _context(survey, form=form, token=token), status=400
            )
        initial: dict[str, object] = {"rating": rating if 1 <= rating <= 5 else None}
        answer = selectors.answer_of(survey=survey)
        if answer is not None:
            initial["comment"] = answer.comment
        form = RatingForm(initial=initial)
        return render(request, "surveys/rate.html", _context(survey, form=form, token=token))


@require_http_methods(["GET"])
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    """Thanks, the answer as recorded, and the NPS question when it is due."""
    try:
        survey = services.survey_from_token(token=token)
    except services.SurveyError as exc:
        return _invalid(request, exc)
    with override(survey.language):
        return render(request, "surveys/thanks.html", _thanks_context(survey, token))


def _thanks_context(survey: Survey, token: str, **extra: object) -> dict[str, object]:
    """The NPS form shows after a CSAT answer, once per survey, at most every
    `nps_interval_days` per customer."""
    config = selectors.survey_settings()
    context = _context(survey, token=token, **extra)
    ask = (
        context["answer"] is not None
        and not selectors.nps_given(survey=survey)
        and selectors.nps_due(
            customer_id=survey.customer_id, interval_days=config.nps_interval_days
        )
    )
    context["nps_form"] = NpsForm() if ask else None
    return context


@csrf_exempt
@require_http_methods(["POST"])
def nps(request: HttpRequest, token: str) -> HttpResponse:
    """Record the NPS answer (0-10) asked on the thank-you page."""
    try:
        survey = services.survey_from_token(token=token)
    except services.SurveyError as exc:
        return _invalid(request, exc)
    with override(survey.language):
        form = NpsForm(request.POST)
        if not form.is_valid():
            context = _thanks_context(survey, token)
            context["nps_form"] = form
            return render(request, "surveys/thanks.html", context, status=400)
        try:
            services.nps_answer(
                survey=survey,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except services.SurveyError as exc:
            context = _thanks_context(survey, token, error=str(exc))
            return render(request, "surveys/thanks.html", context, status=409)
        context = _thanks_context(survey, token, nps_done=True)
        return render(request, "surveys/thanks.html", context)
