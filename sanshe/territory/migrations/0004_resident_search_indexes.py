"""Indexes of the resident table for the search at district scale and for bulk loads.

Drops the single-column indexes of district / street / community / grid (the unique (district, ID number index)
and the (street | community | grid, status, id) indexes begin with those columns) and Django's duplicate
``*_like`` indexes of the blind indexes; the name gets one ``varchar_pattern_ops`` index on PostgreSQL (prefix
search). On SQLite the name also gets a ``COLLATE NOCASE`` index, which is what lets SQLite use an index for
``LIKE 'prefix%'`` (its LIKE is case-insensitive); it is not part of the model state (SQLite only).
"""

import django.db.models.deletion
from django.db import migrations, models

SQLITE_NAME_INDEX = "resident_name_nocase"


def sqlite_name_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{SQLITE_NAME_INDEX}" ON "territory_resident" ("name" COLLATE NOCASE)')


def drop_sqlite_name_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{SQLITE_NAME_INDEX}"')


class Migration(migrations.Migration):

    dependencies = [
        ('territory', '0003_default_tag_types'),
    ]

    operations = [
        migrations.AlterField(
            model_name='resident',
            name='community',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.node', verbose_name='community'),
        ),
        migrations.AlterField(
            model_name='resident',
            name='district',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.node', verbose_name='district'),
        ),
        migrations.AlterField(
            model_name='resident',
            name='grid',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.node', verbose_name='grid'),
        ),
        migrations.AlterField(
            model_name='resident',
            name='id_number_index',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='ID number index'),
        ),
        migrations.AlterField(
            model_name='resident',
            name='name',
            field=models.CharField(max_length=50, verbose_name='name'),
        ),
        migrations.AlterField(
            model_name='resident',
            name='phone_index',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='phone index'),
        ),
        migrations.AlterField(
            model_name='resident',
            name='street',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.node', verbose_name='street'),
        ),
        migrations.AddIndex(
            model_name='resident',
            index=models.Index(fields=['name'], name='resident_name', opclasses=['varchar_pattern_ops']),
        ),
        migrations.AddIndex(
            model_name='resident',
            index=models.Index(fields=['id_number_index'], name='resident_id_number_index'),
        ),
        migrations.AddIndex(
            model_name='resident',
            index=models.Index(fields=['phone_index'], name='resident_phone_index'),
        ),
        migrations.RunPython(sqlite_name_index, drop_sqlite_name_index, elidable=False),
    ]
