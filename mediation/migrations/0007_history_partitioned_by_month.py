"""On PostgreSQL, the mediation events partitioned by month (`core.partitions`); SQLite unchanged."""

from django.db import migrations

from core.partitions import partition_table


def partition(apps, schema_editor):
    partition_table(schema_editor, "mediation_mediationevent", "at")


class Migration(migrations.Migration):
    dependencies = [("mediation", "0006_seal_stored_parties")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
