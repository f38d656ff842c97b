from django.db import migrations


def seed(apps, schema_editor):
    MatchSettings = apps.get_model("stewardship", "MatchSettings")
    for domain in ("customer", "product"):
        MatchSettings.objects.get_or_create(domain=domain)


class Migration(migrations.Migration):
    dependencies = [("stewardship", "0003_matching")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
