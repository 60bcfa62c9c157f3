# Analytics' outcome by source reads the status of each imported candidate from an index alone.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('mirror', '0011_interview_started_covers_scores'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='interview',
            index=models.Index(fields=['team', 'remote_id', 'missing', 'status'], name='interview_remote'),
        ),
    ]
