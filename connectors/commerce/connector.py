"""Medusa v2 connector: golden customers -> Medusa customers, golden products -> Medusa products (one variant).

Finding the Medusa record of a golden record (Medusa has no filter on metadata, so the golden id alone cannot be
searched for):

* customers: one ``GET /admin/customers?email=...`` with the current email and, when this version changed it, the
  previous one; the record whose ``metadata.steward_golden_id`` is ours is ours. Failing that, the golden record's
  ``sources`` that name a Medusa customer id (``cus_...``) under the configured source code are read directly.
  Only for an erasure with nothing else to go on (its payload carries no personal data) are all customers scanned.
* products: one ``GET /admin/products?external_id=<golden id>`` (we set ``external_id`` on create and adopt);
  then ``sources`` ids (``prod_...``), then the variant SKU and the handle to adopt a product the shop already has.

Rules:

* upsert ("upserted", "unmerged", "consent_changed"): update ours, or adopt the record holding the email (customer)
  or SKU/handle (product) when it carries no golden id or one that was merged into ours, or create. A record that
  belongs to another golden record is a permanent error: two golden records claim one Medusa record, and a steward
  has to merge them or fix the email.
* idempotency: ``metadata.steward_version`` is the version applied; a message at or below it changes nothing.
* "merged": the record is marked (``steward_status=merged``, ``steward_merged_into``), not deleted: Medusa has no
  customer merge, and its orders, carts and the shopper's login still point at it. A product is also set to draft
  so it leaves the storefront. "unmerged" clears the mark (and republishes the product).
* "erased" (customers): addresses and personal fields are blanked, then the customer is deleted (Medusa deletes
  softly, so the blanking is what removes the data). Erasure ignores versions: it always goes through.
"""

from __future__ import annotations

from typing import Any, ClassVar

from connectors.base import Connector, ConnectorConfig, Message
from connectors.http import TransportError

from . import mapping
from .client import MedusaClient

UPSERT_KINDS = frozenset({"upserted", "unmerged", "consent_changed"})
OPTIONS = ("sales_channel_id", "source", "product_status")
DEFAULT_SOURCE = "commerce"
MAX_SOURCE_READS = 5


def _permanent(message: str) -> TransportError:
    return TransportError(message, permanent=True)


