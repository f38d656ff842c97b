"""Connector kinds by name. A connector package registers its class here by being listed in ``KINDS``."""

from __future__ import annotations

from importlib import import_module

from .base import Connector

#: kind -> "module:Class". Adding a connector: copy a folder, add its line here (see connectors/README.md).
KINDS: dict[str, str] = {
    "webhook": "connectors.webhook.connector:WebhookConnector",
    "segment": "connectors.cdp.connector:SegmentConnector",
    "loyalty": "connectors.loyalty.connector:LoyaltyConnector",
    "tryton": "connectors.erp.connector:TrytonConnector",
    "medusa": "connectors.commerce.connector:MedusaConnector",
}

LABELS: dict[str, str] = {
    "webhook": "Signed webhook (Standard Webhooks)",
    "segment": "CDP: Segment HTTP Tracking API",
    "loyalty": "Loyalty: Open Loyalty-style REST API",
    "tryton": "ERP: Tryton JSON-RPC",
    "medusa": "Commerce: Medusa v2 Admin API",
}


def connector_class(kind: str) -> type[Connector]:
    try:
        module_name, class_name = KINDS[kind].split(":")
    except KeyError:
        raise LookupError(f"Unknown connector kind {kind!r}; known: {', '.join(sorted(KINDS))}") from None
    cls: type[Connector] = getattr(import_module(module_name), class_name)
    return cls
