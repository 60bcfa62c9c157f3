"""The table's search column: name and email lower-cased, filled for the rows already mirrored.

On SQLite the new column lands after the 16 kB document, so the table is rebuilt with its large
columns last again, as migration 0002 did.
"""

import importlib

from django.db import migrations, models


def fill_search(apps, schema_editor):
    Interview = apps.get_model("mirror", "Interview")
    rows = Interview.objects.using(schema_editor.connection.alias).only("id", "name", "email").order_by("id")
    last = 0
    while batch := list(rows.filter(id__gt=last)[:1000]):
        for row in batch:
            row.search = f"{row.name}\n{row.email}".lower()  # derive.search_text at the time of writing
        Interview.objects.using(schema_editor.connection.alias).bulk_update(batch, ["search"])
        last = batch[-1].id


def large_columns_last(apps, schema_editor):
    importlib.import_module("dashboard.mirror.migrations.0002_document_last").rebuild(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('mirror', '0004_postgresql_order_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='interview',
            name='interview_list_filters',
        ),
        migrations.AddField(
            model_name='interview',
            name='search',
            field=models.CharField(blank=True, default='', editable=False, max_length=621),
        ),
        migrations.RunPython(fill_search, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='interview',
            index=models.Index(fields=['team', 'posting', 'missing', 'status', 'score', 'search', 'interviewed_on'], name='interview_list_search'),
        ),
        migrations.RunPython(large_columns_last, migrations.RunPython.noop),
    ]
