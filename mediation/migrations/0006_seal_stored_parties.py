# Residents' phones and ID numbers already stored are sealed (AES-256-GCM, grids.encryption).

from django.db import migrations

from grids.encryption import seal_stored_values, unseal_stored_values

SEALED = {"Party": (["phone", "id_number"], {"id_number_index": ("id_number", "document")})}


def seal(apps, schema_editor):
    for model_name, (fields, indexes) in SEALED.items():
        seal_stored_values(apps.get_model("mediation", model_name), fields, indexes=indexes)


def unseal(apps, schema_editor):
    for model_name, (fields, _indexes) in SEALED.items():
        unseal_stored_values(apps.get_model("mediation", model_name), fields, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("mediation", "0005_parties_sealed_with_blind_index")]

    operations = [migrations.RunPython(seal, unseal)]
