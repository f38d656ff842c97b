"""Backoff, Retry-After and the classification of failures."""

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from connectors.http import classify, parse_retry_after
from sync.backoff import retry_delay


def test_backoff_doubles_per_attempt_and_stays_within_half_to_full():
    rng = random.Random(7)
    for attempt, ceiling in [(1, 2), (2, 4), (3, 8), (4, 16)]:
        delays = [retry_delay(attempt, base=2, cap=600, rng=rng) for _ in range(200)]
        assert ceiling / 2 <= min(delays) and max(delays) <= ceiling
        assert max(delays) - min(delays) > ceiling / 4  # jitter spreads retries out


def test_backoff_is_capped():
    assert all(retry_delay(30, base=2, cap=60) <= 60 for _ in range(50))
    assert retry_delay(10_000, base=2, cap=60) >= 30  # no overflow, still at least half the cap


def test_retry_after_is_honoured_never_sooner():
    delays = [retry_delay(1, base=2, cap=600, retry_after=7) for _ in range(100)]
    assert min(delays) >= 7 and max(delays) <= 7.8


def test_retry_after_reads_seconds_and_http_dates():
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert parse_retry_after("5") == 5
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now.timestamp()) == 30
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now.timestamp()) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("999999") == 3600  # a silly wish is bounded


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(400, True), (401, True), (403, True), (404, True), (422, True), (408, False), (409, False), (429, False)],
)
def test_validation_errors_are_permanent_throttling_and_timeouts_are_not(status, permanent):
    assert classify(status) is permanent
