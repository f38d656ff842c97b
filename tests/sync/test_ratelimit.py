"""The per-connector rate limit: slots are reserved in Redis, so separate processes share one budget."""

import uuid

from sync.ratelimit import _LocalLimiter, _RedisLimiter


def test_two_workers_share_one_budget(broker):
    key = f"steward:rate:test-{uuid.uuid4().hex}"
    worker_a, worker_b = _RedisLimiter(broker.url), _RedisLimiter(broker.url)  # as two processes would hold them
    waits = [limiter.reserve(key, 100.0) for limiter in (worker_a, worker_b, worker_a, worker_b)]
    # 10 calls a second between them: each reservation waits one interval more than the one before.
    assert waits[0] <= 5
    for earlier, later in zip(waits, waits[1:], strict=False):
        assert 90 <= later - earlier <= 110


def test_without_redis_the_limit_holds_within_the_process():
    limiter = _LocalLimiter()
    waits = [limiter.reserve("k", 50.0) for _ in range(4)]
    assert waits[0] == 0 and all(45 <= b - a <= 55 for a, b in zip(waits, waits[1:], strict=False))
