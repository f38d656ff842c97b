"""The loyalty stand-in: JWT admin login, 401s with LexikJWT's messages, member validation with field errors."""

from __future__ import annotations

import requests

from tests.fixtures.sandbox import Sandbox


def _login(sandbox: Sandbox, password: str | None = None) -> requests.Response:
    return requests.post(
        f"{sandbox.loyalty_url}/api/admin/login_check",
        json={"username": sandbox.loyalty_username, "password": password or sandbox.loyalty_password},
        timeout=5,
    )


def _members(sandbox: Sandbox, token: str | None, method: str = "POST", path: str = "", **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = f"{sandbox.loyalty_url}/api/{sandbox.loyalty_store}/member{path}"
    return requests.request(method, url, headers=headers, timeout=5, **kwargs)


def customer(**fields) -> dict:
    return {"customer": {"firstName": "Ann", "lastName": "Lee", "email": "ann@example.com", **fields}}


def test_login_gives_a_token_and_refresh_token_and_bad_credentials_are_401(clean_sandbox: Sandbox) -> None:
    answer = _login(clean_sandbox).json()
    assert set(answer) == {"token", "refresh_token"}
    refused = _login(clean_sandbox, password="wrong")
    assert (refused.status_code, refused.json()) == (401, {"code": 401, "message": "Invalid credentials."})
    refreshed = requests.post(
        f"{clean_sandbox.loyalty_url}/api/token/refresh", json={"refresh_token": answer["refresh_token"]}, timeout=5
    )
    assert refreshed.status_code == 200
    assert _members(clean_sandbox, refreshed.json()["token"], "GET").status_code == 200


def test_calls_without_a_valid_token_are_401(clean_sandbox: Sandbox) -> None:
    assert _members(clean_sandbox, None).json() == {"code": 401, "message": "JWT Token not found"}
    assert _members(clean_sandbox, "made-up").json() == {"code": 401, "message": "Invalid JWT Token"}


def test_an_expired_token_is_401_and_a_new_login_works(clean_sandbox: Sandbox) -> None:
    token = _login(clean_sandbox).json()["token"]
    assert _members(clean_sandbox, token, json=customer()).status_code == 200
    assert clean_sandbox.expire_loyalty_tokens() >= 1
    expired = _members(clean_sandbox, token, json=customer(loyaltyCardNumber="g-2"))
    assert (expired.status_code, expired.json()["message"]) == (401, "Expired JWT Token")
    fresh = _login(clean_sandbox).json()["token"]
    assert _members(clean_sandbox, fresh, json=customer(loyaltyCardNumber="g-2")).status_code == 200


def test_member_fields_are_validated_with_field_errors(clean_sandbox: Sandbox) -> None:
    token = _login(clean_sandbox).json()["token"]
    response = _members(clean_sandbox, token, json=customer(firstName="", email="not-an-email", birthDate="1990-13-01"))
    assert response.status_code == 400
    assert response.json()["message"] == "Validation failed"
    paths = {error["path"] for error in response.json()["errors"]}
    assert paths == {"customer.firstName", "customer.email", "customer.birthDate"}
    missing_name = _members(clean_sandbox, token, json={"customer": {"firstName": "Ann"}})
    assert [error["path"] for error in missing_name.json()["errors"]] == ["customer.lastName"]
    assert _members(clean_sandbox, token, json={"nothing": 1}).status_code == 400


def test_members_are_found_by_card_number_updated_deactivated_and_anonymized(clean_sandbox: Sandbox) -> None:
    token = _login(clean_sandbox).json()["token"]
    created = _members(clean_sandbox, token, json=customer(loyaltyCardNumber="golden-1"))
    member_id = created.json()["customerId"]
    duplicate = _members(clean_sandbox, token, json=customer(loyaltyCardNumber="golden-1"))
    assert duplicate.json()["errors"][0]["path"] == "customer.loyaltyCardNumber"

    found = _members(clean_sandbox, token, "GET", params={"loyaltyCardNumber": "golden-1"}).json()
    assert [item["customerId"] for item in found["items"]] == [member_id]
    assert (
        _members(clean_sandbox, token, "PUT", f"/{member_id}", json={"customer": {"city": "Leeds"}}).status_code == 204
    )
    assert _members(clean_sandbox, token, "POST", f"/{member_id}/deactivate").status_code == 204
    assert _members(clean_sandbox, token, "GET", f"/{member_id}").json()["active"] is False
    assert _members(clean_sandbox, token, "POST", f"/{member_id}/anonymize").status_code == 204
    member = _members(clean_sandbox, token, "GET", f"/{member_id}").json()
    assert (member["anonymized"], member["firstName"], "email" in member) == (True, "Anonymized", False)
    # An anonymized member cannot be given personal data again.
    assert _members(clean_sandbox, token, "PUT", f"/{member_id}", json=customer()).status_code == 400
    assert _members(clean_sandbox, token, "GET", "/no-such-member").status_code == 404


def test_an_unknown_store_is_404(clean_sandbox: Sandbox) -> None:
    token = _login(clean_sandbox).json()["token"]
    response = requests.get(
        f"{clean_sandbox.loyalty_url}/api/OTHER/member", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert response.status_code == 404
