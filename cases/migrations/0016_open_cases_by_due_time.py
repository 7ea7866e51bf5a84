from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0015_report_index_carries_the_worker"),
        ("grids", "0008_boundaries"),
        ("registry", "0002_catalogues"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("status__in", ("reported", "accepted", "assigned", "in_progress", "resolved"))),
                fields=["due_at"],
                include=("reported_at", "street", "community", "category", "kind", "status"),
                name="case_open_due_idx",
            ),
        ),
    ]
