from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_initial"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="caseattachment",
            name="original_name",
        ),
    ]
