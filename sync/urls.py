"""The sync pages of the steward UI, under /sync/ (``settings.ROOT_URLCONF`` includes them)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "sync"

urlpatterns = [
    path("", views.health, name="health"),
    path("replay/", views.replay_many, name="replay-many"),
    path("deliveries/<int:delivery_id>/", views.delivery, name="delivery"),
    path("deliveries/<int:delivery_id>/replay/", views.replay, name="delivery-replay"),
]
