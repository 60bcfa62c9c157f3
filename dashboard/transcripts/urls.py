from django.urls import path

from dashboard.transcripts import views

urlpatterns = [
    path("interviews/<str:remote_id>/transcript/", views.reader, name="transcript"),
    path("interviews/<str:remote_id>/transcript.txt", views.transcript_txt, name="transcript_txt"),
    path("interviews/<str:remote_id>/transcript.vtt", views.transcript_vtt, name="transcript_vtt"),
]
