"""Webhook connector: one signed POST per delivery to the configured URL."""

from __future__ import annotations

from typing import ClassVar

from connectors.base import Connector, ConnectorConfig, Message

from . import mapping
from .client import WebhookClient


class WebhookConnector(Connector):
    """Base URL: the receiver's full endpoint URL. Secret: ``whsec_<base64>`` (shared with the receiver).
    No options."""

    kind: ClassVar[str] = "webhook"
    label: ClassVar[str] = "Signed webhook (Standard Webhooks)"

    def __init__(self, config: ConnectorConfig) -> None:
        super().__init__(config)
        self.client = WebhookClient(self.http, config.base_url, config.secret)

    def send_one(self, message: Message) -> str:
        self.client.post(message.idempotency_key, mapping.body(message), correlation_id=message.correlation_id)
        return ""
