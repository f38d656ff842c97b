"""``python manage.py sandbox [--host 127.0.0.1] [--port 8700]``: serve the connector stand-ins until interrupted."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from connectors.sandbox.server import (
    LOYALTY_PASSWORD,
    LOYALTY_STORE,
    LOYALTY_USERNAME,
    WEBHOOK_SECRET,
    WRITE_KEY,
    SandboxServer,
)


class Command(BaseCommand):
    help = "Serve local stand-ins of the CDP (Segment), loyalty (Open Loyalty) and webhook systems."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8700)
        parser.add_argument("--write-key", default=WRITE_KEY, help="the Segment write key to accept")
        parser.add_argument("--loyalty-username", default=LOYALTY_USERNAME)
        parser.add_argument("--loyalty-password", default=LOYALTY_PASSWORD)
        parser.add_argument("--loyalty-store", default=LOYALTY_STORE)
        parser.add_argument("--loyalty-token-ttl", type=float, default=3600.0, help="seconds a token stays valid")
        parser.add_argument("--webhook-secret", default=WEBHOOK_SECRET, help="whsec_<base64>")

    def handle(self, *args: Any, **options: Any) -> None:
        server = SandboxServer(
            (options["host"], options["port"]),
            write_key=options["write_key"],
            loyalty_username=options["loyalty_username"],
            loyalty_password=options["loyalty_password"],
            loyalty_store=options["loyalty_store"],
            loyalty_token_ttl=options["loyalty_token_ttl"],
            webhook_secret=options["webhook_secret"],
        )
        url = server.base_url
        self.stdout.write(f"Sandbox at {url}  (Ctrl-C to stop)")
        self.stdout.write(f"  CDP (Segment)     base URL {url}/cdp        write key {options['write_key']}")
        self.stdout.write(
            f"  Loyalty           base URL {url}/loyalty    username {options['loyalty_username']}, "
            f"password {options['loyalty_password']}, store {options['loyalty_store']}"
        )
        self.stdout.write(f"  Webhook receiver  URL {url}/webhook/steward  secret {options['webhook_secret']}")
        self.stdout.write(f"  Control API       {url}/_sandbox/  (faults, received, reset)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.stopping.set()
            server.server_close()
