"""Drop the tokens of DRF's `authtoken` app, which `accounts.DeviceToken` replaces.

Those tokens never expired and were shared by all of a user's devices: they are not carried
over, and every phone signs in again once. The table, the app's migration records and its
permissions go, so that the database holds nothing of an app no longer installed; on a new
database there is nothing to drop.
"""

from django.db import migrations


def forget_authtoken(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    # Deleting the content types deletes their permissions (and users' grants of them).
    ContentType.objects.using(schema_editor.connection.alias).filter(app_label="authtoken").delete()
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        # The admin's log may name a token (DRF's admin listed them): it must be in the
        # migration state, so that those entries lose their content type instead of failing.
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
        migrations.RunPython(forget_authtoken, migrations.RunPython.noop),
    ]
