"""Throttles, counted in the Django cache every web process shares (Redis when configured, else the database cache:
``settings.CACHES``).

``IngestQuotaThrottle`` holds each source system to its ingest quota: records (and consent events) a minute, set per
source in the admin.

``AuthFailureThrottle`` slows down guessing: the API keys and tokens that fail per client address. Once an address is
over the limit, every credential it presents is refused with 429 until the window has passed, the right one too (a
guess that succeeded would otherwise stand out).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.http import HttpRequest
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from .. import db
from ..models import SourceSystem

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


QUOTA_WINDOW_SECONDS = 60


def ingest_quota_take(source: SourceSystem, records: int) -> float | None:
    """Count ``records`` against the source's quota for this clock minute: None when they fit (they are counted),
    else the seconds until the next minute (nothing counted).

    On Redis the count is one atomic INCRBY. The database cache reads and writes in two statements: there the count
    is taken under a transaction-scoped advisory lock on its key, so two processes never both fit into the last
    records of a minute."""
    limit = source.ingest_quota_per_minute
    now = time.time()
    retry_after = QUOTA_WINDOW_SECONDS - now % QUOTA_WINDOW_SECONDS
    if limit <= 0 or records <= 0:
        return None
    if records > limit:
        return retry_after
    cache = caches["default"]
    key = f"ingest-quota:{source.pk}:{int(now // QUOTA_WINDOW_SECONDS)}"
    if isinstance(cache, RedisCache):
        return None if _count(cache, key, records, limit) else retry_after
    with transaction.atomic():
        db.advisory_xact_locks("ingest-quota", [key])
        return None if _count(cache, key, records, limit) else retry_after


def _count(cache: BaseCache, key: str, records: int, limit: int) -> bool:
    """Add ``records`` to the count at ``key`` if the total stays within ``limit``; whether it did."""
    cache.add(key, 0, timeout=2 * QUOTA_WINDOW_SECONDS)
    try:
        count = cache.incr(key, records)
    except ValueError:  # the key expired between add and incr
        cache.set(key, records, timeout=2 * QUOTA_WINDOW_SECONDS)
        count = records
    if count > limit:
        cache.decr(key, records)
        return False
    return True


class IngestQuotaThrottle(BaseThrottle):
    """A source system's batch writes (``records`` or ``events``) against its ``ingest_quota_per_minute``; a batch
    over it is refused whole, before anything is read or written. Set as a default throttle: sources write nothing but
    batches, and stewards' requests are not counted."""

    def allow_request(self, request: Request, view: Any) -> bool:
        source = getattr(request.user, "source", None)  # a SourcePrincipal's
        if request.method != "POST" or not isinstance(source, SourceSystem) or source.ingest_quota_per_minute <= 0:
            return True
        data = request.data
        items = data.get("records", data.get("events")) if isinstance(data, dict) else None
        # Not a batch, or more than a batch may hold: the view answers 400 or 413 and writes nothing.
        if not isinstance(items, list) or len(items) > settings.STEWARD_MAX_BATCH_RECORDS:
            return True
        wait = ingest_quota_take(source, len(items))
        if wait is None:
            return True
        limit = source.ingest_quota_per_minute
        if len(items) > limit:
            message = (
                f"This batch of {len(items)} records is larger than this source's ingest quota of {limit} records a "
                "minute: send smaller batches."
            )
        else:
            message = f"Over this source's ingest quota of {limit} records a minute."
        raise exceptions.Throttled(wait, detail=message)
