"""URL map: one include per app."""

from django.contrib import admin
from django.urls import include, path

from dashboard import views
from dashboard.ops import views as ops_views
from dashboard.webhooks import views as webhook_views

urlpatterns = [
    # First: HeyMilo's deliveries are the most frequent request, and resolving a path tries the
    # patterns in order (every pattern before it cost a receiver a third of a millisecond).
    path("hooks/heymilo/<str:token>/", webhook_views.receive, name="webhook_receiver"),
    path("", views.home, name="home"),
    path("status/heymilo/", views.heymilo_status, name="heymilo_status"),
    path("", include("dashboard.accounts.urls")),
    path("", include("dashboard.mirror.urls")),
    # Before review: its /interviews/<id>/<section>/ pages would otherwise take /transcript/.
    path("", include("dashboard.transcripts.urls")),
    # Before review: its /interviews/<id>/ and /postings/<id>/ pages; /s/<token>/ is the public one.
    path("", include("dashboard.sharing.urls")),
    path("", include("dashboard.review.urls")),
    path("", include("dashboard.webhooks.urls")),
    path("", include("dashboard.ingestion.urls")),
    path("", include("dashboard.notifications.urls")),
    path("", include("dashboard.analytics.urls")),
    path("", include("dashboard.scorecards.urls")),
    path("admin/", admin.site.urls),
    # For probes and Prometheus (dashboard/ops): last, so people's pages resolve first.
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics, name="metrics"),
]
