# The idempotency store moved down from `cases` into `core`, so that every app's create can use
# it. Only Django's state moves: the table `cases_idempotencykey` and its rows stay as they are.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_outbox"),
        ("cases", "0007_case_holder"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyKey",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("key", models.CharField(max_length=100, verbose_name="key")),
                        ("fingerprint", models.CharField(max_length=64, verbose_name="request fingerprint")),
                        (
                            "state",
                            models.CharField(
                                choices=[("in_flight", "in flight"), ("done", "done")],
                                default="in_flight",
                                max_length=10,
                                verbose_name="state",
                            ),
                        ),
                        ("response_status", models.PositiveSmallIntegerField(null=True, verbose_name="response status")),
                        ("response_body", models.JSONField(null=True, verbose_name="response body")),
                        ("created_at", models.DateTimeField(db_index=True, verbose_name="created at")),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="user account",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "idempotency key",
                        "verbose_name_plural": "idempotency keys",
                        "db_table": "cases_idempotencykey",
                        "constraints": [
                            models.UniqueConstraint(fields=("user", "key"), name="idempotency_key_per_user")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