class MedusaConnector(Connector):
    """Options: ``sales_channel_id`` (new products are put in it), ``source`` (the Steward source code whose
    source keys are Medusa ids, default "commerce"), ``product_status`` (of new products, default "published").
    Secret: a Medusa secret API key."""

    kind: ClassVar[str] = "medusa"
    label: ClassVar[str] = "Commerce: Medusa v2 Admin API"

    def __init__(self, config: ConnectorConfig) -> None:
        super().__init__(config)
        self.client = MedusaClient(self.http, config.secret)
        options = config.options or {}
        self.source: str = options.get("source") or DEFAULT_SOURCE
        self.sales_channel_id: str | None = options.get("sales_channel_id") or None
        self.product_status: str = options.get("product_status") or "published"

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        for key in options:
            if key not in OPTIONS:
                errors[key] = [f"Unknown option; known: {', '.join(OPTIONS)}."]
        channel = options.get("sales_channel_id")
        if channel is not None and not (isinstance(channel, str) and channel.startswith("sc_")):
            errors["sales_channel_id"] = ["A Medusa sales channel id (sc_...)."]
        source = options.get("source")
        if source is not None and not (isinstance(source, str) and source.strip()):
            errors["source"] = ["A Steward source code, e.g. commerce."]
        status = options.get("product_status")
        if status is not None and status not in mapping.PRODUCT_STATUSES:
            errors["product_status"] = [f"One of {', '.join(mapping.PRODUCT_STATUSES)}."]
        return errors

    def send_one(self, message: Message) -> str:
        if not self.config.secret:
            raise _permanent("no Medusa secret API key configured (the connector's secret)")
        self.client.correlation_id = message.correlation_id
        try:
            if message.domain == "customer":
                return self._customer(message)
            if message.domain == "product":
                return self._product(message)
        except mapping.MappingError as exc:
            raise _permanent(f"golden {message.domain} {message.golden_id} v{message.version}: {exc}") from exc
        raise _permanent(f"Medusa connector does not handle the {message.domain!r} domain")

    # --- lookups ----------------------------------------------------------------------------------------------------

    def _known_ids(self, message: Message, prefix: str) -> list[str]:
        """Medusa ids Steward already knows for this record: the last remote id, when the sync app passes it, and
        the source keys of the configured Medusa source."""
        ids: list[str] = []
        if message.remote_id.startswith(prefix):
            ids.append(message.remote_id)
        for source in message.payload.get("sources") or []:
            key = str(source.get("source_key") or "")
            if source.get("source") == self.source and key.startswith(prefix) and key not in ids:
                ids.append(key)
        return ids[:MAX_SOURCE_READS]

    @staticmethod
    def _pick(records: list[dict[str, Any]], golden_id: str) -> dict[str, Any] | None:
        """Ours (our golden id) first, then one we may adopt: no golden id, or merged into ours. Shopper accounts
        before guest profiles."""
        ranked = sorted(records, key=lambda r: not r.get("has_account"))
        for accept in (
            lambda r: mapping.golden_id_of(r) == golden_id,
            lambda r: not mapping.golden_id_of(r),
            lambda r: mapping.merged_into_of(r) == golden_id,
        ):
            for record in ranked:
                if accept(record):
                    return record
        return None

    def _find_customer(
        self, message: Message, *, scan: bool = False
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """(ours, everyone found by email). Ours carries our golden id, or is a Medusa id Steward linked to it."""
        golden = message.golden_id
        by_email = self.client.customers_by_email(mapping.email_keys(message.payload))
        for customer in by_email:
            if mapping.golden_id_of(customer) == golden:
                return customer, by_email
        linked = [c for cid in self._known_ids(message, "cus_") if (c := self.client.customer_get(cid))]
        ours = self._pick(linked, golden)
        if ours is not None:
            return ours, by_email
        if scan:
            for customer in self.client.customers_all():
                if mapping.golden_id_of(customer) == golden:
                    return self.client.customer_get(customer["id"]), by_email
        return None, by_email

    def _find_product(self, message: Message) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """(ours, candidates found by SKU or handle)."""
        golden = message.golden_id
        keyed = self.client.products_where(external_id=golden)
        if keyed:
            return keyed[0], []
        linked = [p for pid in self._known_ids(message, "prod_") if (p := self.client.product_get(pid))]
        ours = self._pick(linked, golden)
        if ours is not None and (not ours.get("external_id") or ours["external_id"] == golden):
            return ours, []
        candidates: list[dict[str, Any]] = []
        sku = (message.payload.get("attributes") or {}).get("sku")
        if sku:
            candidates += self.client.products_where(**{"variants[sku]": sku})
        handle = mapping.product_handle(message.payload)
        seen = {c["id"] for c in candidates}
        candidates += [p for p in self.client.products_where(handle=handle) if p["id"] not in seen]
        for product in candidates:
            if product.get("external_id") == golden or mapping.golden_id_of(product) == golden:
                return product, candidates
        return None, candidates

    # --- customers --------------------------------------------------------------------------------------------------

    def _customer(self, message: Message) -> str:
        payload = message.payload
        if message.kind == "erased":
            return self._customer_erase(message)
        ours, by_email = self._find_customer(message)
        if message.kind == "merged":
            if ours is None:
                return ""  # never reached Medusa: nothing to mark
            if mapping.version_of(ours) < message.version:
                self.client.customer_update(ours["id"], {"metadata": mapping.merged_marker(payload, ours["metadata"])})
            return str(ours["id"])
        if message.kind not in UPSERT_KINDS:
            raise _permanent(f"Medusa connector does not handle customer.{message.kind}")
        if ours is not None:
            if mapping.version_of(ours) >= message.version:
                return str(ours["id"])  # this version (or a newer one) is already there
            body = mapping.customer_body(payload, current_metadata=ours.get("metadata"))
            return str(self.client.customer_update(ours["id"], body)["id"])
        email = str((payload.get("attributes") or {}).get("email") or "").strip()
        if not email:
            return ""  # Medusa customers are found by email: one without an email is not sent
        holders = [c for c in by_email if str(c.get("email") or "").lower() == email.lower()]
        adopt = self._pick(holders, message.golden_id)
        if adopt is not None:
            body = mapping.customer_body(payload, current_metadata=adopt.get("metadata"))
            return str(self.client.customer_update(adopt["id"], body)["id"])
        if holders:
            other = holders[0]
            raise _permanent(
                f"duplicate email: Medusa customer {other['id']} already has {email} and belongs to golden record "
                f"{mapping.golden_id_of(other)}, not {message.golden_id}. Merge the two golden records in Steward or "
                "change the email in Medusa; Steward does not take over a customer that belongs to another record."
            )
        return str(self.client.customer_create(mapping.customer_body(payload))["id"])

    def _customer_erase(self, message: Message) -> str:
        ours, _ = self._find_customer(message, scan=True)
        if ours is None:
            return ""  # not in Medusa (or already erased)
        customer_id = str(ours["id"])
        for address in self.client.customer_addresses(customer_id):
            self.client.customer_address_update(customer_id, address["id"], mapping.ADDRESS_ERASURE_BODY)
            self.client.customer_address_delete(customer_id, address["id"])
        # The golden id stays until the delete so that a retry after a failure here still finds the customer.
        current = ours.get("metadata") or {}
        wanted: dict[str, Any] = dict.fromkeys(current)
        wanted.update(
            {mapping.GOLDEN_ID: message.golden_id, mapping.VERSION: message.version, mapping.STATUS: "erased"}
        )
        body = {**mapping.CUSTOMER_ERASURE_BODY, "metadata": mapping.metadata_patch(current, wanted)}
        self.client.customer_update(customer_id, body)
        self.client.customer_delete(customer_id)
        return customer_id

    # --- products ---------------------------------------------------------------------------------------------------

    def _product(self, message: Message) -> str:
        payload = message.payload
        if message.kind == "erased":
            raise _permanent("erasure applies to customers: a product has no personal data to erase")
        ours, candidates = self._find_product(message)
        if message.kind == "merged":
            if ours is None:
                return ""
            if mapping.version_of(ours) < message.version:
                body = {"metadata": mapping.merged_marker(payload, ours["metadata"]), "status": "draft"}
                self.client.product_update(ours["id"], body)
            return str(ours["id"])
        if message.kind not in UPSERT_KINDS:
            raise _permanent(f"Medusa connector does not handle product.{message.kind}")
        if ours is None:
            adopt = next(
                (
                    p
                    for p in candidates
                    if not (p.get("external_id") or mapping.golden_id_of(p))
                    or mapping.merged_into_of(p) == message.golden_id
                ),
                None,
            )
            if adopt is None and candidates:
                other = candidates[0]
                raise _permanent(
                    f"duplicate product: Medusa product {other['id']} (handle {other.get('handle')}) already has "
                    f"this SKU or handle and belongs to golden record "
                    f"{other.get('external_id') or mapping.golden_id_of(other)}, not {message.golden_id}."
                )
            if adopt is None:
                body = mapping.product_create_body(
                    payload, status=self.product_status, sales_channel_id=self.sales_channel_id
                )
                return str(self.client.product_create(body)["id"])
            ours = adopt
        elif mapping.version_of(ours) >= message.version:
            return str(ours["id"])
        # The variant first: the product update writes steward_version, and a retry after a failure in between
        # must not take the half-applied version for done.
        variant = self._variant(ours, payload)
        if variant is not None:
            body = mapping.variant_update_body(payload, variant.get("prices") or [])
            self.client.variant_update(ours["id"], variant["id"], body)
        metadata = ours.get("metadata") or {}
        restore = self.product_status if metadata.get(mapping.STATUS) == "merged" else None
        body = mapping.product_update_body(payload, current_metadata=metadata, status=restore)
        return str(self.client.product_update(ours["id"], body)["id"])

    @staticmethod
    def _variant(product: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any] | None:
        """The variant that carries the golden product: the one with its SKU, else the first."""
        variants = sorted(product.get("variants") or [], key=lambda v: (v.get("variant_rank") or 0, v["id"]))
        sku = (payload.get("attributes") or {}).get("sku")
        return next((v for v in variants if sku and v.get("sku") == sku), variants[0] if variants else None)
