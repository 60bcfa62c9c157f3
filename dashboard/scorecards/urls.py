"""The scorecards app's URLs."""

from django.urls import path

from dashboard.scorecards import views

urlpatterns = [
    path("interviews/<str:remote_id>/scorecard/", views.scorecard, name="scorecard"),
    path("postings/<str:remote_id>/scorecard/", views.posting_scorecard, name="posting_scorecard"),
    path("scorecards/", views.templates, name="scorecard_templates"),
    path("scorecards/<int:template_id>/", views.template_edit, name="scorecard_template"),
    path("calibration/", views.calibration, name="calibration"),
    path("calibration/<slug:figure>.csv", views.calibration_csv, name="calibration_csv"),
]
