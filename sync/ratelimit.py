"""A per-connector rate limit that holds across every worker: a GCRA slot reservation in Redis (one round trip per
call), or in this process when no Redis is configured (the embedded demo)."""

from __future__ import annotations

import threading
import time
from functools import lru_cache

from django.conf import settings

# Reserve the next slot: returns how many milliseconds the caller must wait before its call.
_GCRA = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil(tat + interval - now + 1000))
return tat - now
"""


class _LocalLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tat: dict[str, float] = {}

    def reserve(self, key: str, interval_ms: float) -> float:
        with self._lock:
            now = time.monotonic() * 1000
            tat = max(self._tat.get(key, now), now)
            self._tat[key] = tat + interval_ms
            return tat - now


class _RedisLimiter:
    def __init__(self, url: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url)
        self._script = self._client.register_script(_GCRA)

    def reserve(self, key: str, interval_ms: float) -> float:
        return float(self._script(keys=[key], args=[interval_ms]))


@lru_cache(maxsize=1)
def _limiter() -> _LocalLimiter | _RedisLimiter:
    url = settings.STEWARD_RATE_LIMIT_REDIS_URL
    return _RedisLimiter(url) if url else _LocalLimiter()


def wait_for_slot(connector_id: int, per_second: float) -> float:
    """Block until this connector may make its next call; returns the seconds waited. No limit when ``per_second``
    is 0."""
    if per_second <= 0:
        return 0.0
    wait_ms = _limiter().reserve(f"steward:rate:{connector_id}", 1000.0 / per_second)
    if wait_ms > 0:
        time.sleep(wait_ms / 1000)
    return max(wait_ms, 0) / 1000
