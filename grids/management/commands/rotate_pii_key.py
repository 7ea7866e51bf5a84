"""Re-seal every sealed personal-data value under the active key (PII_ACTIVE_KEY).

Rotation without downtime: add the new key to PII_KEYS beside the old one, make it
PII_ACTIVE_KEY and restart the service (new writes are sealed under it, old values still
open under the old key), then run this command. It re-seals values a batch at a time, each
batch in its own short transaction, and writes a value only if the row still holds what it
read (a concurrent edit wins and is already sealed under the new key). Run it until it
reports nothing left; then the old key can leave PII_KEYS. `--check` only counts.
"""

from collections import Counter

from django.core.management.base import BaseCommand
from django.db import connection, models, transaction
from django.db.models.functions import Cast

from grids.encryption import active_key_id, reseal, sealed_fields, sealed_key_id

BATCH = 500


def _raw_values(model, name):
    """(pk, the stored text) of every non-empty value, as the database holds it."""
    return (
        model._base_manager.annotate(_stored=Cast(name, models.TextField()))
        .exclude(**{name: ""})
        .filter(**{f"{name}__isnull": False})
        .order_by("pk")
        .values_list("pk", "_stored")
    )


def _reseal_batch(model, name, batch) -> int:
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field(name).column)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    done = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for pk, stored in batch:
            cursor.execute(
                f"UPDATE {table} SET {column} = %s WHERE {pk_column} = %s AND {column} = %s",
                [reseal(stored), pk, stored],
            )
            done += cursor.rowcount
    return done


class Command(BaseCommand):
    help = "Re-seal residents' sealed ID numbers and phones under the active key (PII_ACTIVE_KEY)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Only count the values sealed under each key."
        )

    def handle(self, *args, check=False, **options):
        active = active_key_id()
        total = 0
        for model, names in sealed_fields():
            for name in names:
                keys, pending = Counter(), []
                for pk, stored in _raw_values(model, name).iterator(chunk_size=2000):
                    key_id = sealed_key_id(stored) or "(clear)"
                    keys[key_id] += 1
                    if key_id != active:
                        pending.append((pk, stored))
                resealed = 0
                if not check:
                    for start in range(0, len(pending), BATCH):
                        resealed += _reseal_batch(model, name, pending[start : start + BATCH])
                total += len(pending)
                by_key = ", ".join(f"{key} {count}" for key, count in sorted(keys.items())) or "none"
                self.stdout.write(
                    f"{model._meta.label}.{name}: {by_key}; "
                    + (f"{len(pending)} to re-seal" if check else f"re-sealed {resealed}")
                )
        verdict = "left under other keys" if check else "re-sealed"
        self.stdout.write(self.style.SUCCESS(f"{total} values {verdict}; active key {active}."))
