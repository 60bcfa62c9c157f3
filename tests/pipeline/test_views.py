"""The board, the pipeline settings page, the table's stage column and filter, the queue limited to
a stage, bulk moves through the table's bar, and other teams' stages."""

import pytest
from django.urls import reverse

from dashboard.review import selectors, stages
from dashboard.review.models import BulkDecision, RejectReason, Stage, StageMove
from tests.csv_download import csv_dicts
from tests.review.conftest import make_interview, make_posting

pytestmark = pytest.mark.django_db


def stage(team, name) -> Stage:
    return Stage.objects.get(team=team, name=name)


def where(team, interview) -> str:
    interview.refresh_from_db()
    return selectors.stage_current(team, interview)[0].name


@pytest.fixture
def rows(team, posting):
    return [
        make_interview(team, posting, remote_id=f"int_p{n}", name=f"Person {n}", score=50 + n)
        for n in range(3)
    ]


def board_url(posting, suffix=""):
    return reverse("board", args=[posting.remote_id]) + suffix


def test_the_board_shows_a_column_per_stage_with_counts_and_cards(login, reviewer, team, posting, rows):
    stages.stage_move(team, user=reviewer, interview=rows[0], stage=stage(team, "Offer"))
    page = login(reviewer).get(board_url(posting))
    assert page.status_code == 200
    text = page.text
    for name in ("New", "Reviewed", "Hiring-manager interview", "Offer", "Hired", "Rejected", "Withdrawn"):
        assert f'{name} <span class="tab-count">' in text
    assert 'New <span class="tab-count">2</span>' in text and 'Offer <span class="tab-count">1</span>' in text
    # The score with its scale, through the one score language.
    assert "Person 2" in text and 'title="Mixed: 52 out of 100"' in text
    assert "Move to Reviewed" in text and 'name="csrfmiddlewaretoken"' in text
    assert f'name="move" value="int_p2:{stage(team, "Reviewed").pk}"' in text
    # Without script, ⋯ reloads the board with the Move… dialog open for that card.
    opened = login(reviewer).get(board_url(posting, "?move=int_p2")).text
    assert '<dialog id="move-dialog"' in opened and 'value="int_p2" data-move-interview' in opened
    assert "Move <span data-move-name>Person 2</span>" in opened


def test_a_card_moves_by_its_buttons_and_the_move_menu(login, reviewer, team, posting, rows):
    client = login(reviewer)
    url = reverse("board_move", args=[posting.remote_id])
    done = client.post(
        url, {"interview": "int_p1", "stage": stage(team, "Reviewed").pk}, HTTP_HX_REQUEST="true"
    )
    assert done.status_code == 200 and "Person 1 moved to Reviewed." in done.text
    assert "review-changed" in done["HX-Trigger"] and 'data-focus="int_p1"' in done.text
    assert where(team, rows[1]) == "Reviewed"
    client.post(url, {"interview": "int_p1", "advance": "1"}, HTTP_HX_REQUEST="true")
    assert where(team, rows[1]) == "Hiring-manager interview"
    # The Move… menu sends its select as `to`, and a closed stage needs a reason.
    refused = client.post(
        url, {"interview": "int_p1", "to": stage(team, "Rejected").pk}, HTTP_HX_REQUEST="true"
    )
    assert "Choose a reason" in refused.text and where(team, rows[1]) == "Hiring-manager interview"
    reason = RejectReason.objects.get(team=team, name="Salary expectations")
    client.post(
        url,
        {"interview": "int_p1", "to": stage(team, "Rejected").pk, "reason": reason.pk},
        HTTP_HX_REQUEST="true",
    )
    assert where(team, rows[1]) == "Rejected"
    assert StageMove.objects.filter(interview=rows[1]).first().reason == reason
    # A card's ← and → are buttons of the board's one form: `move` names the card and the stage.
    client.post(url, {"move": f"int_p2:{stage(team, 'Offer').pk}"}, HTTP_HX_REQUEST="true")
    assert where(team, rows[2]) == "Offer"
    # Without htmx: a redirect back to the board, the outcome as a message.
    plain = client.post(url, {"interview": "int_p0", "advance": "1"})
    assert plain.status_code == 302 and plain["Location"] == board_url(posting)


def test_bad_moves_are_named_and_change_nothing(login, reviewer, team, other_team, posting, rows):
    client = login(reviewer)
    url = reverse("board_move", args=[posting.remote_id])
    theirs = stage(other_team, "Reviewed")
    assert client.post(url, {"interview": "int_p0", "stage": theirs.pk}).status_code == 404
    assert client.post(url, {"interview": "nobody", "advance": "1"}).status_code == 404
    assert client.post(url, {"interview": "int_p0", "stage": "x"}).status_code == 404
    elsewhere = make_interview(team, make_posting(team), remote_id="int_elsewhere")
    assert client.post(url, {"interview": elsewhere.remote_id, "advance": "1"}).status_code == 404
    assert not StageMove.objects.exists()


