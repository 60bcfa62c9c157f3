"""Sync: fills the mirror from HeyMilo one page per step, upserting by remote id.

A run is a sequence of small steps (one API page each), each a Celery task that enqueues the
next at the back of the queue: several teams' syncs interleave instead of one long sync holding
a worker. A per-team lock in Redis keeps two runs of the same scope from overlapping; it expires
on its own when the worker holding it dies.
"""

import dataclasses
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from dashboard.accounts.models import KeyStatus, Team
from dashboard.core.heymilo_api import client_for
from dashboard.core.stamps import team_changed
from dashboard.core.tasks import task_named
from dashboard.mirror import derive, search_index
from dashboard.mirror.models import Interview, Posting, SyncRun, TranscriptLine
from dashboard.mirror.signals import interviews_completed, sync_failed
from heymilo import HeyMiloClient
from heymilo.errors import NotFound
from heymilo.models import Interview as APIInterview
from heymilo.models import Posting as APIPosting

log = logging.getLogger(__name__)


# --- requesting runs -----------------------------------------------------------------------


def lock_key(team_id: int, scope: str, target: str = "") -> str:
    return f"team:{team_id}:sync-lock:{scope}:{target}"


def run_lock_key(run: SyncRun) -> str:
    return lock_key(run.team_id, run.scope, run.target)


def is_alive(run: SyncRun) -> bool:
    """A queued run is alive until it has waited too long; a running one while it holds its lock."""
    if run.state == SyncRun.State.QUEUED:
        waited = (timezone.now() - run.created_at).total_seconds()
        return waited < settings.SYNC_QUEUED_TIMEOUT
    return cache.get(run_lock_key(run)) == run.id


def sync_request(team: Team, *, scope: str = SyncRun.Scope.TEAM, target: str = "", user=None) -> SyncRun:
    """Starts a run, or returns the live one of the same scope: asking twice syncs once."""
    with transaction.atomic():
        # One request at a time per team: on PostgreSQL two concurrent transactions would each see
        # no live run and both start one (SQLite's IMMEDIATE transactions serialise by themselves).
        Team.objects.select_for_update().filter(pk=team.pk).first()
        for active in SyncRun.objects.for_team(team).active().filter(scope=scope, target=target):
            if is_alive(active):
                return active
            # Its worker died (the lock expired) or it never started: say so, then start anew.
            active.finish(
                state=SyncRun.State.INTERRUPTED,
                outcome="interrupted",
                message="The worker running this sync stopped.",
            )
        run = SyncRun.objects.create(team=team, scope=scope, target=target, requested_by=user)
        task_named("dashboard.mirror.tasks.run_sync").delay_on_commit(run.id)
    return run


def sync_end_dead() -> int:
    """Ends every active run whose worker died, of any team and scope; returns how many.

    sync_request ends a dead run only when the same data is asked for again. An interview's
    refresh started for a webhook delivery is often never asked for again (the delivery was
    finished by a later refresh of the same interview), so its run stayed `running` for good
    after its worker host was killed (tests/cluster). Beat's round calls this.
    """
    ended = 0
    for run in SyncRun.objects.active():
        if not is_alive(run) and run.finish(
            state=SyncRun.State.INTERRUPTED,
            outcome="interrupted",
            message="The worker running this sync stopped.",
        ):
            ended += 1
    return ended


# --- running them ----------------------------------------------------------------------------


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # {"kind", "id", "reason"} of each document the database refused.
    skipped: list[dict] = dataclasses.field(default_factory=list)

    def add_to(self, run: SyncRun) -> None:
        run.rows_created += self.created
        run.rows_updated += self.updated
        run.rows_unchanged += self.unchanged
        run.rows_skipped += len(self.skipped)
        room = SyncRun.SKIPPED_KEPT - len(run.skipped)
        if room > 0 and self.skipped:
            run.skipped = [*run.skipped, *self.skipped[:room]]


def sync_start_or_continue(run: SyncRun) -> bool:
    """Takes (or keeps) the run's lock. False: another run holds it, this one is skipped."""
    key, ttl = run_lock_key(run), settings.SYNC_LOCK_TTL
    if cache.add(key, run.id, ttl) or cache.get(key) == run.id:
        cache.touch(key, ttl)
        # Only a run still queued starts: one that sync_request ended meanwhile stays ended.
        if run.state == SyncRun.State.QUEUED and not run.start():
            run.refresh_from_db()
            sync_release(run)
            return False
        return True
    if run.state == SyncRun.State.QUEUED:
        run.finish(
            state=SyncRun.State.SKIPPED,
            outcome="busy",
            message="Another sync of the same data was already running.",
        )
    else:
        # It ran, lost its lock (its worker stalled or died) and a newer run took over.
        run.finish(
            state=SyncRun.State.INTERRUPTED,
            outcome="superseded",
            message="A newer sync took over from this one.",
        )
    return False


