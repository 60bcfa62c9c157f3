import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


# WebhookJob joins the jobs' one vocabulary (dashboard/core/jobs.py): "pending" is "queued", and a
# job that ended with HeyMilo refusing or an error is "failed" (its outcome says which).


def forwards(apps, schema_editor):
    jobs = apps.get_model("webhooks", "WebhookJob").objects
    jobs.filter(state="pending").update(state="queued")
    jobs.filter(state="done").exclude(outcome="ok").update(state="failed")


def backwards(apps, schema_editor):
    jobs = apps.get_model("webhooks", "WebhookJob").objects
    jobs.filter(state="queued").update(state="pending")
    jobs.filter(state="failed").update(state="done")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_jobs'),
        ('webhooks', '0002_delivery_claimed_at'),
    ]

    operations = [
        migrations.AddField(
            model_name='webhookjob',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='webhookjob',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name='webhookjob',
            name='outcome',
            field=models.CharField(blank=True, choices=[('ok', 'Done'), ('invalid', 'HeyMilo rejected the values'), ('error', 'Failed')], default='', max_length=30),
        ),
        migrations.AlterField(
            model_name='webhookjob',
            name='state',
            field=models.CharField(choices=[('queued', 'Waiting for a worker'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=20),
        ),
        migrations.AlterField(
            model_name='webhookjob',
            name='team',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.team'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
