# The foreign keys' own indexes duplicate the leading column of a unique index on the same table: (record, key),
# (golden, version), (source, domain, source_key). Only the indexes go: Django's AlterField would also drop and
# re-add (re-validate) the foreign-key constraints, which on a large table holds a lock for a long time.

import django.db.models.deletion
from django.db import migrations, models

CASCADE, PROTECT = django.db.models.deletion.CASCADE, django.db.models.deletion.PROTECT

# (model, field, target, on_delete, related_name, table, index)
FOREIGN_KEYS = [
    ("blockingkey", "record", "stewardship.sourcerecord", CASCADE, "blocking_keys",
     "stewardship_blockingkey", "stewardship_blockingkey_record_id_871839a1"),
    ("goldenversion", "golden", "stewardship.goldenrecord", CASCADE, "versions",
     "stewardship_goldenversion", "stewardship_goldenversion_golden_id_0a3d8863"),
    ("sourcerecord", "source", "stewardship.sourcesystem", PROTECT, "records",
     "stewardship_sourcerecord", "stewardship_sourcerecord_source_id_c504c6a1"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("stewardship", "0007_blocking_key_lookup_include"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name=model,
                    name=name,
                    field=models.ForeignKey(db_index=False, on_delete=on_delete, related_name=related, to=target),
                )
                for model, name, target, on_delete, related, _, _ in FOREIGN_KEYS
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{name}_id")',
                )
                for _, name, _, _, _, table, index in FOREIGN_KEYS
            ],
        ),
    ]
