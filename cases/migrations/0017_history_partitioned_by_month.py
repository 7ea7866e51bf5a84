"""On PostgreSQL, the case events and supervision entries partitioned by month (`core.partitions`).

Nothing changes on SQLite, or in Django's idea of the models. Not reversible in the database:
going back leaves the tables partitioned, which the models read and write all the same.
"""

from django.db import migrations

from core.partitions import partition_table


def partition(apps, schema_editor):
    partition_table(schema_editor, "cases_caseevent", "at")
    partition_table(schema_editor, "cases_supervision", "day")


class Migration(migrations.Migration):
    dependencies = [("cases", "0016_open_cases_by_due_time")]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]
