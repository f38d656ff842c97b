from django.db import migrations


def seed(apps, schema_editor):
    from stewardship import defaults

    SourceSystem = apps.get_model("stewardship", "SourceSystem")
    OwnershipRule = apps.get_model("stewardship", "OwnershipRule")
    ConsentPurpose = apps.get_model("stewardship", "ConsentPurpose")
    Group = apps.get_model("auth", "Group")
    for code, name in defaults.SOURCES:
        SourceSystem.objects.get_or_create(code=code, defaults={"name": name})
    for domain, attributes, owners, fallback in defaults.OWNERSHIP:
        for attribute in attributes:
            OwnershipRule.objects.get_or_create(
                domain=domain, attribute=attribute, defaults={"owners": owners, "fallback": fallback}
            )
    for code, name, marketing in defaults.PURPOSES:
        ConsentPurpose.objects.get_or_create(code=code, defaults={"name": name, "marketing": marketing})
    for role in ["steward", "approver", "admin"]:  # as they were at this migration (stewardship.roles)
        Group.objects.get_or_create(name=role)


class Migration(migrations.Migration):
    dependencies = [("stewardship", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
