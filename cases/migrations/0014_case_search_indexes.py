"""Indexes for the admin's search and work queues.

A case number is searched by prefix (`number LIKE 'SQ-2022-00%'`), which the unique number's
pattern index (`varchar_pattern_ops`, created with the column) already serves. Words of the
title and the address are searched as Django's `icontains` writes it,
`UPPER(col::text) LIKE UPPER('%…%')`: on PostgreSQL, trigram GIN indexes on exactly that
expression (pg_trgm) serve it. They and the extension exist only on PostgreSQL; SQLite
searches without them. On a large production table create the indexes `CONCURRENTLY` by hand
before migrating (the statements below, with `CONCURRENTLY` added): `IF NOT EXISTS` then
leaves them as they are.
"""

from django.db import migrations, models

TRIGRAM_INDEXES = {
    "case_title_trgm_idx": "title",
    "case_address_trgm_idx": "address",
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON cases_case USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    # The extension stays: other objects may use it, and it costs nothing unused.


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0013_dispatch_units"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
        # Today's supervisions, counted on the admin index and filtered in their list.
        migrations.AddIndex(
            model_name="supervision",
            index=models.Index(fields=["day"], name="supervision_day_idx"),
        ),
    ]
