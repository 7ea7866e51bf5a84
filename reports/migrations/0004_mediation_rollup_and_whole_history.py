"""The mediation report's summary table and tallies, and the whole-history rows of every table,
counted from what the database already holds."""

import django.db.models.deletion
from django.db import migrations, models


def count_existing_rows(apps, schema_editor):
    """The whole-history rows from the month rows already held (seconds, where a rebuild from
    the cases takes minutes at city scale and holds every row meanwhile); the mediation table
    and its tallies from the mediations."""
    Case = apps.get_model("cases", "Case")
    if not Case.objects.exists():
        return
    from reports import mediation_rollup, rollup

    for grain in rollup.GRAINS:
        rollup.count_whole_history(grain)
    mediation_rollup.rebuild()


class Migration(migrations.Migration):

    dependencies = [
        ('grids', '0008_boundaries'),
        ('mediation', '0007_history_partitioned_by_month'),
        ('reports', '0003_grid_rollup'),
    ]

    operations = [
        migrations.AlterField(
            model_name='categoryrollup',
            name='span',
            field=models.CharField(choices=[('day', 'day'), ('month', 'month'), ('all', 'whole history')], max_length=5, verbose_name='span'),
        ),
        migrations.AlterField(
            model_name='communityrollup',
            name='span',
            field=models.CharField(choices=[('day', 'day'), ('month', 'month'), ('all', 'whole history')], max_length=5, verbose_name='span'),
        ),
        migrations.AlterField(
            model_name='gridrollup',
            name='span',
            field=models.CharField(choices=[('day', 'day'), ('month', 'month'), ('all', 'whole history')], max_length=5, verbose_name='span'),
        ),
        migrations.AlterField(
            model_name='streetrollup',
            name='span',
            field=models.CharField(choices=[('day', 'day'), ('month', 'month'), ('all', 'whole history')], max_length=5, verbose_name='span'),
        ),
        migrations.CreateModel(
            name='MediationTally',
            fields=[
                ('mediation', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='mediation.mediationcase', verbose_name='mediation case')),
                ('day', models.DateField(verbose_name='day')),
                ('registered', models.IntegerField(default=0, verbose_name='disputes registered')),
                ('concluded', models.IntegerField(default=0, verbose_name='mediations concluded')),
                ('agreed', models.IntegerField(default=0, verbose_name='agreements reached')),
                ('agreements', models.IntegerField(default=0, verbose_name='agreements recorded')),
                ('written_agreements', models.IntegerField(default=0, verbose_name='written agreements')),
                ('confirmed', models.IntegerField(default=0, verbose_name='judicially confirmed')),
                ('followed_up', models.IntegerField(default=0, verbose_name='agreements followed up')),
                ('fulfilled', models.IntegerField(default=0, verbose_name='fulfilled at the latest follow-up')),
                ('community', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='grids.community', verbose_name='community or village')),
                ('street', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='grids.street', verbose_name='street')),
            ],
            options={
                'verbose_name': 'mediation tally',
                'verbose_name_plural': 'mediation tallies',
            },
        ),
        migrations.CreateModel(
            name='MediationRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('span', models.CharField(choices=[('day', 'day'), ('month', 'month'), ('all', 'whole history')], max_length=5, verbose_name='span')),
                ('day', models.DateField(verbose_name='day')),
                ('registered', models.IntegerField(default=0, verbose_name='disputes registered')),
                ('concluded', models.IntegerField(default=0, verbose_name='mediations concluded')),
                ('agreed', models.IntegerField(default=0, verbose_name='agreements reached')),
                ('agreements', models.IntegerField(default=0, verbose_name='agreements recorded')),
                ('written_agreements', models.IntegerField(default=0, verbose_name='written agreements')),
                ('confirmed', models.IntegerField(default=0, verbose_name='judicially confirmed')),
                ('followed_up', models.IntegerField(default=0, verbose_name='agreements followed up')),
                ('fulfilled', models.IntegerField(default=0, verbose_name='fulfilled at the latest follow-up')),
                ('community', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='grids.community', verbose_name='community or village')),
                ('street', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='grids.street', verbose_name='street')),
            ],
            options={
                'verbose_name': 'mediation report rollup',
                'verbose_name_plural': 'mediation report rollups',
                'constraints': [models.UniqueConstraint(fields=('span', 'day', 'street', 'community'), name='rollup_mediation_key')],
            },
        ),
        migrations.RunPython(count_existing_rows, migrations.RunPython.noop),
    ]
