"""Segment connector: deliveries become identify/track calls, sent together through ``/v1/batch``."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any, ClassVar

from connectors.base import Connector, ConnectorConfig, Message, Outcome
from connectors.http import TransportError

from . import mapping
from .client import ENVELOPE_BYTES, MAX_BATCH_BYTES, MAX_EVENT_BYTES, SegmentClient


def _encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False, default=str).encode()


class SegmentConnector(Connector):
    """Options: ``product_anonymous_id`` (the anonymousId product events are sent with, default "steward-catalog").
    Secret: the source's write key."""

    kind: ClassVar[str] = "segment"
    label: ClassVar[str] = "CDP: Segment HTTP Tracking API"
    batch_size: ClassVar[int] = 100

    def __init__(self, config: ConnectorConfig) -> None:
        super().__init__(config)
        self.client = SegmentClient(self.http, config.secret)

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> dict[str, list[str]]:
        value = options.get("product_anonymous_id")
        if value is not None and not (isinstance(value, str) and value.strip()):
            return {"product_anonymous_id": ["Must be a non-empty string."]}
        return {}

    def send_one(self, message: Message) -> str:
        outcome = self.send([message])[0]
        if outcome.error is not None:
            raise outcome.error
        return outcome.remote_id

    def send(self, messages: Sequence[Message]) -> list[Outcome]:
        """Map every message, then send them in as few ``/v1/batch`` requests as the 500 KB limit allows, in order.

        An event over 32 KB fails its message alone (permanently). A transient failure stops there: that request's
        messages and all later ones are reported transient, so nothing overtakes a message that will be retried. A
        400 for a request with several messages is retried one message at a time, to find the one
        Segment refuses and deliver the others.
        """
        outcomes: dict[int, Outcome] = {}
        batches: list[list[tuple[int, Message, list[bytes]]]] = [[]]
        size = ENVELOPE_BYTES
        for index, message in enumerate(messages):
            try:
                encoded = [_encode(event) for event in mapping.events(message, self.config.options)]
            except (KeyError, TypeError, ValueError) as exc:
                outcomes[index] = Outcome(message.delivery_id, TransportError(f"cannot map: {exc}", permanent=True))
                continue
            too_big = max(len(event) for event in encoded)
            if too_big > MAX_EVENT_BYTES:
                error = TransportError(
                    f"event of {too_big} bytes exceeds Segment's 32 KB limit", permanent=True, status_code=None
                )
                outcomes[index] = Outcome(message.delivery_id, error)
                continue
            weight = sum(len(event) + 1 for event in encoded)
            if batches[-1] and size + weight > MAX_BATCH_BYTES:
                batches.append([])
                size = ENVELOPE_BYTES
            batches[-1].append((index, message, encoded))
            size += weight

        pending = [batch for batch in batches if batch]
        stopped: TransportError | None = None
        for batch in pending:
            if stopped is not None:
                for index, message, _ in batch:
                    outcomes[index] = Outcome(message.delivery_id, stopped, attempted=False)
                continue
            results = self._post(batch)
            if len(batch) > 1 and results[0].status_code == 400:
                results = []
                for item in batch:  # find the refused message; deliver the others
                    if stopped is not None:
                        results.append(Outcome(item[1].delivery_id, stopped, attempted=False))
                        continue
                    result = self._post([item])[0]
                    if result.error is not None and not result.error.permanent:
                        stopped = TransportError("not attempted: an earlier call failed", permanent=False)
                    results.append(result)
            for (index, _, _), outcome in zip(batch, results, strict=True):
                outcomes[index] = outcome
            if stopped is None and any(o.error is not None and not o.error.permanent for o in results):
                stopped = TransportError("not attempted: an earlier call failed", permanent=False)
        return [outcomes[index] for index in range(len(messages))]

    def _post(self, batch: list[tuple[int, Message, list[bytes]]]) -> list[Outcome]:
        started = time.perf_counter()
        events = [event for _, _, encoded in batch for event in encoded]
        try:
            response = self.client.batch(events, correlation_id=batch[0][1].correlation_id)
        except TransportError as exc:
            ms = int((time.perf_counter() - started) * 1000)
            return [
                Outcome(message.delivery_id, exc, exc.status_code, exc.request, exc.response, duration_ms=ms)
                for _, message, _ in batch
            ]
        ms = int((time.perf_counter() - started) * 1000)
        body = json.dumps(response.body) if not isinstance(response.body, str) else response.body
        return [
            Outcome(message.delivery_id, None, response.status_code, response.request, body[:500], duration_ms=ms)
            for _, message, _ in batch
        ]
