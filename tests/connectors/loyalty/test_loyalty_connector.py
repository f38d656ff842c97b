"""LoyaltyConnector over real HTTP against the sandbox's Open Loyalty-style stand-in."""

from __future__ import annotations

import uuid

import pytest

from connectors.loyalty.connector import LoyaltyConnector
from connectors.registry import connector_class
from tests.fixtures.sandbox import Sandbox, customer_payload, make_message


@pytest.fixture
def connector(clean_sandbox: Sandbox):
    connector = LoyaltyConnector(clean_sandbox.loyalty_config(timeout=2.0))
    yield connector
    connector.close()


def _upsert(golden: str, version: int, **attributes):
    return make_message(
        "upserted", golden_id=golden, version=version, payload=customer_payload(golden, version, **attributes)
    )


def test_it_is_registered_as_loyalty() -> None:
    assert connector_class("loyalty") is LoyaltyConnector


def test_it_creates_then_updates_one_member_keyed_by_golden_id(
    connector: LoyaltyConnector, clean_sandbox: Sandbox
) -> None:
    golden = str(uuid.uuid4())
    first = connector.send_timed(_upsert(golden, 1))
    assert first.ok, first.error
    second = connector.send_timed(_upsert(golden, 2, email="ann.new@example.com"))
    assert second.ok, second.error
    assert first.remote_id == second.remote_id != ""

    received = clean_sandbox.received("loyalty")
    assert [item["action"] for item in received["items"]] == ["create", "update"]
    member = received["members"][golden]
    assert (member["customerId"], member["email"], member["firstName"]) == (
        first.remote_id,
        "ann.new@example.com",
        "Ann",
    )
    assert member["address"]["city"] == "London"
    assert member["agreement2"] is True
    assert received["logins"] == 1  # the token is kept on the connector


def test_a_connector_that_forgot_the_member_finds_it_by_card_number(clean_sandbox: Sandbox) -> None:
    golden = str(uuid.uuid4())
    first, second = (LoyaltyConnector(clean_sandbox.loyalty_config()) for _ in range(2))
    try:
        created = first.send_timed(_upsert(golden, 1))
        updated = second.send_timed(_upsert(golden, 2))
    finally:
        first.close()
        second.close()
    assert created.remote_id == updated.remote_id
    assert len(clean_sandbox.received("loyalty")["members"]) == 1


def test_a_new_record_costs_one_call_and_a_resent_first_version_finds_the_member(clean_sandbox: Sandbox) -> None:
    golden = str(uuid.uuid4())
    first, second = (LoyaltyConnector(clean_sandbox.loyalty_config()) for _ in range(2))
    try:
        created = first.send_timed(_upsert(golden, 1))
        again = second.send_timed(_upsert(golden, 1))  # another worker retries version 1
    finally:
        first.close()
        second.close()
    assert again.ok, again.error
    assert created.remote_id == again.remote_id
    received = clean_sandbox.received("loyalty")
    assert received["requests"] == 2 + 3  # two logins; create; then lookup and update after the refused create
    assert (received["effects"], received["duplicates"]) == (1, 1)


def test_a_resent_version_has_no_second_effect_and_an_older_one_is_stale(
    connector: LoyaltyConnector, clean_sandbox: Sandbox
) -> None:
    golden = str(uuid.uuid4())
    for version in (1, 2, 2, 1):
        assert connector.send_timed(_upsert(golden, version)).ok
    received = clean_sandbox.received("loyalty")
    assert (received["received"], received["effects"], received["duplicates"]) == (4, 2, 2)
    assert received["stale"] == 1
    assert received["keys"] == {f"{golden}#v1": 2, f"{golden}#v2": 2}


def test_invalid_fields_are_a_permanent_failure(connector: LoyaltyConnector, clean_sandbox: Sandbox) -> None:
    outcome = connector.send_timed(_upsert(str(uuid.uuid4()), 1, family_name=None, email="nope"))
    assert (outcome.ok, outcome.status_code, outcome.error.permanent) == (False, 400, True)
    assert "customer.lastName" in outcome.response
    assert "customer.email" in outcome.response


def test_an_expired_token_is_renewed_once_and_the_call_succeeds(
    connector: LoyaltyConnector, clean_sandbox: Sandbox
) -> None:
    assert connector.send_timed(_upsert(str(uuid.uuid4()), 1)).ok
    clean_sandbox.expire_loyalty_tokens()
    outcome = connector.send_timed(_upsert(str(uuid.uuid4()), 1))
    assert outcome.ok, outcome.error
    received = clean_sandbox.received("loyalty")
    assert received["logins"] == 2
    assert [r["error"]["message"] for r in received["rejections"]] == ["Expired JWT Token"]


def test_a_wrong_password_is_permanent(clean_sandbox: Sandbox) -> None:
    connector = LoyaltyConnector(clean_sandbox.loyalty_config(secret="wrong"))
    try:
        outcome = connector.send_timed(_upsert(str(uuid.uuid4()), 1))
    finally:
        connector.close()
    assert (outcome.status_code, outcome.error.permanent) == (401, True)


