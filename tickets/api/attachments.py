"""REST API for attachments: the stored file, as a sandboxed download."""

from __future__ import annotations

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request

from helpdesk.roles import acting_user
from tickets import selectors
from tickets.models import Attachment
from tickets.permissions import IsAgent


@extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}, tags=["tickets"])
@api_view(["GET"])
@permission_classes([IsAgent])
def attachment_download(request: Request, pk: int) -> FileResponse:
    """A file a customer sent (or an agent attached), as it was stored. Always served as a
    download in a sandbox: a customer's HTML or SVG must never run in our origin."""
    # 404 alike for a missing attachment and one on a ticket this agent may not see.
    attachment = selectors.attachment_get_for_user(user=acting_user(request.user), attachment_id=pk)
    return attachment_file_response(attachment)


def attachment_file_response(attachment: Attachment) -> FileResponse:
    """The stored file as a sandboxed download (also the customer portal's): never shown
    inline, never sniffed into HTML, never able to run script in our origin."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response
