from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def mark_latest(apps, schema_editor):
    """Marks each interview's latest decision current: the team's decision until now."""
    Decision = apps.get_model("review", "Decision")
    latest = (
        Decision.objects.filter(interview_id=OuterRef("interview_id")).order_by("-created_at", "-id").values("pk")[:1]
    )
    Decision.objects.filter(pk=Subquery(latest)).update(current=True)


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0008_audit_scorecard"),
    ]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="current",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_latest, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="decision",
            constraint=models.UniqueConstraint(
                condition=models.Q(("current", True)), fields=("interview",), name="one_current_decision"
            ),
        ),
    ]
