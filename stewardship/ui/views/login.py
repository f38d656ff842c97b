"""Signing in: the page django-axes answers with once a username is locked out at an address."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def locked_out(request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None) -> HttpResponse:
    """The sign-in page, saying the username is locked at this address and for how long (``AXES_LOCKOUT_CALLABLE``):
    429 with Retry-After. An administrator lifts the lock by deleting the access attempt in the admin."""
    cool_off = get_cool_off(request)
    form = AuthenticationForm(request, initial={"username": (credentials or {}).get("username", "")})
    context = {
        "form": form,
        "locked_out": True,
        "cool_off_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
        "next": request.POST.get("next", ""),
    }
    response = render(request, "stewardship/login.html", context, status=429)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
