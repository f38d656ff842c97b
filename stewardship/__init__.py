"""Steward: master-data stewardship for retailers (Django project package and domain app)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
