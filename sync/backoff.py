"""When to try again: capped exponential backoff with jitter, or what the server asked for (Retry-After)."""

from __future__ import annotations

import random


def retry_delay(
    attempt: int, *, base: float, cap: float, retry_after: float | None = None, rng: random.Random | None = None
) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based).

    Without Retry-After: "equal jitter" — half of ``min(cap, base * 2**(attempt-1))`` plus a random share of the
    other half, so retries of many deliveries spread out but never come back sooner than half the backoff.
    With Retry-After the server's wish is honoured (never sooner), plus up to 10% jitter so a crowd of throttled
    deliveries does not come back in the same instant.
    """
    uniform = rng.uniform if rng is not None else random.uniform  # the module's shared generator by default
    if retry_after is not None:
        return retry_after + uniform(0, max(retry_after, base) * 0.1)
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    return ceiling / 2 + uniform(0, ceiling / 2)