def sync_release(run: SyncRun) -> None:
    if cache.get(run_lock_key(run)) == run.id:
        cache.delete(run_lock_key(run))


def sync_step(run: SyncRun, *, client: HeyMiloClient | None = None) -> bool:
    """Does one step of the run (one API call, plus retries). True when more steps remain.

    Raises HeyMiloError for the task to retry or fail; what was written stays written.
    """
    if run.is_finished or not sync_start_or_continue(run):
        return False
    client = client or client_for(run.team)
    if run.scope == SyncRun.Scope.INTERVIEW:
        more = _refresh_interview_step(run, client)
    else:
        more = _pages_step(run, client)
    finished = not more and not run.is_finished and run.finish()
    if finished and run.scope != SyncRun.Scope.INTERVIEW:
        planner_statistics_refresh()
    if not more:
        sync_release(run)
    return more


def planner_statistics_refresh() -> None:
    """Gives SQLite's query planner the table statistics PostgreSQL's autovacuum keeps on its own.

    Without them SQLite guesses that an equality on a few indexed columns matches a handful of
    rows, and read a table page's 50 rows by walking a posting's whole index instead of by
    primary key (docs/performance.md). A sampled ANALYZE is cheap.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit = 400")
        cursor.execute("ANALYZE")


def sync_retry_note(run: SyncRun, *, error: Exception) -> None:
    """Counts a transient failure the task is about to retry, and says so on the run."""
    run.retries += 1
    run.message = f"Retrying after: {error}"
    run.save(update_fields=["retries", "message"])


def sync_fail(run: SyncRun, *, error: Exception) -> None:
    from heymilo.errors import Unauthorized

    code = type(error).__name__
    message = str(error)
    if isinstance(error, Unauthorized):
        run.team.record_key_status(KeyStatus.INVALID)
        message = "HeyMilo rejected the team's API key. An admin can replace it in Settings."
    where = run.cursor.get("where", "")
    run.fail(f"{message}{f' (stopped at {where})' if where else ''}", outcome=code)
    sync_release(run)
    sync_failed.send(sender=SyncRun, team=run.team, run=run)


def _pages_step(run: SyncRun, client: HeyMiloClient) -> bool:
    """Pages for up to SYNC_STEP_SECONDS, each saved as it is written; True while more remain.

    The next interviews page is fetched in a thread while the current one is written, so the
    wait for HeyMilo (and for the rate limiter) overlaps the database work. A prefetch starts only
    while the step has time left, so every page fetched is used.
    """
    cursor = run.cursor or {}
    if not cursor:
        if run.scope == SyncRun.Scope.TEAM:
            cursor = {"phase": "postings", "page": 1}
        else:
            cursor = {"phase": "interviews", "plan": [run.target], "index": 0, "page": 1}
            run.pages_expected = 1
    deadline = time.monotonic() + settings.SYNC_STEP_SECONDS
    with Prefetcher(client) as pages:
        while True:
            if cursor["phase"] == "postings":
                _postings_page(run, client, cursor)
            else:
                _interviews_page(run, pages, cursor, prefetch=time.monotonic() < deadline)
            run.cursor = cursor
            run.pages_done += 1
            # Progress only, never `state`: a run that sync_request ended while this page was out
            # (its lock was lost, say to a Redis restart) stays ended and stops here.
            run.save(update_fields=SyncRun.progress_fields())
            if not SyncRun.objects.active().filter(pk=run.pk).exists():
                run.refresh_from_db()
                return False
            if cursor["phase"] == "done":
                return False
            if not pages.pending and time.monotonic() >= deadline:
                return True


class Prefetcher:
    """Interviews pages, each fetched in a background thread ahead of its use (or at once)."""

    def __init__(self, client: HeyMiloClient):
        self.client = client
        self.pending: tuple[tuple[str, int], Future] | None = None
        self.pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> "Prefetcher":
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def start(self, posting_id: str, number: int) -> None:
        self.pool = self.pool or ThreadPoolExecutor(1, thread_name_prefix="sync-prefetch")
        self.pending = ((posting_id, number), self.pool.submit(self._fetch, posting_id, number))

    def get(self, posting_id: str, number: int):
        """The page (None when the posting is gone); raises what the request raised."""
        pending, self.pending = self.pending, None
        if pending is not None and pending[0] == (posting_id, number):
            return pending[1].result()
        return self._fetch(posting_id, number)

    def _fetch(self, posting_id: str, number: int):
        try:
            return self.client.list_interviews(posting_id, page=number, limit=settings.HEYMILO_PAGE_SIZE)
        except NotFound:
            # The posting vanished between listing and paging: nothing of it to fetch.
            return None


def _postings_page(run: SyncRun, client: HeyMiloClient, cursor: dict) -> None:
    number = cursor["page"]
    cursor["where"] = f"postings page {number}"
    page = client.list_postings(page=number, limit=settings.HEYMILO_PAGE_SIZE)
    counts = postings_upsert(run.team, items=list(page.items))
    counts.add_to(run)
    seen = cursor.setdefault("seen", [])
    seen.extend(p.posting_id for p in page.items)
    run.pages_expected = max(run.pages_expected, page.total_pages or number)
    if _more_pages(page, number, settings.HEYMILO_PAGE_SIZE):
        cursor["page"] = number + 1
        return
    run.rows_missing += missing_mark(Posting.objects.filter(team=run.team), seen_ids=seen)
    # Every posting's interviews next, in a stable order so a resumed cursor means the same.
    plan = sorted(set(seen))
    cursor.clear()
    cursor.update({"phase": "interviews" if plan else "done", "plan": plan, "index": 0, "page": 1})
    # At least one page per posting; corrected as each posting's total_pages arrives.
    run.pages_expected += len(plan)


def _interviews_page(run: SyncRun, pages: Prefetcher, cursor: dict, prefetch: bool) -> None:
    plan, index, number = cursor["plan"], cursor["index"], cursor["page"]
    posting_id = plan[index]
    cursor["where"] = f"posting {posting_id}, interviews page {number}"
    page = pages.get(posting_id, number)
    items = list(page.items) if page else []
    seen = cursor.setdefault("seen", [])
    seen.extend(i.interview_id for i in items)
    more = page is not None and _more_pages(page, number, settings.HEYMILO_PAGE_SIZE, seen)
    # Where the cursor goes next is known before writing: fetch that page meanwhile.
    upcoming = (posting_id, number + 1) if more else ((plan[index + 1], 1) if index + 1 < len(plan) else None)
    if prefetch and upcoming is not None:
        pages.start(*upcoming)
    posting = Posting.objects.filter(team=run.team, remote_id=posting_id).first()
    interviews_upsert(run.team, items=items, posting=posting).add_to(run)
    if page is not None and number == 1 and (page.total_pages or 1) > 1:
        run.pages_expected += page.total_pages - 1
    if more:
        cursor["page"] = number + 1
        return
    if posting is not None and page is not None:
        run.rows_missing += missing_mark(posting.interviews.all(), seen_ids=seen)
    cursor["index"] += 1
    cursor["page"] = 1
    cursor["seen"] = []
    if cursor["index"] >= len(cursor["plan"]):
        cursor["phase"] = "done"


def _more_pages(page, number: int, limit: int, seen: list[str] | None = None) -> bool:
    """The client iterators' stop rules, for paging that spans tasks."""
    count = len(page.items)
    if count == 0:
        return False
    if page.total_pages is not None and number >= page.total_pages:
        return False
    if count < (page.limit or limit):
        return False
    # An API that ignores `page` repeats itself: stop when a page brings nothing new.
    if seen is not None and len(set(seen)) < len(seen):
        return False
    return number < settings.SYNC_MAX_PAGES


