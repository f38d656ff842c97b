from django.core.management.base import BaseCommand, CommandError, CommandParser

from stewardship import services
from stewardship.errors import ApplicationError


class Command(BaseCommand):
    help = "Create the source system if missing and issue a new API key; the key is the last line printed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="Source system code, e.g. erp, cdp, loyalty, commerce")
        parser.add_argument("--name", default="", help="A label for the key (who or what uses it)")

    def handle(self, *args: object, code: str, name: str, **options: object) -> None:
        try:
            api_key, key = services.api_key_issue(source_code=code, name=name)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Issued API key {api_key.prefix}… for source {api_key.source.code}. It is shown only once:")
        self.stdout.write(key)
