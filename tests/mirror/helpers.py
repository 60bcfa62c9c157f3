"""Comparing the mirror with the sandbox's own documents."""

from django.db import connection

from dashboard.mirror import derive
from dashboard.mirror.models import Interview, Posting
from heymilo.models import Interview as APIInterview
from heymilo.models import Posting as APIPosting


def point_team_at(team, sandbox, key=None):
    team.heymilo_base_url = sandbox.url
    team.set_api_key(key or sandbox.api_key)
    team.save()
    return team


def assert_mirror_matches(team, sandbox, key=None):
    """Every posting and interview the sandbox holds for the key is mirrored, field by field."""
    postings = sandbox.postings(key=key)
    assert Posting.objects.for_team(team).filter(missing=False).count() == len(postings)
    expected_interviews = 0
    for doc in postings:
        row = Posting.objects.get(team=team, remote_id=doc["posting_id"])
        assert row.title == doc["title"]
        assert row.url_key == doc["url_key"]
        assert row.archived == bool(doc.get("archived"))
        assert row.document == doc
        for field, value in derive.posting_columns(APIPosting.from_dict(doc)).items():
            assert getattr(row, field) == value, (doc["posting_id"], field)
        for idoc in sandbox.interviews(doc["posting_id"], key=key):
            expected_interviews += 1
            irow = Interview.objects.get(team=team, remote_id=idoc["interview_id"])
            assert irow.posting_id == row.id
            assert irow.missing is False
            assert irow.name == idoc["details"]["name"]
            assert irow.email == idoc["details"]["email"]
            assert irow.status == idoc["details"]["status"].lower()
            parsed = APIInterview.from_dict(idoc)
            for field, value in derive.interview_columns(parsed).items():
                assert getattr(irow, field) == value, (idoc["interview_id"], field)
            assert irow.transcript_lines.count() == len(parsed.transcript)
    assert Interview.objects.for_team(team).filter(missing=False).count() == expected_interviews
    assert_search_index_matches_lines()
    return expected_interviews


def assert_search_index_matches_lines():
    """SQLite: the full-text index holds exactly the transcript lines (the sync indexes them in
    bulk, bypassing the triggers). FTS5's integrity check with rank 1 compares index and content
    table and fails with "database disk image is malformed" on any difference."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO transcripts_line_fts(transcripts_line_fts, rank) VALUES ('integrity-check', 1)"
            )
