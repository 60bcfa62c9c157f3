from django.urls import path

from dashboard.notifications import views

urlpatterns = [
    path("notifications/", views.centre, name="notifications"),
    path("notifications/read/", views.mark_read, name="notifications_read"),
    path("notifications/preferences/", views.preferences, name="notification_preferences"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="notifications_unsubscribe"),
    path("notifications/<int:notification_id>/", views.notification_open, name="notification_open"),
    path("postings/<str:remote_id>/follow/", views.follow, name="posting_follow"),
]