def _refresh_interview_step(run: SyncRun, client: HeyMiloClient) -> bool:
    run.pages_expected = 1
    try:
        item = client.get_interview(run.target)
    except NotFound:
        run.rows_missing += Interview.objects.filter(
            team=run.team, remote_id=run.target, missing=False
        ).update(missing=True)
        run.pages_done = 1
        run.save(update_fields=SyncRun.progress_fields())
        run.fail("HeyMilo has no interview with this id for this team.", outcome="not_found")
        sync_release(run)
        return False
    posting = Posting.objects.filter(team=run.team, remote_id=item.posting_id or "").first()
    interviews_upsert(run.team, items=[item], posting=posting).add_to(run)
    run.pages_done = 1
    run.save(update_fields=SyncRun.progress_fields())
    return False


def interview_refresh(team: Team, *, remote_id: str) -> SyncRun:
    """Fetches one interview now (webhooks, read-through); runs in the caller's worker."""
    run = SyncRun.objects.create(team=team, scope=SyncRun.Scope.INTERVIEW, target=remote_id)
    sync_step(run)
    return run


# --- writing the mirror ----------------------------------------------------------------------


def missing_mark(queryset, *, seen_ids: list[str]) -> int:
    """Rows HeyMilo no longer returns are flagged (never deleted: reviews hang on them)."""
    seen = set(seen_ids)
    gone = [
        pk
        for pk, remote_id in queryset.filter(missing=False).values_list("pk", "remote_id")
        if remote_id not in seen
    ]
    queryset.filter(missing=True, remote_id__in=seen).update(missing=False)
    if gone:
        queryset.model.objects.filter(pk__in=gone).update(missing=True)
    return len(gone)


