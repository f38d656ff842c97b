"""Throttles, counted in the Django cache every web process shares (Redis when configured, else the database cache:
``settings.CACHES``).

``AuthFailureThrottle`` slows down guessing: the API keys and tokens that fail per client address. Once an address is
over the limit, every credential it presents is refused with 429 until the window has passed, the right one too (a
guess that succeeded would otherwise stand out).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

T = TypeVar("T")


def client_address(request: HttpRequest | Request) -> str | None:
    """The caller's address: ``REMOTE_ADDR``, or behind ``STEWARD_PROXY_COUNT`` reverse proxies the address the
    outermost of them appended to ``X-Forwarded-For`` (what a client writes there itself is not believed). None for
    a request that came from no network (a test client's ``force_login``)."""
    address = BaseThrottle().get_ident(request)  # type: ignore[arg-type]  # reads request.META only
    return str(address) if address else None


class AuthFailureThrottle(SimpleRateThrottle):
    """Failed authentications per client address: ``STEWARD_API_AUTH_FAILURES_PER_MINUTE`` (0: no limit)."""

    scope = "auth_failure"
    num_requests: int  # set by SimpleRateThrottle from the rate (the stubs leave them out)
    duration: int

    def get_rate(self) -> str | None:
        per_minute = settings.STEWARD_API_AUTH_FAILURES_PER_MINUTE
        return f"{per_minute}/min" if per_minute > 0 else None

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def blocked_for(self, request: Request) -> float | None:
        """Seconds until this address may try again, or None when it may try now."""
        if self.rate is None:
            return None
        self.key = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return self.wait() if len(self.history) >= self.num_requests else None

    def record_failure(self) -> None:
        """Count a failure (after ``blocked_for``, which read the address's history)."""
        if self.rate is None:
            return
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)


def guard_credentials(request: Request, authenticate: Callable[[], T]) -> T:
    """Run ``authenticate`` (which checks the credentials a request presents) unless the caller's address is over its
    failure limit; count the attempt when it fails."""
    throttle = AuthFailureThrottle()
    wait = throttle.blocked_for(request)
    if wait is not None:
        raise exceptions.Throttled(wait, detail="Too many failed authentications from this address.")
    try:
        return authenticate()
    except exceptions.AuthenticationFailed:
        throttle.record_failure()
        raise
