"""Delivery -> webhook body: the Standard Webhooks envelope ``{"type", "timestamp", "data"}``.

| field       | value                                                                |
| ----------- | -------------------------------------------------------------------- |
| type        | the Steward event type, e.g. "customer.upserted", "customer.erased"  |
| timestamp   | when the change happened (ISO 8601, UTC)                             |
| data        | the golden record at its version: the payload of connectors/base.py  |
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from connectors.base import Message


def envelope(message: Message) -> dict[str, Any]:
    occurred = message.occurred_at
    if occurred.tzinfo is not None:
        occurred = occurred.astimezone(UTC)
    return {
        "type": message.event_type,
        "timestamp": occurred.isoformat().replace("+00:00", "Z"),
        "data": message.payload,
    }


def body(message: Message) -> bytes:
    return json.dumps(envelope(message), separators=(",", ":"), ensure_ascii=False, default=str).encode()
