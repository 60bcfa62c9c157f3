# The table's default order index also holds the filter columns: a filtered posting table walks
# it newest first and stops at its 50th match (selectors.page_ids; docs/performance.md).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_job_requested_by"),
        ("mirror", "0013_transcriptline_team"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="interview",
            name="interview_list_default",
        ),
        migrations.AddIndex(
            model_name="interview",
            index=models.Index(
                fields=["team", "posting", "missing", "interviewed_on", "id", "status", "score", "search"],
                name="interview_list_default",
            ),
        ),
    ]
