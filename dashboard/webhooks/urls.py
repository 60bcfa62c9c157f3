from django.urls import path

from dashboard.webhooks import views

urlpatterns = [
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/new/", views.webhook_create, name="webhook_create"),
    path("webhooks/refresh/", views.webhooks_refresh, name="webhooks_refresh"),
    path("webhooks/connect/", views.webhooks_connect, name="webhooks_connect"),
    path("webhooks/rotate/", views.webhooks_rotate, name="webhooks_rotate"),
    path("webhooks/jobs/<int:job_id>/", views.webhook_job, name="webhook_job"),
    path("webhooks/events/", views.webhook_events, name="webhook_events"),
    path("webhooks/events/<int:delivery_id>/replay/", views.delivery_replay, name="delivery_replay"),
    path("webhooks/live/", views.webhooks_live, name="webhooks_live"),
    path("webhooks/<str:webhook_id>/", views.webhook_detail, name="webhook_detail"),
    path("webhooks/<str:webhook_id>/deactivate/", views.webhook_deactivate, name="webhook_deactivate"),
]
