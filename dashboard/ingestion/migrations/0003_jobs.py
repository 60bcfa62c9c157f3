import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_jobs'),
        ('ingestion', '0002_import_checking'),
    ]

    operations = [
        migrations.RenameField(
            model_name='candidateingest',
            old_name='error',
            new_name='message',
        ),
        migrations.RenameField(
            model_name='export',
            old_name='error',
            new_name='message',
        ),
        migrations.RenameField(
            model_name='importjob',
            old_name='error',
            new_name='message',
        ),
        migrations.AddField(
            model_name='candidateingest',
            name='outcome',
            field=models.CharField(blank=True, default='', max_length=30),
        ),
        migrations.AddField(
            model_name='candidateingest',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='export',
            name='outcome',
            field=models.CharField(blank=True, default='', max_length=30),
        ),
        migrations.AddField(
            model_name='export',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='importjob',
            name='outcome',
            field=models.CharField(blank=True, default='', max_length=30),
        ),
        migrations.AlterField(
            model_name='candidateingest',
            name='state',
            field=models.CharField(choices=[('queued', 'Waiting for a worker'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=20),
        ),
        migrations.AlterField(
            model_name='export',
            name='state',
            field=models.CharField(choices=[('queued', 'Waiting for a worker'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=20),
        ),
        migrations.AlterField(
            model_name='importjob',
            name='team',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.team'),
        ),
    ]
