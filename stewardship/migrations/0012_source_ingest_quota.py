from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("stewardship", "0011_seed_privacy_roles")]

    operations = [
        migrations.AddField(
            model_name="sourcesystem",
            name="ingest_quota_per_minute",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Records and consent events this source may send a minute, every batch counted; a batch "
                "over it is refused whole (429 with Retry-After). 0: no limit.",
                verbose_name="ingest quota (records a minute)",
            ),
        ),
    ]
