"""What every connector is: it turns deliveries (:class:`Message`) into calls to one external system and says, per
message, what happened (:class:`Outcome`). The sync app owns claiming, ordering, retries and dead letters; a
connector only maps and sends.

A message carries the golden record's whole state at its version (``payload``), so a connector can upsert from it
without reading Steward back. Payload shape (customers; products have the product attributes and no consents)::

    {
      "id": "<golden uuid>", "domain": "customer", "version": 7, "status": "active" | "merged" | "erased",
      "merged_into": "<golden uuid>" | null,
      "attributes": {"given_name": ..., "family_name": ..., "email": ..., "phone": ..., "birth_date": "YYYY-MM-DD",
                     "address_line1": ..., "address_line2": ..., "postal_code": ..., "city": ..., "country": "GB",
                     "erp_account_number": ..., "loyalty_tier": ..., "loyalty_points": 120},
      "consents": {"email_marketing": {"status": "granted" | "withdrawn", "captured_at": "<iso>"}},
      "sources": [{"source": "erp", "source_key": "C-1"}],
      "changes": {"email": {"before": ..., "after": ...}}     # what this version changed
    }

Product attributes: gtin, sku, name, brand, category, price (string decimal), currency, description, image_url.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from .http import HttpClient, TransportError

#: Event types, "<domain>.<kind>". Subscriptions pick from these.
KINDS = ("upserted", "merged", "unmerged", "consent_changed", "erased")


@dataclass(frozen=True)
class Message:
    """One delivery, as a connector sees it."""

    delivery_id: int
    idempotency_key: str  # a UUID string derived from (connector, golden record, version): stable across retries
    event_type: str  # e.g. "customer.upserted"
    domain: str
    golden_id: str
    version: int
    payload: dict[str, Any]
    correlation_id: str
    occurred_at: datetime
    remote_id: str = ""  # the system's id for this record from an earlier delivery, when the sync app passes it

    @property
    def kind(self) -> str:
        return self.event_type.split(".", 1)[1]


@dataclass
class Outcome:
    """What happened to one message. ``error`` is None on success."""

    delivery_id: int
    error: TransportError | None = None
    status_code: int | None = None
    request: str = ""
    response: str = ""
    remote_id: str = ""  # the id the system gave the record, where it has one
    duration_ms: int = 0
    attempted: bool = True  # False: not sent at all (an earlier message of the batch failed); costs no attempt

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class ConnectorConfig:
    """A connector's settings as the admin stores them: base URL, credentials, and kind-specific options."""

    name: str
    base_url: str
    secret: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    timeout: float = 10.0


class Connector:
    """Base class. Subclasses set ``kind`` and implement :meth:`send_one`, or :meth:`send` for systems with a
    batch endpoint. ``send_one`` returns a remote id (or "") and raises :class:`TransportError` on failure."""

    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""
    #: How many messages :meth:`send` takes at once (the sync worker groups up to this many).
    batch_size: ClassVar[int] = 50

    def __init__(self, config: ConnectorConfig) -> None:
        self.config = config
        self.http = HttpClient(config.base_url, timeout=config.timeout)

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> dict[str, list[str]]:
        """Field errors for the admin form: {} when the options are usable."""
        return {}

    def send(self, messages: Sequence[Message]) -> list[Outcome]:
        """Send messages in order, one call each. A transient failure stops the batch: later messages of the same
        record must not overtake it, so the rest are reported as not attempted (transient, no status)."""
        outcomes: list[Outcome] = []
        for index, message in enumerate(messages):
            outcome = self.send_timed(message)
            outcomes.append(outcome)
            if outcome.error is not None and not outcome.error.permanent:
                skipped = TransportError("not attempted: an earlier call failed", permanent=False)
                outcomes.extend(Outcome(rest.delivery_id, skipped, attempted=False) for rest in messages[index + 1 :])
                break
        return outcomes

    def send_timed(self, message: Message) -> Outcome:
        started = time.perf_counter()
        try:
            remote_id = self.send_one(message)
        except TransportError as exc:
            return Outcome(
                message.delivery_id,
                exc,
                exc.status_code,
                exc.request,
                exc.response,
                duration_ms=int((time.perf_counter() - started) * 1000),
            )
        return Outcome(
            message.delivery_id, None, 200, "", "", remote_id or "", int((time.perf_counter() - started) * 1000)
        )

    def send_one(self, message: Message) -> str:
        raise NotImplementedError

    def close(self) -> None:
        self.http.close()
