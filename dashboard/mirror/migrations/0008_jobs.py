import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


# SyncRun joins the jobs' one vocabulary (dashboard/core/jobs.py): "succeeded" is "done"; its
# error and error code become the job's message and outcome (renamed above, values kept).


def forwards(apps, schema_editor):
    apps.get_model("mirror", "SyncRun").objects.filter(state="succeeded").update(state="done")


def backwards(apps, schema_editor):
    apps.get_model("mirror", "SyncRun").objects.filter(state="done").update(state="succeeded")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_jobs'),
        ('mirror', '0007_syncrun_skipped'),
    ]

    operations = [
        migrations.RenameField(
            model_name='syncrun',
            old_name='error',
            new_name='message',
        ),
        migrations.RenameField(
            model_name='syncrun',
            old_name='error_code',
            new_name='outcome',
        ),
        migrations.AlterField(
            model_name='syncrun',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name='syncrun',
            name='state',
            field=models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Succeeded'), ('failed', 'Failed'), ('skipped', 'Skipped'), ('interrupted', 'Interrupted')], default='queued', max_length=20),
        ),
        migrations.AlterField(
            model_name='syncrun',
            name='team',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.team'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
