"""The candidate tables' CSV export: the rows a table's filters select, with their stage."""

from collections.abc import Iterator

from django.db.models import F, OuterRef, Subquery

from dashboard.review.models import StageKind, StageMove
from dashboard.review.selectors import stage_name

CSV_COLUMNS = [
    ("Name", "name"),
    ("Email", "email"),
    ("Phone", "phone"),
    ("Posting", "posting_title"),
    ("Status", "status"),
    ("Score", "score"),
    ("Resume score", "resume_score"),
    ("Match score", "match_score"),
    ("Eligible", "eligible"),
    ("Team decision", "decision"),
    ("Stage", "stage"),
    ("Stage reason", "stage_reason"),
    ("My rating", "my_rating"),
    ("Team rating", "team_rating"),
    ("Shortlisted", "shortlisted"),
    ("Interviewed on", "interviewed_on"),
    ("Last engaged", "last_engagement"),
    ("HeyMilo interview id", "remote_id"),
]


def export_rows(rows) -> Iterator[list]:
    """The header, then a row at a time (core.csv_cells.csv_download streams them)."""
    yield [title for title, _ in CSV_COLUMNS]
    # The stage by name, and for a closed one (Rejected, Withdrawn) the reason of the move into it.
    into = StageMove.objects.filter(interview=OuterRef("pk"), to_stage=OuterRef("stage_row__stage"))
    rows = rows.annotate(
        stage=stage_name(),
        stage_kind=F("stage_row__stage__kind"),
        stage_reason_name=Subquery(into.order_by("-created_at", "-id").values("reason__name")[:1]),
    )
    for row in rows.iterator(chunk_size=2000):
        row.stage_reason = row.stage_reason_name if row.stage_kind == StageKind.CLOSED else ""
        row.posting_title = row.posting.title if row.posting else ""
        yield [getattr(row, attr) for _, attr in CSV_COLUMNS]
