"""The managers' page for the automatic texts that carry the promise (`tickets.AutomaticText`):
per channel (and, for email, per mailbox), in English, Dutch and Polish, with the
placeholders listed and a preview of every language filled in for a real ticket. It lives
here, not in `tickets`, because the mailbox list is this app's."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from channels_inbox.models import Mailbox
from helpdesk.admin_access import RoleAdminMixin
from tickets.choices import Channel
from tickets.models import AutomaticPurpose, AutomaticText
from tickets.promise import PLACEHOLDERS, placeholders_unknown, preview_example, promise_preview

# The channels that send automatic texts (calls and X have none).
_SENDING = ("email", "web", "chat", "whatsapp", "facebook", "instagram")
TEXT_CHANNELS = [(c.value, c.label) for c in Channel if c.value in _SENDING]
_HELP = "Placeholders: " + ", ".join(f"{{{name}}} ({what})" for name, what in PLACEHOLDERS.items())


class AutomaticTextForm(forms.ModelForm[AutomaticText]):
    channel = forms.ChoiceField(choices=TEXT_CHANNELS)
    mailbox = forms.ChoiceField(required=False, help_text="Email only; blank = every mailbox")

    class Meta:
        model = AutomaticText
        fields = ["purpose", "channel", "mailbox", "text_en", "text_nl", "text_pl"]
        help_texts = {"text_en": _HELP, "text_nl": _HELP, "text_pl": _HELP}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        addresses = Mailbox.objects.values_list("address", flat=True)
        mailbox_field = cast(forms.ChoiceField, self.fields["mailbox"])
        mailbox_field.choices = [("", "Every mailbox"), *((a, a) for a in addresses)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mailbox") and data.get("channel") != Channel.EMAIL:
            self.add_error("mailbox", "Only email texts belong to a mailbox.")
        for name in ("text_en", "text_nl", "text_pl"):
            text = data.get(name) or ""
            if unknown := placeholders_unknown(text):
                names = ", ".join(f"{{{n}}}" for n in unknown)
                self.add_error(name, f"Not a placeholder: {names}. {_HELP}")
            elif text.strip() and "{answer_by}" not in text:
                # The point of these messages: never an empty "as soon as possible".
                self.add_error(name, "Say when a person will answer: use {answer_by}.")
        return data


@admin.register(AutomaticText)
class AutomaticTextAdmin(RoleAdminMixin, admin.ModelAdmin[AutomaticText]):
    """Blank languages send the built-in wording, translated; the preview shows which."""

    form = AutomaticTextForm
    list_display = ["purpose", "channel", "mailbox", "updated_at"]
    list_filter = ["purpose", "channel"]
    readonly_fields = ["preview"]
    fields = ["purpose", "channel", "mailbox", "text_en", "text_nl", "text_pl", "preview"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"purpose": AutomaticPurpose.ACKNOWLEDGEMENT, "channel": Channel.EMAIL}

    @admin.display(description="Preview (as saved)")
    def preview(self, obj: AutomaticText | None) -> str:
        if obj is None or not obj.pk:
            return "Save to see every language filled in for a real ticket."
        ticket = preview_example(obj.channel)
        previews = promise_preview(
            purpose=obj.purpose,
            channel=obj.channel,
            texts={"en": obj.text_en, "nl": obj.text_nl, "pl": obj.text_pl},
            ticket=ticket,
        )
        example = (
            f"ticket #{ticket.pk} ({ticket.customer})" if ticket else "a made-up customer, Lotte"
        )
        rows = format_html_join(
            "",
            '<div class="automatic-preview" lang="{}"><strong>{}</strong>{}'
            '<pre style="white-space: pre-wrap">{}</pre></div>',
            (
                (p.language, p.language.upper(), "" if p.custom else " (built-in)", p.text)
                for p in previews
            ),
        )
        return format_html("<p>Filled in for {}:</p>{}", example, rows)
