"""Structured scorecards: the team's templates, each reviewer's scorecard per candidate, and the
calibration page comparing people's ratings with HeyMilo's AI scores."""

from django.apps import AppConfig


class ScorecardsConfig(AppConfig):
    name = "dashboard.scorecards"
    label = "scorecards"
    verbose_name = "Scorecards"

    def ready(self) -> None:
        from dashboard.mirror.signals import interviews_completed
        from dashboard.scorecards import services

        # HeyMilo may score an interview after someone filled in a scorecard: the AI's criterion
        # scores kept beside the people's ratings follow the newest analysis.
        interviews_completed.connect(services.ai_scores_refresh_signal, dispatch_uid="scorecards-ai-refresh")
