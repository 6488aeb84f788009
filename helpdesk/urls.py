from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from channels_inbox.views import inbound_urlpatterns
from channels_inbox.webhooks.meta import meta_webhook
from channels_inbox.webhooks.twilio import twilio_voice
from helpdesk.dev_mail import mailbox
from helpdesk.health import healthz
from helpdesk.views import home

admin.site.site_header = "Helpdesk administration"
admin.site.site_title = "Helpdesk"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("desk/", include("desk.urls")),
    # The customer portal (customers' own sessions; never staff pages).
    path("support/", include("portal.urls")),
    # Django's set_language (POST /i18n/setlang/): the desk's language switch.
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("helpdesk.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (`?script`), not inline:
    # the Content-Security-Policy allows no inline script without a nonce.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # Inbound email: our store-first views at anymail's own inbound URLs (matched first);
    # anymail's tracking webhooks stay as they are.
    path("anymail/", include(inbound_urlpatterns())),
    path("anymail/", include("anymail.urls")),
    path("webhooks/meta/", meta_webhook, name="webhook-meta"),
    path("webhooks/twilio/voice/", twilio_voice, name="webhook-twilio-voice"),
    # Live chat: the widget's config and the demo page (the widget itself is a static file).
    path("chat/", include("channels_inbox.urls")),
    # CSAT / NPS pages for customers (signed links, no login).
    path("survey/", include("surveys.urls")),
    # Development only (404 otherwise): the demo's sent mail, links clickable.
    path("dev/mail/", mailbox, name="dev-mailbox"),
]
