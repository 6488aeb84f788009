"""`manage.py seed_chat_demo`: the demo chat widget (key `demo`) that `/chat/demo/` embeds.

Allowed origins are the local addresses `make run` serves on (PORT, default 8000) plus any
given with --origin. Safe to run on every start: an existing widget only gains origins."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from channels_inbox.services import chat_widget_ensure


class Command(BaseCommand):
    help = "Create (or complete) the demo chat widget with key 'demo'."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--origin", action="append", default=[], help="another allowed origin")

    def handle(self, *args: Any, **options: Any) -> None:
        port = os.environ.get("PORT", "8000")
        origins = [f"http://127.0.0.1:{port}", f"http://localhost:{port}", *options["origin"]]
        widget, created = chat_widget_ensure(key="demo", name="Demo website", origins=origins)
        verb = "created" if created else "checked"
        self.stdout.write(f"chat widget '{widget.key}' {verb}: {', '.join(widget.allowed_origins)}")
