"""What the desk owns: an agent's saved views and the team's macros."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from tickets.choices import Status


class SavedView(models.Model):
    """A filter an agent keeps in the left column: the list's own query string (view,
    status, channel, team, tag, sort), so a saved view is exactly what the agent saw."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_saved_views"
    )
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="desk_saved_view_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Macro(models.Model):
    """A prepared answer managers maintain. The body takes placeholders ({first_name},
    {ticket_number}, {agent_name}, {answer_by}); applying it may also set a status and add
    tags."""

    title = models.CharField(max_length=120, unique=True)
    body = models.TextField()
    set_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    add_tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
