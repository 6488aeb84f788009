"""`/support/`: the customer portal. One module of views per area (`portal/views/`)."""

from __future__ import annotations

from portal.views import (
    help_centre,
    new_request,
    privacy,
    request_actions,
    requests,
    signin_code,
    signin_link,
)

app_name = "portal"

urlpatterns = [
    *requests.urlpatterns,
    *request_actions.urlpatterns,
    *new_request.urlpatterns,
    *signin_link.urlpatterns,
    *signin_code.urlpatterns,
    *help_centre.urlpatterns,
    *privacy.urlpatterns,
]
