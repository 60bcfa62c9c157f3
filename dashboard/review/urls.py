from django.urls import path, re_path

from dashboard.review import compare, pipeline, search, views

urlpatterns = [
    path("postings/", views.postings, name="postings"),
    path("postings/<str:remote_id>/", views.posting, name="posting"),
    path("postings/<str:remote_id>/manage/", views.posting_manage, name="posting_manage"),
    path("postings/<str:remote_id>/board/", pipeline.board, name="board"),
    path("postings/<str:remote_id>/board/move/", pipeline.board_move, name="board_move"),
    path("postings/<str:remote_id>/board/stages/", pipeline.board_stages, name="board_stages"),
    path("postings/<str:remote_id>/export/", views.candidates_export, name="posting_export"),
    path("candidates/", views.candidates_list, name="candidates"),
    path("candidates/export/", views.candidates_export, name="candidates_export"),
    path("candidates/compare/", compare.compare, name="compare"),
    path("candidates/queue/", views.review_queue, name="review_queue"),
    path("candidates/bulk/", views.bulk_decide, name="bulk_decide"),
    path("candidates/bulk/<int:batch_id>/", views.bulk_result, name="bulk_result"),
    path("candidates/bulk/<int:batch_id>/undo/", views.bulk_undo, name="bulk_undo"),
    path("interviews/<str:remote_id>/", views.interview, name="interview"),
    re_path(
        r"^interviews/(?P<remote_id>[^/]+)/(?P<tab>resume|interview|workflow|activity)/$",
        views.interview,
        name="interview_tab",
    ),
    path("interviews/<str:remote_id>/refresh/", views.interview_refresh, name="interview_refresh"),
    path("interviews/<str:remote_id>/decide/", views.decide, name="decide"),
    path("interviews/<str:remote_id>/stage/", pipeline.interview_stage, name="interview_stage"),
    path("interviews/<str:remote_id>/rate/", views.rate, name="rate"),
    path("interviews/<str:remote_id>/notes/", views.add_note, name="add_note"),
    path("interviews/<str:remote_id>/shortlist/", views.shortlist, name="shortlist"),
    path("search/", search.transcript_search, name="transcript_search"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:mention_id>/", views.inbox_open, name="inbox_open"),
    path("audit/", views.audit, name="audit"),
    path("review/settings/", views.review_settings, name="review_settings"),
    path("review/pipeline/", pipeline.pipeline_settings, name="pipeline_settings"),
]
