# Candidates queued beside a link (a new record joins one golden record and also fits another in the review band) were
# stored without a reason before the matcher gave them one: they get the reason such a candidate gets now.

from django.db import migrations

BETWEEN = "score between review and auto-link thresholds"  # stewardship.matcher.BETWEEN when this was written


def fill(apps, schema_editor):
    apps.get_model("stewardship", "MatchCandidate").objects.filter(reason="").update(reason=BETWEEN)


class Migration(migrations.Migration):
    dependencies = [("stewardship", "0008_fk_indexes_covered_by_unique")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
