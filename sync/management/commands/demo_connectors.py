from django.core.management.base import BaseCommand, CommandParser

from sync.demo import demo_connectors


class Command(BaseCommand):
    help = (
        "Create (or update) the demo's connectors: the CDP, loyalty and webhook stand-ins of `manage.py sandbox`. "
        "Run it before `manage.py demo_data`, so every demo change flows out through the outbox, as in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sandbox-url",
            default="http://127.0.0.1:8700",
            help="Where `manage.py sandbox` serves the demo's CDP, loyalty and webhook stand-ins.",
        )

    def handle(self, *args: object, sandbox_url: str, **options: object) -> None:
        names = [c.name for c in demo_connectors(sandbox_url)]
        self.stdout.write(f"Demo connectors to the sandbox at {sandbox_url}: {', '.join(names)}")
