from django.core.management.base import BaseCommand, CommandError, CommandParser

from stewardship import matching
from stewardship.errors import ValidationFailed
from stewardship.services import rematch


class Command(BaseCommand):
    help = (
        "Estimate the matcher's level weights from the stored records (Fellegi-Sunter m and u by EM, unsupervised) "
        "and print them beside the engine's defaults; --save stores them in the domain's match settings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--domain", choices=["customer", "product"], default="customer")
        parser.add_argument("--save", action="store_true", help="use the estimated weights from now on")

    def handle(self, *args: object, domain: str, save: bool, **_: object) -> None:
        try:
            result = rematch.match_model_train(domain=domain, save=save)
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from exc
        default = matching.Model.default(domain)
        self.stdout.write(f"{domain}: {result.records} records, {result.candidate_pairs} candidate pairs")
        self.stdout.write(f"prior (bits): default {default.prior:+.1f}, estimated {result.model.prior:+.1f}")
        for comparison in matching.COMPARISONS[domain]:
            self.stdout.write(f"{comparison.field}:")
            for label, old, new in zip(
                comparison.labels, default.levels[comparison.field], result.model.levels[comparison.field], strict=True
            ):
                self.stdout.write(f"  {label:<32} default {old:+6.1f}  estimated {new:+6.1f}")
        self.stdout.write("saved: ingest and rematch use these weights" if save else "not saved (--save to use them)")
