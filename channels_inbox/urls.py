"""Chat HTTP routes under /chat/: the widget's config (CORS per widget) and the demo page.
The widget script itself is a static file: /static/chat/widget.js."""

from __future__ import annotations

from django.urls import path

from channels_inbox.views import chat_config, chat_demo

urlpatterns = [
    path("demo/", chat_demo, name="chat-demo"),
    path("<slug:key>/config", chat_config, name="chat-config"),
]
