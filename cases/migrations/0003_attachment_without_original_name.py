from django.db import migrations


def forget_uploaders_file_names(apps, schema_editor):
    """The `attach` history notes held the uploader's file name, which may name a resident."""
    CaseEvent = apps.get_model("cases", "CaseEvent")
    CaseEvent.objects.filter(action="attach").exclude(note="").update(note="")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_initial"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="caseattachment",
            name="original_name",
        ),
        migrations.RunPython(forget_uploaders_file_names, migrations.RunPython.noop, elidable=True),
    ]
