# The analytics scores by posting read posting and score from interview_started too.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('mirror', '0010_analytics_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='interview',
            name='interview_started',
        ),
        migrations.AddIndex(
            model_name='interview',
            index=models.Index(fields=['team', 'missing', 'interviewed_on', 'status', 'posting', 'score'], name='interview_started'),
        ),
    ]
