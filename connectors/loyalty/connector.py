"""Loyalty connector: upsert members by golden id; merged -> deactivate, erased -> anonymize."""

from __future__ import annotations

from typing import Any, ClassVar

from connectors.base import Connector, ConnectorConfig, Message
from connectors.http import TransportError

from . import mapping
from .client import LoyaltyClient

DEFAULT_STORE = "DEFAULT"


class LoyaltyConnector(Connector):
    """Options: ``username`` (an admin of the loyalty system), ``store_code`` (default "DEFAULT").
    Secret: that admin's password. Customers only: product events are refused permanently."""

    kind: ClassVar[str] = "loyalty"
    label: ClassVar[str] = "Loyalty: Open Loyalty-style REST API"

    def __init__(self, config: ConnectorConfig) -> None:
        super().__init__(config)
        self.client = LoyaltyClient(
            self.http,
            username=str(config.options.get("username", "")),
            password=config.secret,
            store_code=str(config.options.get("store_code") or DEFAULT_STORE),
        )
        #: golden id -> member id, so that an update costs one call (members are never re-keyed)
        self.member_ids: dict[str, str] = {}

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        if not (isinstance(options.get("username"), str) and options["username"].strip()):
            errors["username"] = ["The loyalty admin's username is required."]
        store = options.get("store_code")
        if store is not None and not (isinstance(store, str) and store.strip() and "/" not in store):
            errors["store_code"] = ["Must be a store code, e.g. DEFAULT."]
        return errors

    def _member_id(self, golden_id: str, correlation_id: str) -> str | None:
        member_id = self.member_ids.get(golden_id)
        if member_id is None:
            member_id = self.client.find_member(golden_id, correlation_id=correlation_id)
            if member_id is not None:
                self.member_ids[golden_id] = member_id
        return member_id

    def send_one(self, message: Message) -> str:
        if message.domain != "customer":
            raise TransportError(f"loyalty takes customers only, not {message.event_type}", permanent=True)
        cid = message.correlation_id
        if message.kind in ("merged", "erased"):
            member_id = self._member_id(message.golden_id, cid)
            if member_id is None:
                return ""  # never sent to loyalty: nothing to deactivate or anonymize
            action = "deactivate" if message.kind == "merged" else "anonymize"
            self.client.member_action(member_id, action, correlation_id=cid)
            return member_id
        customer = mapping.customer(message)
        member_id = self.member_ids.get(message.golden_id)
        if member_id is None and message.version == 1:
            # A new golden record: register it straight away (one call), unless the loyalty system has it already.
            try:
                member_id = self.client.create_member(customer, correlation_id=cid)
            except TransportError as exc:
                if exc.status_code != 400 or "loyaltyCardNumber" not in exc.response:
                    raise
            else:
                self.member_ids[message.golden_id] = member_id
                return member_id
        member_id = self._member_id(message.golden_id, cid)
        if member_id is None:
            member_id = self.client.create_member(customer, correlation_id=cid)
            self.member_ids[message.golden_id] = member_id
            return member_id
        try:
            self.client.update_member(member_id, customer, correlation_id=cid)
        except TransportError as exc:
            if exc.status_code != 404:
                raise
            # Removed in the loyalty system since we cached its id: register it again.
            self.member_ids.pop(message.golden_id, None)
            member_id = self.client.create_member(customer, correlation_id=cid)
            self.member_ids[message.golden_id] = member_id
        if message.kind == "unmerged":
            self.client.member_action(member_id, "activate", correlation_id=cid)
        return member_id
