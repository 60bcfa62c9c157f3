import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


# ConnectionCheck joins the jobs' one vocabulary (dashboard/core/jobs.py): "pending" is "queued",
# and a check that ended without HeyMilo accepting the key is "failed" (its outcome says why).


def forwards(apps, schema_editor):
    checks = apps.get_model("accounts", "ConnectionCheck").objects
    checks.filter(state="pending").update(state="queued")
    checks.filter(state="done").exclude(outcome="ok").update(state="failed")


def backwards(apps, schema_editor):
    checks = apps.get_model("accounts", "ConnectionCheck").objects
    checks.filter(state="queued").update(state="pending")
    checks.filter(state="failed").update(state="done")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_membership_home_seen_at'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='connectioncheck',
            options={'ordering': ['-created_at', '-id']},
        ),
        migrations.AddField(
            model_name='connectioncheck',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='connectioncheck',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name='connectioncheck',
            name='outcome',
            field=models.CharField(blank=True, choices=[('ok', 'Connected'), ('unauthorized', 'Key rejected'), ('unreachable', 'HeyMilo unreachable'), ('rate_limited', 'Rate-limited'), ('no_key', 'No API key'), ('error', 'HeyMilo error')], default='', max_length=30),
        ),
        migrations.AlterField(
            model_name='connectioncheck',
            name='state',
            field=models.CharField(choices=[('queued', 'Waiting for a worker'), ('running', 'Checking'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=20),
        ),
        migrations.AlterField(
            model_name='connectioncheck',
            name='team',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.team'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
