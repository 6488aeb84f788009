"""Customer-facing survey pages under /survey/ (no login)."""

from __future__ import annotations

from django.urls import path

from surveys import views

urlpatterns = [
    path("r/<str:token>/<int:rating>/", views.rate, name="survey-rate"),
    path("t/<str:token>/", views.thanks, name="survey-thanks"),
    path("n/<str:token>/", views.nps, name="survey-nps"),
]
