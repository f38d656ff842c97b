"""The demo's connectors: the sandbox stand-ins of a CDP, a loyalty system and a webhook receiver
(``manage.py sandbox``), so ``make run`` shows changes flowing out of Steward."""

from __future__ import annotations

from connectors.sandbox import LOYALTY_PASSWORD, LOYALTY_STORE, LOYALTY_USERNAME, WEBHOOK_SECRET, WRITE_KEY
from stewardship.models import ConsentPurpose, SourceSystem

from .models import Connector, Subscription


def demo_connectors(sandbox_url: str) -> list[Connector]:
    """Create or update the three demo connectors pointing at the sandbox at ``sandbox_url``."""
    url = sandbox_url.rstrip("/")
    sources = {s.code: s for s in SourceSystem.objects.filter(code__in=["cdp", "loyalty"])}
    specs = [
        # The CDP gets marketing data only with email-marketing consent; its own changes are not echoed back.
        ("cdp", "segment", f"{url}/cdp", WRITE_KEY, {}, sources.get("cdp"), ["customer"], ["email_marketing"]),
        (
            "loyalty",
            "loyalty",
            f"{url}/loyalty",
            LOYALTY_PASSWORD,
            {"username": LOYALTY_USERNAME, "store_code": LOYALTY_STORE},
            sources.get("loyalty"),
            ["customer"],
            [],
        ),
        ("webhooks", "webhook", f"{url}/webhook/demo", WEBHOOK_SECRET, {}, None, ["customer", "product"], []),
    ]
    made = []
    for name, kind, base_url, secret, options, source, domains, purposes in specs:
        connector, _ = Connector.objects.update_or_create(
            name=name,
            defaults={"kind": kind, "base_url": base_url, "secret": secret, "options": options, "source": source},
        )
        connector.consent_purposes.set(ConsentPurpose.objects.filter(code__in=purposes))
        for domain in domains:
            Subscription.objects.get_or_create(connector=connector, domain=domain)
        made.append(connector)
    return made
