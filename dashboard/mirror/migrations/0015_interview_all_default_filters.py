# The all-candidates table's default order index holds the filter columns too, as 0014 did for a
# posting's table (selectors.page_ids).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_job_requested_by"),
        ("mirror", "0014_interview_list_default_filters"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="interview",
            name="interview_all_default",
        ),
        migrations.AddIndex(
            model_name="interview",
            index=models.Index(
                fields=["team", "missing", "interviewed_on", "id", "status", "score", "search"],
                name="interview_all_default",
            ),
        ),
    ]
