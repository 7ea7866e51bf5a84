# Residents' phones and ID numbers already stored are sealed (AES-256-GCM, grids.encryption).

from django.db import migrations

from grids.encryption import seal_stored_values, unseal_stored_values

SEALED = {"Case": (["contact_phone"], {})}


def seal(apps, schema_editor):
    for model_name, (fields, indexes) in SEALED.items():
        seal_stored_values(apps.get_model("cases", model_name), fields, indexes=indexes)


def unseal(apps, schema_editor):
    for model_name, (fields, _indexes) in SEALED.items():
        unseal_stored_values(apps.get_model("cases", model_name), fields, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_case_refers_to_base_data_phone_sealed")]

    operations = [migrations.RunPython(seal, unseal)]
