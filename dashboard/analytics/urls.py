from django.urls import path

from dashboard.analytics import views

urlpatterns = [
    path("analytics/", views.analytics, name="analytics"),
    path("analytics/<slug:figure>.csv", views.analytics_csv, name="analytics_csv"),
]
