# Analytics' review wait and workload read ratings and decisions from indexes alone.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('review', '0005_pipeline_defaults'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='decision',
            index=models.Index(fields=['team', 'created_at', 'user'], name='decision_workload'),
        ),
        migrations.AddIndex(
            model_name='rating',
            index=models.Index(fields=['interview', 'created_at'], name='rating_first'),
        ),
        migrations.AddIndex(
            model_name='rating',
            index=models.Index(fields=['team', 'created_at', 'user'], name='rating_workload'),
        ),
    ]
