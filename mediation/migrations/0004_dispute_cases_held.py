"""The hold of a dispute case by its mediation becomes state on the case (`cases.holds`).

Each case whose mediation holds it now (registered, mediating, or failed and not referred)
is marked as held by that mediation; reversing clears the marks.
"""

from django.db import migrations
from django.db.models import Q


def mark_held_cases(apps, schema_editor):
    MediationCase = apps.get_model("mediation", "MediationCase")
    Case = apps.get_model("cases", "Case")
    holding = MediationCase.objects.filter(
        Q(status__in=["registered", "mediating"]) | Q(status="failed", referral="")
    ).values_list("pk", "case_id")
    for mediation_id, case_id in holding.iterator():
        Case.objects.filter(pk=case_id).update(holder_kind="mediation", holder_id=mediation_id)


def clear_held_cases(apps, schema_editor):
    apps.get_model("cases", "Case").objects.filter(holder_kind="mediation").update(
        holder_kind="", holder_id=None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_case_holder"),
        ("mediation", "0003_event_statuses_have_labels"),
    ]

    operations = [migrations.RunPython(mark_held_cases, clear_held_cases)]
