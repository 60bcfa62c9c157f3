# Each transcript line carries its interview's team, so the full-text index can hold it
# (transcripts 0003) and a search reads only its own team's lines. Existing lines take their
# interview's team before the column becomes required.

import django.db.models.deletion
from django.db import migrations, models

FILL = (
    "UPDATE mirror_transcriptline SET team_id = "
    "(SELECT team_id FROM mirror_interview WHERE mirror_interview.id = mirror_transcriptline.interview_id)"
)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
        ("mirror", "0012_interview_remote"),
    ]

    operations = [
        migrations.AddField(
            model_name="transcriptline",
            name="team",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.team",
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="transcriptline",
            name="team",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.team",
            ),
        ),
        migrations.AddIndex(
            model_name="transcriptline",
            index=models.Index(fields=["team", "id"], name="line_team_newest"),
        ),
    ]