def test_viewers_see_the_board_but_cannot_move(login, viewer, team, posting, rows):
    client = login(viewer)
    page = client.get(board_url(posting))
    assert page.status_code == 200 and "Move…" not in page.text and 'draggable="true"' not in page.text
    move = client.post(
        reverse("board_move", args=[posting.remote_id]), {"interview": "int_p0", "advance": "1"}
    )
    assert move.status_code == 403 and not StageMove.objects.exists()


def test_show_more_adds_cards_to_one_column(login, reviewer, team, posting):
    for n in range(selectors.BOARD_CARDS + 3):
        make_interview(team, posting, name=f"Many {n:02d}", score=n)
    client = login(reviewer)
    page = client.get(board_url(posting))
    assert page.text.count('class="board-card"') == selectors.BOARD_CARDS and "(3 more)" in page.text
    entry = stage(team, "New")
    more = client.get(
        board_url(posting, f"?stage={entry.pk}&shown=20"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"column-{entry.pk}",
    )
    assert more.text.count('class="board-card"') == selectors.BOARD_CARDS + 3
    assert more.text.lstrip().startswith(f'<section id="column-{entry.pk}"')


def test_the_board_queries_do_not_grow_with_the_candidates(login, reviewer, team, posting):
    client = login(reviewer)
    client.get(board_url(posting))  # warm the session and caches

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get(board_url(posting))  # the sidebar's cached counts refill after a change
        with CaptureQueriesContext(connection) as seen:
            assert client.get(board_url(posting)).status_code == 200
        return len(seen)

    make_interview(team, posting)
    few = count()
    for _ in range(30):
        row = make_interview(team, posting)
        stages.stage_move(team, user=reviewer, interview=row, stage=stage(team, "Offer"))
    assert count() == few


def test_admins_hide_stages_on_one_posting(login, admin, team, posting, rows):
    client = login(admin)
    shown = [s.pk for s in selectors.stage_rows(team) if s.name not in {"Offer", "Withdrawn"}]
    done = client.post(reverse("board_stages", args=[posting.remote_id]), {"shown": shown})
    assert done.status_code == 302
    page = client.get(board_url(posting))
    assert 'Offer <span class="tab-count">' not in page.text and "Withdrawn <span" not in page.text
    other = make_posting(team)
    assert 'Offer <span class="tab-count">' in client.get(board_url(other)).text


def test_pipeline_settings_edit_rename_reorder_archive(login, admin, team):
    client = login(admin)
    url = reverse("pipeline_settings")
    assert client.get(url).status_code == 200
    offer = stage(team, "Offer")
    renamed = client.post(url, {"what": "stage", "action": "rename", "id": offer.pk, "name": "Offer out"})
    assert renamed.status_code == 302
    offer.refresh_from_db()
    assert offer.name == "Offer out"
    swapped = client.post(
        url,
        {"what": "stage", "action": "up", "id": offer.pk},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="pipeline",
    )
    assert swapped.status_code == 200 and "“Offer out” moved up." in swapped.text
    names = [s.name for s in selectors.stage_rows(team)]
    assert names.index("Offer out") < names.index("Hiring-manager interview")
    client.post(url, {"what": "stage", "action": "archive", "id": offer.pk})
    assert "Offer out" not in [s.name for s in selectors.stage_rows(team)]
    page = client.get(url)
    assert "Offer out" in page.text and "Archived" in page.text and "Restore" in page.text
    refused = client.post(
        url,
        {"what": "stage", "action": "create", "name": "  "},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="pipeline",
    )
    assert "Give it a name." in refused.text
    client.post(url, {"what": "reason", "action": "create", "name": "Failed reference check"})
    assert RejectReason.objects.filter(team=team, name="Failed reference check").exists()
    bad = client.post(url, {"what": "table", "action": "drop"})
    assert bad.status_code == 302  # named in a message, nothing done


def test_pipeline_settings_are_admins_only_and_team_scoped(login, reviewer, admin, team, other_team):
    assert login(reviewer).get(reverse("pipeline_settings")).status_code == 403
    theirs = stage(other_team, "Offer")
    client = login(admin)
    for action in ("rename", "up", "archive"):
        answer = client.post(
            reverse("pipeline_settings"), {"what": "stage", "action": action, "id": theirs.pk, "name": "x"}
        )
        assert answer.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Offer" and theirs.archived_at is None


def test_the_table_has_a_stage_column_and_filter(login, reviewer, team, posting, rows):
    stages.stage_move(team, user=reviewer, interview=rows[0], stage=stage(team, "Offer"))
    client = login(reviewer)
    page = client.get(reverse("posting", args=[posting.remote_id]))
    assert 'class="badge stage-chip">Offer<' in page.text and 'class="badge stage-chip">New<' in page.text
    offer = client.get(reverse("posting", args=[posting.remote_id]) + f"?stage={stage(team, 'Offer').pk}")
    assert "Person 0" in offer.text and "Person 1" not in offer.text
    new = client.get(reverse("candidates") + f"?stage={stage(team, 'New').pk}")
    assert "Person 1" in new.text and "Person 2" in new.text and "Person 0" not in new.text
    by_stage = client.get(reverse("candidates") + "?sort=-stage")
    assert by_stage.text.index("Person 0") < by_stage.text.index("Person 1")


def test_the_review_queue_can_be_limited_to_a_stage(login, reviewer, admin, team, posting, rows):
    stages.stage_move(team, user=admin, interview=rows[0], stage=stage(team, "Offer"))
    client = login(reviewer)
    queue = client.get(reverse("review_queue") + f"?list=stage%3D{stage(team, 'Offer').pk}")
    assert queue.status_code == 302 and "/interviews/int_p0/" in queue["Location"]
    empty = client.get(reverse("review_queue") + f"?list=stage%3D{stage(team, 'Hired').pk}")
    assert empty.status_code == 302 and "/interviews/" not in empty["Location"]


def test_bulk_move_to_a_stage_from_the_table_and_undo(login, reviewer, team, posting, rows):
    client = login(reviewer)
    rejected = stage(team, "Rejected")
    reason = RejectReason.objects.get(team=team, name="Other")
    data = {"scope": "selected", "ids": ["int_p0", "int_p1"], "action": "stage", "stage": rejected.pk}
    refused = client.post("/candidates/bulk/", {**data, "confirmed": "1"}, HTTP_HX_REQUEST="true")
    assert "Choose a reason" in refused.text and not StageMove.objects.exists()
    data["stage_reason"] = reason.pk
    confirm = client.post("/candidates/bulk/", data, HTTP_HX_REQUEST="true")
    assert "Move <strong>2</strong> candidates" in confirm.text and "Rejected" in confirm.text
    done = client.post("/candidates/bulk/", {**data, "confirmed": "1"}, HTTP_HX_REQUEST="true")
    assert "Moved</strong> 2 candidates to Rejected (Other)" in done.text
    assert [where(team, r) for r in rows] == ["Rejected", "Rejected", "New"]
    batch = BulkDecision.objects.get()
    undone = client.post(reverse("bulk_undo", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert "Undone." in undone.text
    assert [where(team, r) for r in rows] == ["New", "New", "New"]
    theirs = client.post("/candidates/bulk/", {**data, "stage": 999999}, HTTP_HX_REQUEST="true")
    assert theirs.status_code == 404


def test_the_profile_activity_shows_stage_moves_with_who_and_why(login, reviewer, team, posting, rows):
    reason = RejectReason.objects.get(team=team, name="Salary expectations")
    stages.stage_move(team, user=reviewer, interview=rows[0], stage=stage(team, "Reviewed"))
    stages.stage_reject(team, user=reviewer, interview=rows[0], reason=reason, note="Asked for 2x")
    html = login(reviewer).get(reverse("interview_tab", args=["int_p0", "activity"])).text
    assert 'Moved to <span class="badge stage-chip">Rejected</span>' in html
    assert "from Reviewed" in html and "Salary expectations" in html and "“Asked for 2x”" in html


def test_the_csv_export_has_the_stage_and_the_reason_of_a_closed_one(login, reviewer, team, posting, rows):

    reason = RejectReason.objects.get(team=team, name="Skills do not match")
    stages.stage_move(team, user=reviewer, interview=rows[0], stage=stage(team, "Offer"))
    stages.stage_reject(team, user=reviewer, interview=rows[1], reason=reason, note="No Go")
    response = login(reviewer).get(reverse("posting_export", args=[posting.remote_id]) + "?sort=name")
    table = csv_dicts(response)
    got = {row["Name"]: (row["Stage"], row["Stage reason"]) for row in table}
    assert got == {
        "Person 0": ("Offer", ""),
        "Person 1": ("Rejected", "Skills do not match"),
        "Person 2": ("New", ""),
    }


def test_the_board_counts_are_read_once_then_again_after_any_change(login, reviewer, team, posting, rows):
    """The column counts grow with the posting, so they are cached under the team's stamp: the
    next view reads none of them, and a move (or a sync) shows the new counts at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(reviewer)

    def view():
        with CaptureQueriesContext(connection) as seen:
            text = client.get(board_url(posting)).text
        counted = [
            q for q in seen.captured_queries if "COUNT(" in q["sql"] and "review_candidatestage" in q["sql"]
        ]
        return text, len(counted)

    first, reads = view()
    assert reads > 0 and 'New <span class="tab-count">3</span>' in first
    again, counted = view()
    assert counted == 0 and 'New <span class="tab-count">3</span>' in again
    stages.stage_move(team, user=reviewer, interview=rows[0], stage=stage(team, "Offer"))
    moved, counted = view()
    assert counted == reads
    assert (
        'New <span class="tab-count">2</span>' in moved and 'Offer <span class="tab-count">1</span>' in moved
    )
    make_interview(team, posting, remote_id="int_new", name="Newcomer")  # as a sync would
    from dashboard.core.stamps import team_changed

    team_changed(team.pk)
    assert 'New <span class="tab-count">3</span>' in view()[0]
