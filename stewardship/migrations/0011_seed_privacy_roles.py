from django.db import migrations


def seed(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role in ["privacy", "viewer"]:  # as they were at this migration (stewardship.roles)
        Group.objects.get_or_create(name=role)


class Migration(migrations.Migration):
    dependencies = [("stewardship", "0010_privacy")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
