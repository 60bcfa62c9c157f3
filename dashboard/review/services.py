"""Review actions (Zulip style: one function, one transaction each) and the profile's parsed view."""

import csv
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dashboard.review.models import BulkDecision, Decision, Note, Rating
from heymilo.errors import MalformedResponse
from heymilo.models import Interview as APIInterview


def decision_create(team, interview, user, value: str, reason: str = "") -> Decision:
    return Decision.objects.create(team=team, interview=interview, user=user, value=value,
                                   reason=reason.strip())


def rating_set(team, interview, user, stars: int) -> Rating:
    rating, _ = Rating.objects.update_or_create(
        interview=interview, user=user,
        defaults={"team": team, "stars": stars, "updated_at": timezone.now()},
    )
    return rating


def note_create(team, interview, user, body: str) -> Note:
    return Note.objects.create(team=team, interview=interview, author=user, body=body.strip())


@transaction.atomic
def bulk_decide(team, user, interviews, value: str, reason: str = "") -> BulkDecision:
    """One Decision per interview, all tied to the batch so the batch can be undone."""
    batch = BulkDecision.objects.create(team=team, user=user, value=value, reason=reason.strip())
    now = timezone.now()
    decisions = [
        Decision(team=team, interview_id=pk, user=user, value=value, reason=batch.reason,
                 batch=batch, created_at=now)
        for pk in interviews.values_list("pk", flat=True).iterator(chunk_size=2000)
    ]
    Decision.objects.bulk_create(decisions, batch_size=1000)
    batch.count = len(decisions)
    batch.save(update_fields=["count"])
    return batch


@transaction.atomic
def bulk_undo(batch: BulkDecision, user) -> bool:
    """Removes the batch's decisions, so each interview's previous decision is current again.

    Once only: returns False when the batch was undone already.
    """
    batch = BulkDecision.objects.select_for_update().get(pk=batch.pk)
    if batch.undone_at is not None:
        return False
    batch.decisions.all().delete()
    batch.undone_at = timezone.now()
    batch.undone_by = user
    batch.save(update_fields=["undone_at", "undone_by"])
    return True


# ---------------------------------------------------------------------------------------------
# CSV export

CSV_COLUMNS = [
    ("Name", "name"), ("Email", "email"), ("Phone", "phone"), ("Posting", "posting_title"),
    ("Status", "status"), ("Score", "score"), ("Resume score", "resume_score"),
    ("Match score", "match_score"), ("Eligible", "eligible"), ("Team decision", "decision"),
    ("My rating", "my_rating"), ("Interviewed on", "interviewed_on"),
    ("Last engaged", "last_engagement"), ("HeyMilo interview id", "remote_id"),
]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    def write(self, value):
        return value


def csv_lines(rows):
    """Yields the CSV one line at a time, so an export of any size streams in constant memory."""
    writer = csv.writer(_Echo())
    yield writer.writerow([title for title, _ in CSV_COLUMNS])
    for row in rows.iterator(chunk_size=2000):
        row.posting_title = row.posting.title if row.posting else ""
        yield writer.writerow([csv_safe(getattr(row, attr)) for _, attr in CSV_COLUMNS])


# ---------------------------------------------------------------------------------------------
# Profile


@dataclass
class Chip:
    label: str
    score: float | None
    complete: bool


def parse_document(row) -> APIInterview | None:
    """The mirrored API document, typed; None when it cannot be read (the page says so)."""
    try:
        return APIInterview.from_dict(row.document or {"interview_id": row.remote_id})
    except MalformedResponse:
        return None


def score_chips(row, doc: APIInterview | None) -> list[Chip]:
    """One chip per workflow step, with the score that step produced when there is one."""
    chips = []
    for step in doc.workflow.steps if doc else ():
        step_id = (step.id or "").lower()
        if "resume" in step_id:
            score = row.resume_score
        elif "interview" in step_id:
            score = row.score
        else:
            score = None
        chips.append(Chip(label=(step.id or "step").replace("_", " "), score=score,
                          complete=bool(step.complete)))
    return chips


def interview_link(doc: APIInterview | None) -> str | None:
    """The candidate's interview link, when HeyMilo included one (only http(s) is linked)."""
    if doc is None:
        return None
    for source in (doc.raw, doc.details.raw, doc.details.metadata):
        link = source.get("interview_link")
        if isinstance(link, str) and link.startswith(("https://", "http://")):
            return link
    return None