def test_merged_deactivates_and_erased_anonymizes(connector: LoyaltyConnector, clean_sandbox: Sandbox) -> None:
    loser, other = str(uuid.uuid4()), str(uuid.uuid4())
    assert connector.send_timed(_upsert(loser, 1)).ok
    assert connector.send_timed(_upsert(other, 1)).ok
    merged = make_message("merged", golden_id=loser, version=2)
    erased = make_message("erased", golden_id=other, version=2, payload={"id": other, "status": "erased"})
    assert all(outcome.ok for outcome in connector.send([merged, erased, merged]))

    received = clean_sandbox.received("loyalty")
    members = received["members"]
    assert (members[loser]["active"], members[loser]["anonymized"]) == (False, False)
    assert (members[other]["anonymized"], "email" in members[other]) == (True, False)
    assert received["keys"][f"{loser}#deactivate"] == 2  # the repeat had no second effect


def test_merged_or_erased_for_a_customer_loyalty_never_had_is_a_no_op(
    connector: LoyaltyConnector, clean_sandbox: Sandbox
) -> None:
    outcome = connector.send_timed(make_message("erased", payload={"status": "erased"}))
    assert outcome.ok
    assert clean_sandbox.received("loyalty")["received"] == 0


def test_unmerged_reactivates(connector: LoyaltyConnector, clean_sandbox: Sandbox) -> None:
    golden = str(uuid.uuid4())
    connector.send_timed(_upsert(golden, 1))
    connector.send_timed(make_message("merged", golden_id=golden, version=2))
    unmerged = make_message("unmerged", golden_id=golden, version=3, payload=customer_payload(golden, 3))
    assert connector.send_timed(unmerged).ok
    assert clean_sandbox.received("loyalty")["members"][golden]["active"] is True


def test_a_member_removed_on_the_loyalty_side_is_registered_again(
    connector: LoyaltyConnector, clean_sandbox: Sandbox
) -> None:
    golden = str(uuid.uuid4())
    first = connector.send_timed(_upsert(golden, 1))
    clean_sandbox.reset()  # the loyalty system lost its members; the connector still has the old member id
    second = connector.send_timed(_upsert(golden, 2))
    assert second.ok, second.error
    assert second.remote_id != first.remote_id


def test_products_are_refused_permanently(connector: LoyaltyConnector) -> None:
    outcome = connector.send_timed(make_message("upserted", domain="product"))
    assert outcome.error.permanent


@pytest.mark.parametrize(
    ("fault", "permanent", "status"),
    [
        ({"mode": "error", "status": 500}, False, 500),
        ({"mode": "throttle", "retry_after": 2}, False, 429),
        ({"mode": "reject"}, True, 400),
    ],
)
def test_faults_are_classified(connector: LoyaltyConnector, clean_sandbox: Sandbox, fault, permanent, status) -> None:
    clean_sandbox.fault("loyalty", path="/member", **fault)
    outcome = connector.send_timed(_upsert(str(uuid.uuid4()), 1))
    assert (outcome.ok, outcome.error.permanent, outcome.status_code) == (False, permanent, status)
    if status == 429:
        assert outcome.error.retry_after == 2.0


def test_a_timeout_is_transient(clean_sandbox: Sandbox) -> None:
    connector = LoyaltyConnector(clean_sandbox.loyalty_config(timeout=0.3))
    clean_sandbox.fault("loyalty", "timeout", delay=3)
    try:
        outcome = connector.send_timed(_upsert(str(uuid.uuid4()), 1))
    finally:
        connector.close()
    assert (outcome.ok, outcome.error.permanent) == (False, False)


def test_a_transient_failure_stops_the_rest_of_the_batch(connector: LoyaltyConnector, clean_sandbox: Sandbox) -> None:
    golden = str(uuid.uuid4())
    assert connector.send_timed(_upsert(golden, 1)).ok
    clean_sandbox.fault("loyalty", "error", status=502, path="/member")
    outcomes = connector.send([_upsert(golden, 2), _upsert(golden, 3)])
    assert [(o.ok, o.error.permanent) for o in outcomes] == [(False, False), (False, False)]
    assert outcomes[1].status_code is None  # not attempted


def test_the_correlation_id_reaches_the_system(connector: LoyaltyConnector, clean_sandbox: Sandbox) -> None:
    message = _upsert(str(uuid.uuid4()), 1)
    connector.send_timed(message)
    assert clean_sandbox.received("loyalty")["items"][0]["correlation_id"] == message.correlation_id


def test_options_are_checked() -> None:
    assert LoyaltyConnector.check_options({"username": "steward"}) == {}
    assert set(LoyaltyConnector.check_options({"store_code": "a/b"})) == {"username", "store_code"}
