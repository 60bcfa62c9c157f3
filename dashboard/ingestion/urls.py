from django.urls import path

from dashboard.ingestion import views

urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/upload/", views.import_upload, name="import_upload"),
    path("imports/<int:job_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:job_id>/mapping/", views.import_mapping, name="import_mapping"),
    path("imports/<int:job_id>/start/", views.import_start, name="import_start"),
    path("imports/<int:job_id>/cancel/", views.import_cancel, name="import_cancel"),
    path("imports/<int:job_id>/progress/", views.import_progress, name="import_progress"),
    path(
        "imports/<int:job_id>/invalid.csv", views.import_csv, {"kind": "invalid"}, name="import_invalid_csv"
    ),
    path(
        "imports/<int:job_id>/results.csv", views.import_csv, {"kind": "results"}, name="import_results_csv"
    ),
    path("postings/<str:remote_id>/candidates/add/", views.candidate_add, name="candidate_add"),
    path(
        "postings/<str:remote_id>/candidates/added/<int:item_id>/",
        views.candidate_status,
        name="candidate_status",
    ),
    path("postings/<str:remote_id>/exports/", views.exports, name="exports"),
]