# What one document can make the database refuse (a value it cannot hold, a constraint, text
# that cannot be encoded). A lost connection or a locked database is not the document's fault:
# those still fail the step, for the task to retry.
UNWRITABLE = (DataError, IntegrityError, ValueError)


def _skipping_unwritable(kind: str, items: list, write, remote_id) -> Counts:
    """`write(items)`; when the database refuses the page, the page again one document at a
    time, each in its own savepoint, so only the documents it refuses are skipped (with the
    reason) and the rest of the page, and of the sync, complete. The bulk path stays as it was:
    only a refused page pays for the second pass."""
    try:
        return write(items)
    except UNWRITABLE as error:
        if len(items) == 1:
            return _skip(Counts(), kind, remote_id(items[0]), error)
    counts = Counts()
    for item in items:
        try:
            one = write([item])
        except UNWRITABLE as error:
            _skip(counts, kind, remote_id(item), error)
            continue
        counts.created += one.created
        counts.updated += one.updated
        counts.unchanged += one.unchanged
    return counts


def _skip(counts: Counts, kind: str, remote_id: str, error: Exception) -> Counts:
    # The first line says what the database refused; the rest may quote the document.
    reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
    log.warning("sync skipped %s %s: %s", kind, remote_id, reason)
    counts.skipped.append({"kind": kind, "id": remote_id[:100], "reason": reason})
    return counts


def postings_upsert(team: Team, *, items: list[APIPosting]) -> Counts:
    return _skipping_unwritable(
        "posting", items, lambda page: _upsert_postings(team, page), lambda item: item.posting_id
    )


def _upsert_postings(team: Team, items: list[APIPosting]) -> Counts:
    with transaction.atomic():
        _, _, counts = _rows_write(
            team,
            Posting,
            {p.posting_id: p for p in items},
            columns=derive.posting_columns,
            fields=POSTING_FIELDS,
        )
    return counts


def _rows_write(team: Team, model, by_id: dict, *, columns, fields: list[str], prepare=None, only=()):
    """The one upsert of the mirror: the rows of `by_id` (remote id -> API document) whose
    document's content hash differs from the stored one get `columns(document)`, the document
    and its hash, new ones created and changed ones updated in one statement each; the rest are
    only counted. `prepare(row)` sees each row to write before its columns change. Called inside
    the caller's transaction; returns (new, changed, counts)."""
    counts = Counts()
    if not by_id:
        return [], [], counts
    now = timezone.now()
    stored = model.objects.filter(team=team, remote_id__in=by_id)
    existing = {row.remote_id: row for row in (stored.only(*only) if only else stored)}
    new: list = []
    changed: list = []
    for remote_id, item in by_id.items():
        digest = derive.content_hash(item.raw)
        row = existing.get(remote_id)
        if row is not None and row.content_hash == digest:
            counts.unchanged += 1
            continue
        row = row or model(team=team, remote_id=remote_id)
        if prepare is not None:
            prepare(row)
        for field, value in columns(item).items():
            setattr(row, field, value)
        row.document, row.content_hash, row.synced_at = item.raw, digest, now
        (changed if row.pk else new).append(row)
    model.objects.bulk_create(new)
    if changed:
        model.objects.bulk_update(changed, [*fields, "document", "content_hash", "synced_at"])
    counts.created, counts.updated = len(new), len(changed)
    if new or changed:
        team_changed(team.pk)
    return new, changed, counts


POSTING_FIELDS = list(derive.posting_columns(APIPosting(posting_id="x")))
INTERVIEW_FIELDS = list(derive.interview_columns(APIInterview(interview_id="x")))


def interviews_upsert(team: Team, *, items: list[APIInterview], posting: Posting | None) -> Counts:
    """Creates new rows, rewrites changed ones (and their transcript), skips the rest."""
    return _skipping_unwritable(
        "interview",
        items,
        lambda page: _upsert_interviews(team, page, posting),
        lambda item: item.interview_id,
    )


