"""The weekly summary's per-manager language choice and its sent-once record."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("reports", "0001_business_seconds"),
    ]

    operations = [
        migrations.CreateModel(
            name="ManagerReportPreference",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        blank=True,
                        choices=[("en", "English"), ("nl", "Nederlands"), ("pl", "Polski")],
                        max_length=8,
                        verbose_name="language",
                    ),
                ),
                (
                    "weekly_summary",
                    models.BooleanField(default=True, verbose_name="weekly summary email"),
                ),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="report_preference",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "manager report preference",
                "verbose_name_plural": "manager report preferences",
            },
        ),
        migrations.CreateModel(
            name="WeeklySummarySent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("week_start", models.DateField()),
                ("language", models.CharField(max_length=8)),
                ("sent_at", models.DateTimeField(auto_now_add=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "week_start"), name="weekly_summary_once"
                    )
                ],
            },
        ),
    ]
