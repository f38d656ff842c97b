import secrets

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from stewardship import demo, roles, services
from stewardship.models import SourceSystem

DEMO_USERS = [
    ("steward", [roles.STEWARD], False),
    ("approver", [roles.STEWARD, roles.APPROVER], False),
    ("admin", [roles.ADMIN], True),
]


class Command(BaseCommand):
    help = (
        "Load generated demo data through the ingest services and (re)set the demo users' passwords. "
        "`make run` runs `manage.py demo_connectors` first, so the changes flow out to the sandbox."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=3000)
        parser.add_argument("--products", type=int, default=400)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: object, customers: int, products: int, seed: int, **options: object) -> None:
        sources = {s.code: s for s in SourceSystem.objects.all()}
        totals: dict[str, int] = {}
        for batch in demo.generate(customers=customers, products=products, seed=seed):
            source = sources[batch.source]
            if batch.domain == "consent":
                results = services.consent_events_record(source=source, events=batch.items)
            else:
                results = services.source_records_upsert(source=source, domain=batch.domain, records=batch.items)
            for result in results:
                totals[result.status] = totals.get(result.status, 0) + 1
        self.stdout.write("Demo records: " + ", ".join(f"{n} {status}" for status, n in sorted(totals.items())))
        self.stdout.write("Demo users (passwords are new on every run):")
        with transaction.atomic():
            for username, roles, superuser in DEMO_USERS:
                user, _ = User.objects.get_or_create(username=username)
                password = secrets.token_urlsafe(9)
                user.set_password(password)
                user.is_staff = True
                user.is_superuser = superuser
                user.save()
                user.groups.set(Group.objects.filter(name__in=roles))
                self.stdout.write(f"  {username:<9} {password}   roles: {', '.join(roles)}")
