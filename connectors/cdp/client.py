"""HTTP to the Segment Tracking API: ``POST /v1/batch`` with the write key as the Basic-auth username."""

from __future__ import annotations

from connectors.http import HttpClient, Response, now_iso

#: Segment refuses an event over 32 KB and a batch request over 500 KB (400). Stay under the batch limit with the
#: margin Segment's own libraries keep (475,000 bytes) for the envelope.
MAX_EVENT_BYTES = 32 * 1024
MAX_BATCH_BYTES = 475_000
#: ``{"batch":[`` + ``],"sentAt":"2026-01-01T00:00:00.000000Z"}``
ENVELOPE_BYTES = 64


class SegmentClient:
    def __init__(self, http: HttpClient, write_key: str) -> None:
        self.http = http
        self.write_key = write_key

    def batch(self, events: list[bytes], *, correlation_id: str = "") -> Response:
        """Send already-encoded events (each a JSON object) in one ``/v1/batch`` request."""
        body = b'{"batch":[' + b",".join(events) + b'],"sentAt":"' + now_iso().encode() + b'"}'
        return self.http.request(
            "POST",
            "v1/batch",
            data=body,
            headers={"Content-Type": "application/json"},
            auth=(self.write_key, ""),
            correlation_id=correlation_id,
        )
