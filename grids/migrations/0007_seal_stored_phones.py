# Residents' phones and ID numbers already stored are sealed (AES-256-GCM, grids.encryption).

from django.db import migrations

from grids.encryption import seal_stored_values, unseal_stored_values

SEALED = {"MicroGrid": (["leader_phone"], {}), "CoGovernanceMember": (["phone"], {})}


def seal(apps, schema_editor):
    for model_name, (fields, indexes) in SEALED.items():
        seal_stored_values(apps.get_model("grids", model_name), fields, indexes=indexes)


def unseal(apps, schema_editor):
    for model_name, (fields, _indexes) in SEALED.items():
        unseal_stored_values(apps.get_model("grids", model_name), fields, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("grids", "0006_residents_phones_sealed")]

    operations = [migrations.RunPython(seal, unseal)]
