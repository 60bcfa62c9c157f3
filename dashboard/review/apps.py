"""Reviewing candidates: postings, candidate lists and profiles, decisions, ratings, notes."""

from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "dashboard.review"
    label = "review"
    verbose_name = "Review"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from dashboard.accounts.models import Team
        from dashboard.review.stages import team_created

        post_save.connect(team_created, sender=Team, dispatch_uid="review.stages.team_created")
