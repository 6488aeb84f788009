"""Managers maintain macros in the desk: list, create, edit, deactivate (and bring back)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from desk.access import DeskRequest, manager_required
from desk.macros import (
    MACRO_STATUSES,
    PLACEHOLDERS,
    macro_get,
    macro_save,
    macro_set_active,
    placeholders_unknown,
    tags_parse,
)
from desk.models import Macro
from desk.navigation import desk_context
from desk.queues import STATUS_LABELS


def _status_choices() -> list[tuple[str, str]]:
    """Read per form, so the labels follow the manager's language."""
    return [("", _("Leave as it is"))] + [(str(s), str(STATUS_LABELS[s])) for s in MACRO_STATUSES]


class MacroForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    body = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea, strip=False)
    set_status = forms.ChoiceField(
        label=gettext_lazy("Set the status to"), required=False, choices=_status_choices
    )
    add_tags = forms.CharField(label=gettext_lazy("Add tags"), required=False, max_length=500)
    active = forms.BooleanField(label=gettext_lazy("Offered to agents"), required=False)

    def __init__(self, *args: Any, macro: Macro | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.macro = macro

    def clean_title(self) -> str:
        title: str = self.cleaned_data["title"].strip()
        taken = Macro.objects.filter(title__iexact=title)
        if self.macro is not None:
            taken = taken.exclude(pk=self.macro.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another macro already has this title."))
        return title

    def clean_body(self) -> str:
        body: str = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError(_("A macro needs some text."))
        unknown = placeholders_unknown(body)
        if unknown:
            raise forms.ValidationError(
                _("Not a placeholder: %(names)s. Use %(known)s.")
                % {
                    "names": ", ".join(f"{{{n}}}" for n in unknown),
                    "known": ", ".join(f"{{{n}}}" for n in PLACEHOLDERS),
                }
            )
        return body

    def clean_add_tags(self) -> list[str]:
        return tags_parse(self.cleaned_data["add_tags"])


def _initial(macro: Macro | None) -> dict[str, Any]:
    if macro is None:
        return {"active": True}
    return {
        "title": macro.title,
        "body": macro.body,
        "set_status": macro.set_status,
        "add_tags": ", ".join(macro.add_tags),
        "active": macro.active,
    }


@require_GET
@manager_required
def macro_list(request: DeskRequest) -> HttpResponse:
    context = desk_context(user=request.user, current=None)
    context["macros"] = list(Macro.objects.order_by("-active", "title"))
    return render(request, "desk/macros.html", context)


def _macro_form(request: DeskRequest, macro: Macro | None) -> HttpResponse:
    form = MacroForm(request.POST or None, initial=_initial(macro), macro=macro)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        saved = macro_save(
            macro=macro,
            title=values["title"],
            body=values["body"],
            set_status=values["set_status"],
            add_tags=values["add_tags"],
            active=values["active"],
            by=request.user,
        )
        messages.success(request, _("Macro “%(title)s” saved.") % {"title": saved.title})
        return HttpResponseRedirect(reverse("desk:macros"), status=303)
    context = desk_context(user=request.user, current=None)
    tokens = [(f"{{{name}}}", label) for name, label in PLACEHOLDERS.items()]
    context.update(form=form, macro=macro, placeholders=tokens)
    return render(request, "desk/macro_form.html", context, status=400 if form.is_bound else 200)


@require_http_methods(["GET", "POST"])
@manager_required
def macro_new(request: DeskRequest) -> HttpResponse:
    return _macro_form(request, None)


@require_http_methods(["GET", "POST"])
@manager_required
def macro_edit(request: DeskRequest, macro_id: int) -> HttpResponse:
    macro = macro_get(macro_id=macro_id)
    if macro is None:
        raise Http404("No such macro")
    return _macro_form(request, macro)


@require_POST
@manager_required
def macro_active(request: DeskRequest, macro_id: int) -> HttpResponse:
    """Deactivate (`active=0`) or bring back (`active=1`) a macro."""
    macro = macro_get(macro_id=macro_id)
    if macro is None:
        raise Http404("No such macro")
    active = request.POST.get("active") == "1"
    macro_set_active(macro=macro, active=active)
    text = (
        _("Macro “%(title)s” is offered again.")
        if active
        else _("Macro “%(title)s” is no longer offered.")
    )
    messages.success(request, text % {"title": macro.title})
    return HttpResponseRedirect(reverse("desk:macros"), status=303)


urlpatterns: list[URLPattern] = [
    path("macros/new/", macro_new, name="macro_new"),
    path("macros/<int:macro_id>/", macro_edit, name="macro_edit"),
    path("macros/<int:macro_id>/active/", macro_active, name="macro_active"),
]
