"""URL map: one include per app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dashboard import views
from dashboard.accounts.forms import ThrottledAdminLoginForm, ThrottledPasswordChangeForm
from dashboard.webhooks import views as webhook_views

# The admin's own sign-in and password change count toward the same limits as the dashboard's:
# unthrottled, they were a way around them.
admin.site.login_form = ThrottledAdminLoginForm
admin.site.password_change_form = ThrottledPasswordChangeForm

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
    path("", include("dashboard.review.urls")),
    path("", include("dashboard.webhooks.urls")),
    path("", include("dashboard.ingestion.urls")),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(
            form_class=ThrottledPasswordChangeForm, template_name="accounts/password_change.html"),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_done.html"),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
]
