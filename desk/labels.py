"""Words the desk shows for the backend's codes, translated (the models' choice labels are
plain English, for the API and the admin)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

CHANNEL_LABELS = {
    "email": _("Email"),
    "web": _("Web form"),
    "chat": _("Live chat"),
    "phone": _("Phone"),
    "facebook": _("Messenger"),
    "instagram": _("Instagram"),
    "whatsapp": _("WhatsApp"),
    "x": _("X"),
}
