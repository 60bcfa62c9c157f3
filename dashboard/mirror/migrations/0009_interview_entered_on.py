"""When each candidate entered the pipeline (Analytics' "Candidates added"), filled for the rows
already mirrored from their stored documents.

On SQLite the new column lands after the 16 kB document, so the table is rebuilt with its large
columns last again, as migrations 0002 and 0005 did.
"""

import importlib

from django.db import migrations, models


def fill_entered_on(apps, schema_editor):
    from dashboard.mirror.derive import entered_on
    from heymilo.models import Interview as APIInterview

    Interview = apps.get_model("mirror", "Interview")
    rows = Interview.objects.using(schema_editor.connection.alias).only("id", "document").order_by("id")
    last = 0
    while batch := list(rows.filter(id__gt=last)[:500]):
        for row in batch:
            row.entered_on = entered_on(APIInterview.from_dict(row.document or {}))
        Interview.objects.using(schema_editor.connection.alias).bulk_update(batch, ["entered_on"])
        last = batch[-1].id


def large_columns_last(apps, schema_editor):
    importlib.import_module("dashboard.mirror.migrations.0002_document_last").rebuild(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("mirror", "0008_jobs"),
    ]

    operations = [
        migrations.AddField(
            model_name="interview",
            name="entered_on",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="interview",
            index=models.Index(fields=["team", "missing", "entered_on"], name="interview_entered"),
        ),
        migrations.RunPython(fill_entered_on, migrations.RunPython.noop),
        migrations.RunPython(large_columns_last, migrations.RunPython.noop),
    ]
