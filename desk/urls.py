"""`/desk/`: the agent workspace. One module of views per area (`desk/views/`)."""

from __future__ import annotations

from django.urls import path

from desk.views import (
    auth,
    bulk,
    chat,
    composer,
    customer,
    erasure,
    help_articles,
    live,
    macros,
    notifications,
    queue,
    reports,
    saved,
    search,
    ticket,
)

app_name = "desk"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("rows/", queue.queue_rows, name="queue_rows"),
    path("nav/", queue.views_nav, name="views_nav"),
    path("signin/", auth.signin, name="signin"),
    path("signout/", auth.signout, name="signout"),
    path("password/", auth.password_change, name="password"),
    path("tickets/<int:ticket_id>/", ticket.ticket_page, name="ticket"),
    path("search/", search.search, name="search"),
    path("macros/", macros.macro_list, name="macros"),
    # Each area's own routes, kept in its module so work on one does not touch the others.
    *bulk.urlpatterns,
    *chat.urlpatterns,
    *composer.urlpatterns,
    *customer.urlpatterns,
    *erasure.urlpatterns,
    *help_articles.urlpatterns,
    *live.urlpatterns,
    *notifications.urlpatterns,
    *reports.urlpatterns,
    *saved.urlpatterns,
    *ticket.urlpatterns,
]
