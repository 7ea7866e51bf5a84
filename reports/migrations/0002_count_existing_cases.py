"""Count the cases a database already holds into the summary tables it has just gained.

Without it a database migrated from before the tables would answer its reports from empty
tables until someone ran `rebuild_report_rollup`. A new database has no cases and skips it.
The rebuild is the command's own (one INSERT … SELECT per table, about 30 s a million cases):
written against the tables as this migration leaves them, which is when it runs.
"""

from django.db import migrations


def count_existing_cases(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    if not Case.objects.exists():
        return
    from reports.rollup import rebuild

    # The tables this migration finds: a later one adds more, and counts its own.
    rebuild(tables=["reports_streetrollup", "reports_communityrollup", "reports_categoryrollup"])


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("cases", "0017_history_partitioned_by_month"),
    ]

    operations = [migrations.RunPython(count_existing_cases, migrations.RunPython.noop)]
