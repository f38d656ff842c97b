from django.core.management.base import BaseCommand, CommandParser

from stewardship import tasks
from stewardship.models import SourceRecord
from stewardship.services import rematch


class Command(BaseCommand):
    help = (
        "Match all stored records again, as Celery tasks split by blocking key (several workers share them). "
        "Sure, unambiguous groups are merged; the rest is queued for review."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--domain", choices=["customer", "product"], action="append")
        parser.add_argument("--chunk", type=int, default=500, help="blocking keys (or records) per task")
        parser.add_argument(
            "--refeature", action="store_true", help="recompute features and blocking keys first (engine changed)"
        )
        parser.add_argument(
            "--here", action="store_true", help="run the chunks in this process instead of queueing them"
        )

    def handle(
        self, *args: object, domain: list[str] | None, chunk: int, refeature: bool, here: bool, **_: object
    ) -> None:
        for name in domain or ["customer", "product"]:
            if refeature:
                ids = list(SourceRecord.objects.filter(domain=name).order_by("id").values_list("id", flat=True))
                for start in range(0, len(ids), chunk):
                    # Features are needed before blocks are compared: done here, in order, not queued.
                    rematch.source_records_refeature(domain=name, record_ids=ids[start : start + chunk])
                self.stdout.write(f"{name}: features and blocking keys recomputed for {len(ids)} records")
            total = rematch.RematchResult()
            sent = 0
            for keys in rematch.rematch_keys(domain=name, chunk_size=chunk):
                if here:
                    total += rematch.blocks_rematch(domain=name, keys=keys)
                else:
                    tasks.rematch_blocks.delay(name, keys)
                sent += 1
            if here:
                self.stdout.write(
                    f"{name}: {total.blocks} blocks, {total.comparisons} comparisons, {total.merged} golden records "
                    f"merged, {total.queued} candidates queued, {total.skipped_blocks} oversized blocks skipped"
                )
            else:
                self.stdout.write(f"{name}: {sent} rematch tasks queued")
