"""The settings row and one row per channel: surveys on, 1 h after solving for chat and
24 h for the other channels (PRODUCT.md, "CSAT and NPS")."""

from __future__ import annotations

from typing import Any

from django.db import migrations

CHANNELS = ("email", "web", "chat", "phone", "facebook", "instagram", "whatsapp", "x")


def create_defaults(apps: Any, schema_editor: Any) -> None:
    settings_model = apps.get_model("surveys", "SurveySettings")
    channel_model = apps.get_model("surveys", "SurveyChannelSetting")
    config, _ = settings_model.objects.get_or_create(pk=1)
    for channel in CHANNELS:
        channel_model.objects.get_or_create(
            channel=channel,
            defaults={"config": config, "delay_minutes": 60 if channel == "chat" else 24 * 60},
        )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_surveys_and_answers")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
