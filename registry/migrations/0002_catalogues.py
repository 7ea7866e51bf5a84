from django.db import migrations

from registry.catalogues import install


def forwards(apps, schema_editor):
    install(apps)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_base_data")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
