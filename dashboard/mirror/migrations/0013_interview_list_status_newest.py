# A filtered candidate table's first page in the default order, from an index walked newest first.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('mirror', '0012_interview_remote'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='interview',
            index=models.Index(fields=['team', 'posting', 'missing', 'status', 'interviewed_on', 'score', 'search'], name='interview_list_status_newest'),
        ),
    ]
