from django.contrib.auth import views as auth_views
from django.urls import path

from dashboard.accounts import views
from dashboard.accounts.forms import NewPasswordForm, ThrottledPasswordChangeForm

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(
            form_class=ThrottledPasswordChangeForm, template_name="accounts/password_change.html"
        ),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_done.html"),
        name="password_change_done",
    ),
    # Password reset: Django's views (the request one queues its mail), our templates.
    path("account/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "account/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "account/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            form_class=NewPasswordForm, template_name="registration/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "account/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("team/switch/", views.switch_team, name="switch_team"),
    path("settings/", views.team_settings, name="team_settings"),
    path("settings/connection-checks/", views.connection_check_start, name="connection_check_start"),
    path(
        "settings/connection-checks/<int:check_id>/",
        views.connection_check_status,
        name="connection_check_status",
    ),
    path("settings/members/", views.members, name="members"),
    path("settings/members/<int:membership_id>/role/", views.member_role, name="member_role"),
    path("settings/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path(
        "settings/invitations/<int:invitation_id>/cancel/",
        views.invitation_cancel,
        name="invitation_cancel",
    ),
    path(
        "settings/invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path("invitations/open/<str:token>/", views.invitation_open, name="invitation_open"),
    path("invitations/<int:invitation_id>/accept/", views.invitation_accept, name="invitation_accept"),
    path(
        "invitations/<int:invitation_id>/decline/",
        views.invitation_decline,
        name="invitation_decline",
    ),
]
