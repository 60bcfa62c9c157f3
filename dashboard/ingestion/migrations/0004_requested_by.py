# One name for who asked for a job (dashboard/core/jobs.py): created_by becomes requested_by.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ingestion', '0003_jobs'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(
            model_name='candidateingest',
            old_name='created_by',
            new_name='requested_by',
        ),
        migrations.RenameField(
            model_name='export',
            old_name='created_by',
            new_name='requested_by',
        ),
        # Renamed, not dropped and added: every import keeps who uploaded it.
        migrations.RenameField(
            model_name='importjob',
            old_name='created_by',
            new_name='requested_by',
        ),
        migrations.AlterField(
            model_name='importjob',
            name='requested_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
    ]
