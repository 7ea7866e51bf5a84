# The idempotency store now lives in `core` (see core.0002); the table is left where it is.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_case_holder"),
        ("core", "0002_idempotency_key_moved_from_cases"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyKey")],
            database_operations=[],
        ),
    ]