def _upsert_interviews(team: Team, items: list[APIInterview], posting: Posting | None) -> Counts:
    if not items:
        return Counts()
    by_id = {i.interview_id: i for i in items}
    completed_before: set[str] = set()

    def prepare(row: Interview) -> None:
        if row.status == "completed":
            completed_before.add(row.remote_id)
        if posting is not None:
            row.posting = posting

    with transaction.atomic():
        new, changed, counts = _rows_write(
            team,
            Interview,
            by_id,
            columns=derive.interview_columns,
            fields=[*INTERVIEW_FIELDS, "posting"],
            prepare=prepare,
            only=("id", "team_id", "remote_id", "content_hash", "posting_id", "status"),
        )
        written = [*new, *changed]
        with search_index.bulk_writes([row.pk for row in written]):
            if changed:
                TranscriptLine.objects.filter(interview__in=changed).delete()
            transcript_lines_insert((row, derive.transcript_rows(by_id[row.remote_id])) for row in written)
        completed = [r.pk for r in written if r.status == "completed" and r.remote_id not in completed_before]
        if completed:
            # One signal for the batch, after it commits: listeners read the rows it wrote.
            transaction.on_commit(
                lambda: interviews_completed.send(sender=Interview, team=team, interview_ids=completed)
            )
    return counts


LINE_COLUMNS = ("interview_id", "team_id", "position", "speaker", "text", "offset_seconds", "timestamp_str")
LINE_TYPES = ("bigint", "bigint", "integer", "text", "text", "double precision", "text")  # PostgreSQL's


def transcript_lines_insert(rows_by_interview) -> None:
    """Writes (interview, its lines) pairs. Callers wrap this in `search_index.bulk_writes` to
    index the lines in one statement.

    The sync's hot path: tens of rows per interview. A parameterised executemany skips
    building a model instance per line (4x faster than bulk_create). On PostgreSQL the rows go
    in one statement, as arrays: the search documents' triggers (transcripts 0004) rebuild each
    touched transcript once per statement, and executemany is a statement per line."""
    # Only our own table and column names go into the statement; values are parameters.
    table = connection.ops.quote_name(TranscriptLine._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join(LINE_COLUMNS)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(LINE_COLUMNS))})"
    )
    if connection.vendor == "postgresql":
        sql = (
            f"INSERT INTO {table} ({', '.join(LINE_COLUMNS)}) "  # noqa: S608
            f"SELECT * FROM unnest({', '.join(f'%s::{kind}[]' for kind in LINE_TYPES)})"
        )
    params = [
        (
            interview.pk,
            interview.team_id,
            line["position"],
            line["speaker"],
            line["text"],
            line["offset_seconds"],
            line["timestamp_str"],
        )
        for interview, lines in rows_by_interview
        for line in lines
    ]
    if params and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, [list(column) for column in zip(*params, strict=True)])
    elif params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


def documents_reparse(team: Team | None = None, *, chunk: int = 500) -> int:
    """Rebuilds every derived column and transcript from the stored documents."""
    done = 0
    postings = Posting.objects.all() if team is None else Posting.objects.for_team(team)
    for row in postings.iterator(chunk_size=chunk):
        for field, value in derive.posting_columns(APIPosting.from_dict(row.document)).items():
            setattr(row, field, value)
        row.save(update_fields=POSTING_FIELDS)
    interviews = Interview.objects.all() if team is None else Interview.objects.for_team(team)
    batch: list[Interview] = []
    for row in interviews.iterator(chunk_size=chunk):
        batch.append(row)
        if len(batch) >= chunk:
            done += _reparse_interviews(batch)
            batch = []
    return done + _reparse_interviews(batch)


def _reparse_interviews(rows: list[Interview]) -> int:
    if not rows:
        return 0
    parsed = {row.pk: APIInterview.from_dict(row.document) for row in rows}
    with transaction.atomic():
        for row in rows:
            for field, value in derive.interview_columns(parsed[row.pk]).items():
                setattr(row, field, value)
        Interview.objects.bulk_update(rows, INTERVIEW_FIELDS)
        for team_id in {row.team_id for row in rows}:
            team_changed(team_id)
        with search_index.bulk_writes([row.pk for row in rows]):
            TranscriptLine.objects.filter(interview__in=rows).delete()
            transcript_lines_insert((row, derive.transcript_rows(parsed[row.pk])) for row in rows)
    return len(rows)
