"""The grid table of the reports' summary tables, counted from the cases already held."""

import django.db.models.deletion
from django.db import migrations, models


def count_existing_cases(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    if not Case.objects.exists():
        return
    from reports.rollup import rebuild

    rebuild(tables=["reports_gridrollup"])


class Migration(migrations.Migration):

    dependencies = [
        ('grids', '0008_boundaries'),
        ('reports', '0002_count_existing_cases'),
    ]

    operations = [
        migrations.CreateModel(
            name='GridRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('span', models.CharField(choices=[('day', 'day'), ('month', 'month')], max_length=5, verbose_name='span')),
                ('day', models.DateField(verbose_name='day')),
                ('total', models.IntegerField(default=0, verbose_name='total cases')),
                ('accepted', models.IntegerField(default=0, verbose_name='cases accepted')),
                ('closed', models.IntegerField(default=0, verbose_name='cases closed')),
                ('closed_on_time', models.IntegerField(default=0, verbose_name='closed on time')),
                ('reworked', models.IntegerField(default=0, verbose_name='reworked cases')),
                ('merged', models.IntegerField(default=0, verbose_name='merged as duplicates')),
                ('closed_at_grid', models.IntegerField(default=0, verbose_name='closed at grid level')),
                ('escalated', models.IntegerField(default=0, verbose_name='escalated cases')),
                ('feedback_given', models.IntegerField(default=0, verbose_name='feedback given')),
                ('satisfied_feedback', models.IntegerField(default=0, verbose_name='satisfied feedback')),
                ('open_cases', models.IntegerField(default=0, verbose_name='open cases')),
                ('close_usec', models.BigIntegerField(default=0, verbose_name='microseconds to close, summed')),
                ('close_hours', models.JSONField(default=dict, verbose_name='hours to close, histogram')),
                ('community', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='grids.community', verbose_name='community or village')),
                ('grid', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='grids.grid', verbose_name='grid')),
                ('street', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='grids.street', verbose_name='street')),
            ],
            options={
                'verbose_name': 'grid report rollup',
                'verbose_name_plural': 'grid report rollups',
                'constraints': [models.UniqueConstraint(fields=('span', 'day', 'street', 'community', 'grid'), name='rollup_grid_key')],
            },
        ),
        migrations.RunPython(count_existing_cases, migrations.RunPython.noop),
    ]
