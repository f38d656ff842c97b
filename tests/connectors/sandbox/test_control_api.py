"""The control API: faults (each mode, counted down), what was received, reset."""

from __future__ import annotations

import time

import pytest
import requests

from connectors.sandbox import start_sandbox
from tests.fixtures.sandbox import Sandbox


def _identify(sandbox: Sandbox, timeout: float = 5) -> requests.Response:
    return requests.post(
        f"{sandbox.cdp_url}/v1/identify", json={"userId": "u-1"}, auth=(sandbox.write_key, ""), timeout=timeout
    )


def test_an_error_fault_fails_the_next_n_requests_then_stops(clean_sandbox: Sandbox) -> None:
    clean_sandbox.fault("cdp", "error", status=503, count=2)
    assert [_identify(clean_sandbox).status_code for _ in range(3)] == [503, 503, 200]
    received = clean_sandbox.received("cdp")
    assert (received["faulted"], received["received"]) == (2, 1)
    assert clean_sandbox.faults() == []


def test_throttle_answers_429_with_retry_after(clean_sandbox: Sandbox) -> None:
    clean_sandbox.fault("cdp", "throttle", retry_after=7)
    response = _identify(clean_sandbox)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"


def test_reject_is_a_permanent_400_and_faults_can_target_a_path(clean_sandbox: Sandbox) -> None:
    clean_sandbox.fault("cdp", "reject", path="/v1/track")
    assert _identify(clean_sandbox).status_code == 200
    track = requests.post(
        f"{clean_sandbox.cdp_url}/v1/track",
        json={"userId": "u", "event": "E"},
        auth=(clean_sandbox.write_key, ""),
        timeout=5,
    )
    assert track.status_code == 400


def test_timeout_holds_the_request_past_the_clients_timeout(clean_sandbox: Sandbox) -> None:
    clean_sandbox.fault("cdp", "timeout", delay=2)
    with pytest.raises(requests.Timeout):
        _identify(clean_sandbox, timeout=0.3)
    assert _identify(clean_sandbox).status_code == 200  # the fault fired once


def test_slow_answers_normally_after_the_delay(clean_sandbox: Sandbox) -> None:
    clean_sandbox.fault("cdp", "slow", delay=0.3)
    started = time.perf_counter()
    assert _identify(clean_sandbox).status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_a_fault_until_cleared_and_reset(clean_sandbox: Sandbox) -> None:
    clean_sandbox.fault("webhook", "error", count=-1)
    clean_sandbox.fault("cdp", "error", count=-1)
    assert [_identify(clean_sandbox).status_code for _ in range(3)] == [500, 500, 500]
    assert len(clean_sandbox.faults()) == 2
    clean_sandbox.reset()
    assert clean_sandbox.faults() == []
    assert _identify(clean_sandbox).status_code == 200
    assert clean_sandbox.received("cdp")["faulted"] == 0  # reset forgot the faulted requests too


def test_bad_faults_and_unknown_targets_are_refused(sandbox: Sandbox) -> None:
    control = f"{sandbox.url}/_sandbox"
    assert requests.post(f"{control}/faults", json={"target": "erp", "mode": "error"}, timeout=5).status_code == 400
    assert requests.post(f"{control}/faults", json={"target": "cdp", "mode": "fail"}, timeout=5).status_code == 400
    assert (
        requests.post(f"{control}/faults", json={"target": "cdp", "mode": "error", "count": 0}, timeout=5).status_code
        == 400
    )
    assert requests.get(f"{control}/received", params={"target": "nope"}, timeout=5).status_code == 400
    assert requests.get(f"{sandbox.url}/nowhere", timeout=5).status_code == 404


def test_health_names_the_targets_and_credentials(sandbox: Sandbox) -> None:
    health = requests.get(f"{sandbox.url}/_sandbox/health", timeout=5).json()
    assert health["targets"] == ["cdp", "loyalty", "webhook"]
    assert health["credentials"]["cdp"]["write_key"] == sandbox.write_key


def test_received_can_leave_out_items_and_keys(clean_sandbox: Sandbox) -> None:
    _identify(clean_sandbox)
    received = clean_sandbox.received("cdp", limit=0, keys=False)
    assert (received["received"], received["items"], received["keys"]) == (1, [], None)


def test_stopping_releases_a_held_request_at_once() -> None:
    url, server = start_sandbox()
    helper = Sandbox(url)
    helper.fault("webhook", "timeout", delay=60)
    started = time.perf_counter()
    try:
        with pytest.raises(requests.Timeout):
            requests.post(helper.webhook_url, data=b"{}", timeout=0.2)
    finally:
        server.stop()
    assert time.perf_counter() - started < 5


def test_it_serves_many_requests_on_kept_alive_connections_without_stalls(clean_sandbox: Sandbox) -> None:
    # Not a benchmark (client and server share this process's GIL here): it catches the 40 ms Nagle/delayed-ACK stall
    # per request, or a connection per request, that would make the sandbox the bottleneck of the sync benchmark.
    session = requests.Session()
    started = time.perf_counter()
    for index in range(300):
        response = session.post(
            f"{clean_sandbox.cdp_url}/v1/identify",
            json={"userId": f"u-{index}", "messageId": f"m-{index}"},
            auth=(clean_sandbox.write_key, ""),
            timeout=5,
        )
        assert response.status_code == 200
    elapsed = time.perf_counter() - started
    assert clean_sandbox.received("cdp", limit=0, keys=False)["effects"] == 300
    assert elapsed < 8, f"300 sequential requests took {elapsed:.2f}s"
