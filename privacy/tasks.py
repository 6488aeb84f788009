"""Celery tasks of the privacy app: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from privacy import services


@shared_task(name="privacy.export_build", acks_late=True)
def export_build(export_id: str) -> None:
    services.export_build(export_id=export_id)


@shared_task(name="privacy.exports_sweep")
def exports_sweep() -> int:
    """Hourly: remove expired files, build exports whose task was lost, retry emails."""
    services.exports_redrive()
    return services.exports_expire()


@shared_task(name="privacy.retention_sweep")
def retention_sweep() -> int:
    return services.retention_sweep()
