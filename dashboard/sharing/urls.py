from django.urls import path

from dashboard.sharing import views

urlpatterns = [
    path("s/<str:token>/", views.shared, name="shared"),
    path("s/<str:token>/recording/<int:n>/", views.shared_recording, name="shared_recording"),
    path("interviews/<str:remote_id>/share/", views.share_panel, name="share_panel"),
    path("interviews/<str:remote_id>/share/new/", views.share_create, name="share_create"),
    path("interviews/<str:remote_id>/report/", views.interview_report, name="interview_report"),
    path("postings/<str:remote_id>/share/", views.shortlist_share, name="shortlist_share"),
    path("postings/<str:remote_id>/report/", views.shortlist_report, name="shortlist_report"),
    path("candidates/share/", views.selection_share, name="selection_share"),
    path("shares/<int:link_id>/revoke/", views.share_revoke, name="share_revoke"),
    path("settings/shares/", views.share_links, name="share_links"),
]
