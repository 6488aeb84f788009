"""Celery tasks of the portal: thin wrappers around its services."""

from __future__ import annotations

from celery import shared_task

from portal.signin import link_request
from portal.signin_code import code_request


@shared_task(name="portal.signin_code_send", ignore_result=True)
def signin_code_send(number: str) -> None:
    """Look the number up, and issue and send a code if it is a customer's WhatsApp. In the
    worker, so that the sign-in page does the same work, in the same time, for a number we
    know and one we do not (no probing by timing)."""
    code_request(number=number)


@shared_task(name="portal.signin_link_send", ignore_result=True)
def signin_link_send(email: str, site: str) -> None:
    """Look the address up and email a link if it is a customer's: in the worker for the
    same reason as codes (a known address must not answer slower than an unknown one)."""
    link_request(email=email, site=site)
