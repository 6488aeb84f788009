"""PRODUCT.md's default policies: Standard 48 h and Social 24 h, around the clock."""

from django.db import migrations

DEFAULTS = [
    ("Standard", ["email", "web", "phone", "chat"], 48 * 60, 100),
    ("Social", ["facebook", "instagram", "whatsapp", "x"], 24 * 60, 100),
]


def create_defaults(apps, schema_editor):  # type: ignore[no-untyped-def]
    policy = apps.get_model("tickets", "SlaPolicy")
    for name, channels, minutes, position in DEFAULTS:
        policy.objects.get_or_create(
            name=name,
            defaults={
                "channels": channels,
                "first_response_minutes": minutes,
                "next_response_minutes": minutes,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0005_sla_timers_and_notifications")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
