from __future__ import annotations

from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.my_requests, name="requests"),
    path("requests/<int:ticket_id>/", views.request_detail, name="request"),
    path("signin/", views.signin, name="signin"),
    path("signin/<str:token>/", views.signin_link, name="signin_link"),
    path("signout/", views.signout, name="signout"),
]
