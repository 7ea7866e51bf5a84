"""A micro-grid leader's title becomes a choice (building leader / unit leader).

The free-text titles the seed wrote are mapped to the choice values; any other text is
left as it was, so that nothing is lost: the next edit of that micro-grid asks for a choice.
"""

from django.db import migrations, models

TO_CHOICE = {
    "楼栋长": "building_leader",
    "单元长": "unit_leader",
    # The seed's party-mass homes (report 004: "楼栋党支部+楼栋长") are led by building leaders.
    "楼栋党小组长": "building_leader",
}
TO_TEXT = {"building_leader": "楼栋长", "unit_leader": "单元长"}


def _rename(apps, mapping):
    MicroGrid = apps.get_model("grids", "MicroGrid")
    for old, new in mapping.items():
        MicroGrid.objects.filter(leader_title=old).update(leader_title=new)


def forwards(apps, schema_editor):
    _rename(apps, TO_CHOICE)


def backwards(apps, schema_editor):
    _rename(apps, TO_TEXT)


class Migration(migrations.Migration):

    dependencies = [
        ('grids', '0003_alter_gridworker_phone'),
    ]

    operations = [
        migrations.AlterField(
            model_name='microgrid',
            name='leader_title',
            field=models.CharField(blank=True, choices=[('building_leader', 'building leader'), ('unit_leader', 'unit leader')], max_length=20, verbose_name="leader's title"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
