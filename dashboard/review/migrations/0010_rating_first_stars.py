from django.db import migrations, models


class Migration(migrations.Migration):
    """`rating_first` holds the stars too: a candidate's team average is read from the index alone."""

    dependencies = [
        ("review", "0009_decision_current"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="rating", name="rating_first"),
        migrations.AddIndex(
            model_name="rating",
            index=models.Index(fields=["interview", "created_at", "stars"], name="rating_first"),
        ),
    ]
