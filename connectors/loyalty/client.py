"""HTTP to the loyalty system: admin login for a JWT, kept on the client and renewed once on a 401; member calls."""

from __future__ import annotations

from typing import Any

from connectors.http import HttpClient, Response, TransportError


class LoyaltyClient:
    def __init__(self, http: HttpClient, *, username: str, password: str, store_code: str) -> None:
        self.http = http
        self.username = username
        self.password = password
        self.store_code = store_code
        self.token: str | None = None

    def login(self, *, correlation_id: str = "") -> str:
        response = self.http.request(
            "POST",
            "api/admin/login_check",
            json_body={"username": self.username, "password": self.password},
            correlation_id=correlation_id,
        )
        token = response.body.get("token") if isinstance(response.body, dict) else None
        if not token:
            raise TransportError("login answered without a token", permanent=True, request=response.request)
        self.token = token
        return token

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        correlation_id: str = "",
    ) -> Response:
        """An authenticated call under ``/api/{storeCode}/``. An expired or revoked token (401) gets one fresh login
        and one retry; a second 401 is permanent (the credentials are wrong)."""
        url = f"api/{self.store_code}/{path}"
        for attempt in (1, 2):
            token = self.token or self.login(correlation_id=correlation_id)
            try:
                return self.http.request(
                    method,
                    url,
                    json_body=json_body,
                    params=params,
                    headers={"Authorization": f"Bearer {token}"},
                    correlation_id=correlation_id,
                )
            except TransportError as exc:
                if exc.status_code != 401 or attempt == 2:
                    raise
                self.token = None
        raise AssertionError("unreachable")

    def find_member(self, external_id: str, *, correlation_id: str = "") -> str | None:
        response = self.call("GET", "member", params={"loyaltyCardNumber": external_id}, correlation_id=correlation_id)
        items = response.body.get("items") if isinstance(response.body, dict) else None
        return str(items[0]["customerId"]) if items else None

    def create_member(self, customer: dict[str, Any], *, correlation_id: str = "") -> str:
        response = self.call("POST", "member", json_body={"customer": customer}, correlation_id=correlation_id)
        return str(response.body["customerId"])

    def update_member(self, member_id: str, customer: dict[str, Any], *, correlation_id: str = "") -> None:
        self.call("PUT", f"member/{member_id}", json_body={"customer": customer}, correlation_id=correlation_id)

    def member_action(self, member_id: str, action: str, *, correlation_id: str = "") -> None:
        """``deactivate``, ``activate`` or ``anonymize``."""
        self.call("POST", f"member/{member_id}/{action}", correlation_id=correlation_id)
