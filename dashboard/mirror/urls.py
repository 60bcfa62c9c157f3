from django.urls import path

from dashboard.mirror import views

urlpatterns = [
    path("syncs/", views.sync_runs, name="sync_runs"),
    path("syncs/start/", views.sync_start, name="sync_start"),
    path("syncs/freshness/", views.freshness, name="sync_freshness"),
    path("syncs/<int:run_id>/", views.sync_progress, name="sync_progress"),
]
