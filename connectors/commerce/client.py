"""Medusa v2 Admin API, over :class:`connectors.http.HttpClient` (the only HTTP this connector does).

Authentication: a secret API key (``sk_...``, created in Medusa's admin under Settings -> Secret API Keys or with
``POST /admin/api-keys`` ``{"type": "secret"}``) sent as the Basic auth user with an empty password.

Failures keep connectors/http.py's classification: Medusa answers ``invalid_data``/``not_allowed`` with 400 and
``duplicate_error`` with 422 (permanent: the same body will fail again), ``conflict`` with 409 and its internal
errors with 5xx (transient), like 429 and connection failures. This module only rewrites the message so that an
attempt row says what Medusa said (``invalid_data: Customer with email ... already exists``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from connectors.http import HttpClient, TransportError

CUSTOMER_FIELDS = "id,email,first_name,last_name,phone,has_account,metadata"
PRODUCT_FIELDS = "id,title,handle,status,external_id,metadata,*variants,*variants.prices"


def _medusa_error(exc: TransportError, action: str) -> TransportError:
    """The same failure, worded with Medusa's error type and message when the body has them."""
    detail = str(exc)
    if exc.status_code is not None:
        try:
            decoded = json.loads(exc.response) if exc.response else {}
        except ValueError:
            decoded = {}
        if isinstance(decoded, dict) and decoded.get("message"):
            detail = f"HTTP {exc.status_code} {decoded.get('type') or 'error'}: {decoded['message']}"
        if exc.status_code == 401:
            detail += " (is the connector's secret a valid, unrevoked Medusa secret API key?)"
    return TransportError(
        f"Medusa {action}: {detail}",
        permanent=exc.permanent,
        status_code=exc.status_code,
        retry_after=exc.retry_after,
        request=exc.request,
        response=exc.response,
    )


class MedusaClient:
    """The Admin API calls the connector makes. Methods return Medusa's objects as dicts."""

    def __init__(self, http: HttpClient, api_key: str) -> None:
        self.http = http
        self.auth = (api_key, "")
        self.correlation_id = ""

    def call(
        self, method: str, path: str, *, action: str, body: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        try:
            response = self.http.request(
                method, path, json_body=body, params=params, auth=self.auth, correlation_id=self.correlation_id
            )
        except TransportError as exc:
            raise _medusa_error(exc, action) from exc
        return response.body

    def _get_or_none(self, path: str, key: str, *, action: str, fields: str) -> dict[str, Any] | None:
        try:
            return self.call("GET", path, action=action, params={"fields": fields})[key]
        except TransportError as exc:
            if exc.status_code == 404:
                return None
            raise

    # --- customers --------------------------------------------------------------------------------------------------

    def customers_by_email(self, emails: list[str]) -> list[dict[str, Any]]:
        """Customers (guests and accounts) whose email is exactly one of ``emails``: one request."""
        if not emails:
            return []
        body = self.call(
            "GET",
            "/admin/customers",
            action="customer lookup by email",
            params={"email": emails, "fields": CUSTOMER_FIELDS, "limit": 50},
        )
        return list(body["customers"])

    def customer_get(self, customer_id: str) -> dict[str, Any] | None:
        return self._get_or_none(
            f"/admin/customers/{customer_id}", "customer", action="customer read", fields=CUSTOMER_FIELDS
        )

    def customers_all(self, *, page_size: int = 500) -> Iterator[dict[str, Any]]:
        """Every customer (id and metadata only), oldest first. Used only when nothing else finds a record."""
        offset = 0
        while True:
            body = self.call(
                "GET",
                "/admin/customers",
                action="customer scan",
                params={
                    "fields": "id,email,has_account,metadata",
                    "limit": page_size,
                    "offset": offset,
                    "order": "created_at",
                },
            )
            customers = body["customers"]
            yield from customers
            offset += len(customers)
            if not customers or offset >= body.get("count", 0):
                return

    def customer_create(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.call(
            "POST", "/admin/customers", action="customer create", body=body, params={"fields": CUSTOMER_FIELDS}
        )["customer"]

    def customer_update(self, customer_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.call(
            "POST",
            f"/admin/customers/{customer_id}",
            action=f"customer update of {customer_id}",
            body=body,
            params={"fields": CUSTOMER_FIELDS},
        )["customer"]

    def customer_delete(self, customer_id: str) -> None:
        try:
            self.call("DELETE", f"/admin/customers/{customer_id}", action=f"customer delete of {customer_id}")
        except TransportError as exc:
            if exc.status_code != 404:  # already gone: what we wanted
                raise

    def customer_addresses(self, customer_id: str) -> list[dict[str, Any]]:
        body = self.call(
            "GET",
            f"/admin/customers/{customer_id}/addresses",
            action=f"address list of {customer_id}",
            params={"fields": "id", "limit": 100},
        )
        return list(body["addresses"])

    def customer_address_update(self, customer_id: str, address_id: str, body: dict[str, Any]) -> None:
        self.call(
            "POST",
            f"/admin/customers/{customer_id}/addresses/{address_id}",
            action=f"address update of {customer_id}",
            body=body,
            params={"fields": "id"},
        )

    def customer_address_delete(self, customer_id: str, address_id: str) -> None:
        self.call(
            "DELETE",
            f"/admin/customers/{customer_id}/addresses/{address_id}",
            action=f"address delete of {customer_id}",
        )

    # --- products ---------------------------------------------------------------------------------------------------

    def products_where(self, **filters: Any) -> list[dict[str, Any]]:
        """Products matching Admin API list filters, e.g. ``external_id=...``, ``handle=...``,
        ``**{"variants[sku]": ...}``."""
        body = self.call(
            "GET",
            "/admin/products",
            action="product lookup",
            params={**filters, "fields": PRODUCT_FIELDS, "limit": 20},
        )
        return list(body["products"])

    def product_get(self, product_id: str) -> dict[str, Any] | None:
        return self._get_or_none(
            f"/admin/products/{product_id}", "product", action="product read", fields=PRODUCT_FIELDS
        )

    def product_create(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.call(
            "POST", "/admin/products", action="product create", body=body, params={"fields": PRODUCT_FIELDS}
        )["product"]

    def product_update(self, product_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.call(
            "POST",
            f"/admin/products/{product_id}",
            action=f"product update of {product_id}",
            body=body,
            params={"fields": PRODUCT_FIELDS},
        )["product"]

    def variant_update(self, product_id: str, variant_id: str, body: dict[str, Any]) -> None:
        self.call(
            "POST",
            f"/admin/products/{product_id}/variants/{variant_id}",
            action=f"variant update of {product_id}",
            body=body,
            params={"fields": "id"},
        )
