"""The compare page: 2–4 candidates side by side, rows aligned by text, the best score marked."""

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from dashboard.core import scores
from dashboard.mirror.models import Interview
from dashboard.review.services import decision_record, rating_set
from heymilo.models import Interview as APIInterview
from tests.review.conftest import make_interview, make_posting

pytestmark = pytest.mark.django_db

URL = "/candidates/compare/"


def url(*ids: str) -> str:
    return URL + "?" + "&".join(f"ids={i}" for i in ids)


class _Table(HTMLParser):
    """The comparison table as {row label: [(cell text, cell classes), ...]} and the column headers."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, list[tuple[str, set[str]]]] = {}
        self.headers: list[str] = []
        self._cell = None  # (kind, classes, text parts)
        self._row: list = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self._row = []
        elif tag in ("th", "td"):
            self._cell = (tag, attrs.get("scope", ""), set((attrs.get("class") or "").split()), [])

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[3].append(data)

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row:
            first = self._row[0]
            # The screen-reader "(best)" is left out: the class says which cell is best.
            text = lambda cell: " ".join("".join(cell[3]).replace("(best)", "").split())  # noqa: E731
            if first[0] == "th" and first[1] == "row":
                self.rows[text(first)] = [(text(c), c[2]) for c in self._row[1:]]
            elif any(c[1] == "col" for c in self._row):
                self.headers = [text(c) for c in self._row if c[1] == "col"]


def written(value, scale=scores.OVERALL) -> str:
    """A score cell's text: "75/100 Good" (the band word is screen-reader text), or "—"."""
    if value is None:
        return "—"
    shown = scores.text(value, scale)
    return f"{shown}/{scale} {scores.BAND_WORDS[scores.band(shown, scale)]}"


def table(html: str) -> _Table:
    parser = _Table()
    parser.feed(html)
    return parser


def document(remote_id, name, status="completed", questions=(), criteria=(), eligibility=None, steps=None):
    """An API document with the given scorecard questions and resume criteria ((text, score) pairs)."""
    doc = {"interview_id": remote_id, "details": {"name": name, "status": status}}
    agentic = {}
    if questions:
        agentic["web_interview_info"] = {
            "scorecard": {
                "questions": [
                    {
                        "question_id": f"q{n}",
                        "question": text,
                        "evaluation_score": score,
                        "not_scored": score is None,
                        "chat_transcript": [
                            {"speaker": "interviewer", "text": text},
                            {"speaker": "candidate", "text": f"{name} answers: {text}"},
                        ],
                    }
                    for n, (text, score) in enumerate(questions)
                ]
            }
        }
    if criteria or eligibility is not None:
        resume = {}
        if criteria:
            resume["score_criteria"] = {
                "criteria": [
                    {"criteria_id": f"c{n}", "criteria_text": text, "score": score}
                    for n, (text, score) in enumerate(criteria)
                ]
            }
        if eligibility is not None:
            resume["eligibility_criteria"] = {
                "is_eligible": all(ok for _, ok in eligibility),
                "criteria": [
                    {"criteria_id": f"e{n}", "criteria_text": text, "pass_criteria": ok}
                    for n, (text, ok) in enumerate(eligibility)
                ],
            }
        agentic["resume_interview_info"] = resume
    if agentic:
        doc["agentic_data"] = agentic
    if steps is not None:
        doc["workflow"] = {
            "step_by_step": [
                {"id": step_id, "order": n, "complete": done} for n, (step_id, done) in enumerate(steps)
            ]
        }
    return doc


def candidate(team, posting, remote_id, name, score=None, **doc):
    return make_interview(
        team,
        posting,
        remote_id=remote_id,
        name=name,
        score=score,
        status=doc.get("status", "completed"),
        document=document(remote_id, name, **doc),
    )


@pytest.fixture
def pair(team, posting):
    """Two candidates whose scorecards share one question, in another order and spelling."""
    ada = candidate(
        team,
        posting,
        "int_ada",
        "Ada Lovelace",
        score=91,
        questions=[("Tell me about REST APIs.", 4), ("Why this role?", 3)],
        criteria=[("Python experience", 4.5), ("Team leadership", 2)],
        eligibility=[("Work permit", True)],
        steps=[("resume_screen_1", True), ("web_interview_1", True)],
    )
    bob = candidate(
        team,
        posting,
        "int_bob",
        "Bob Stone",
        score=55,
        questions=[("why  this ROLE?", 5), ("Describe a failure.", 2)],
        criteria=[("Team leadership", 2), ("Python experience", 3)],
        eligibility=[("Work permit", False)],
        steps=[("resume_screen_1", True), ("web_interview_1", False), ("sms_follow_up", False)],
    )
    return ada, bob


def analysed(team, n):
    """n sandbox interviews with a scorecard, resume criteria and eligibility, all of one posting."""
    by_posting = {}
    for row in Interview.objects.for_team(team).filter(status="completed").order_by("id"):
        doc = APIInterview.from_dict(row.document)
        web, resume = doc.web_interview, doc.resume
        if (
            web
            and web.scorecard
            and web.scorecard.questions
            and resume
            and resume.score_criteria
            and resume.score_criteria.criteria
            and resume.eligibility
        ):
            by_posting.setdefault(row.posting_id, []).append((row, doc))
            if len(by_posting[row.posting_id]) == n:
                return by_posting[row.posting_id]
    raise AssertionError(f"the sandbox has no posting with {n} fully analysed interviews")


@pytest.mark.parametrize("role", ["admin", "reviewer", "viewer"])
def test_every_member_sees_the_full_page_and_the_partial(login, synced, request, role):
    picked = analysed(synced, 3)
    client = login(request.getfixturevalue(role))
    page = client.get(url(*(row.remote_id for row, _ in picked)))
    assert page.status_code == 200
    assert "<html" in page.text and 'id="comparison"' in page.text
    assert "HX-Request" in page["Vary"]
    for row, doc in picked:
        assert escape(row.name) in page.text
        assert f'href="/interviews/{row.remote_id}/"' in page.text
        assert escape(doc.web_interview.scorecard.questions[0].question) in page.text
        assert escape(doc.resume.score_criteria.criteria[0].criteria_text) in page.text
    assert page.text.count("Remove from comparison") == 3
    assert 'href="/static/' in page.text and "compare" in page.text  # its stylesheet
    partial = client.get(
        url(*(row.remote_id for row, _ in picked)), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="comparison"
    )
    assert partial.status_code == 200
    assert "<html" not in partial.text and partial.text.lstrip().startswith('<div id="comparison">')


def test_the_sandbox_comparison_fills_every_section(login, viewer, synced):
    (a, doc_a), (b, doc_b) = analysed(synced, 2)
    parsed = table(login(viewer).get(url(a.remote_id, b.remote_id)).text)
    assert parsed.headers[0].startswith(a.name) and parsed.headers[1].startswith(b.name)
    assert [text for text, _ in parsed.rows["Overall score"]] == [written(a.score), written(b.score)]
    question = doc_a.web_interview.scorecard.questions[0]
    row = parsed.rows[question.question]
    if not question.not_scored:
        assert row[0][0].startswith(written(question.evaluation_score, scores.QUESTION))
    assert "“" in row[0][0]  # the short quote from the chat excerpt
    assert parsed.rows["Eligible"][0][0] in {"Pass", "Fail", "Not assessed"}
    assert "Team decision" in parsed.rows and "My rating" in parsed.rows


def test_rows_align_by_text_across_candidates(login, viewer, pair):
    parsed = table(login(viewer).get(url("int_ada", "int_bob")).text)
    labels = list(parsed.rows)
    # First appearance order; "why  this ROLE?" is the same question as "Why this role?".
    assert (
        labels.index("Tell me about REST APIs.")
        < labels.index("Why this role?")
        < labels.index("Describe a failure.")
    )
    assert "why this ROLE?" not in labels
    assert [text[:1] for text, _ in parsed.rows["Why this role?"]] == ["3", "5"]
    assert parsed.rows["Tell me about REST APIs."][1][0] == "—"
    assert parsed.rows["Describe a failure."][0][0] == "—"
    assert [text for text, _ in parsed.rows["Python experience"]] == ["4.5/5 Strong", "3/5 Mixed"]
    assert [text for text, _ in parsed.rows["Team leadership"]] == ["2/5 Weak", "2/5 Weak"]
    assert [text for text, _ in parsed.rows["Work permit"]] == ["Pass", "Fail"]
    # Steps align by id, named in people's words (no lone " 1", "SMS"); a step with a score shows
    # it (as the profile's chips do), else done or not.
    assert [text for text, _ in parsed.rows["Resume screen"]] == ["Done", "Done"]
    assert [text for text, _ in parsed.rows["Web interview"]] == ["91/100 Strong", "55/100 Mixed"]
    assert [text for text, _ in parsed.rows["SMS follow up"]] == ["—", "Not done"]


def test_the_best_score_of_each_row_is_marked_with_a_class(login, viewer, team, posting, pair):
    solo = candidate(team, posting, "int_cy", "Cy Young", questions=[("Only mine?", 5)])
    parsed = table(login(viewer).get(url("int_ada", "int_bob", solo.remote_id)).text)
    best = lambda label: ["best" in classes for _, classes in parsed.rows[label]]  # noqa: E731
    assert best("Overall score") == [True, False, False]  # 91 beats 55; no score is never best
    assert best("Why this role?") == [False, True, False]
    assert best("Python experience") == [True, False, False]
    assert best("Team leadership") == [False, False, False]  # a tie across everyone is no one's best
    assert best("Only mine?") == [False, False, False]  # nothing to compare against
    assert best("Work permit") == [False, False, False]  # pass/fail rows are not scores
    html = login(viewer).get(url("int_ada", "int_bob")).text
    assert "style=" not in html and "<style" not in html


@pytest.mark.parametrize("ids", [["int_theirs"], ["int_ada", "int_theirs"]])
def test_another_teams_ids_are_404(login, admin, other_team, pair, ids):
    make_interview(other_team, make_posting(other_team), remote_id="int_theirs", name="Secret Person")
    response = login(admin).get(url(*ids))
    assert response.status_code == 404
    assert "Secret Person" not in response.text


def test_an_outsider_gets_404_for_this_teams_ids(login, outsider, pair):
    response = login(outsider).get(url("int_ada", "int_bob"))
    assert response.status_code == 404
    assert "Ada Lovelace" not in response.text


def test_an_unknown_id_is_404(login, viewer, pair):
    assert login(viewer).get(url("int_ada", "int_nobody")).status_code == 404


def test_no_ids_say_how_to_pick(login, viewer):
    response = login(viewer).get(URL)
    assert response.status_code == 200
    assert "Pick 2 to 4 candidates to compare" in response.text
    assert "<table" not in response.text


def test_one_id_asks_for_another_candidate_not_an_error(login, viewer, pair):
    response = login(viewer).get(url("int_ada"))
    assert response.status_code == 200
    assert "Pick at least 2 candidates" in response.text
    assert "Ada Lovelace" in response.text and "<table" not in response.text


def test_the_same_id_twice_counts_once(login, viewer, pair):
    response = login(viewer).get(url("int_ada", "int_ada"))
    assert "Pick at least 2 candidates" in response.text


def test_five_ids_ask_to_remove_one_with_a_link_per_candidate(login, viewer, team, posting, pair):
    extra = [candidate(team, posting, f"int_x{n}", f"Extra {n}").remote_id for n in range(3)]
    ids = ["int_ada", "int_bob", *extra]
    response = login(viewer).get(url(*ids))
    assert response.status_code == 200
    assert "You picked 5 candidates; compare at most 4 at a time. Remove 1 of them below." in response.text
    assert "<table" not in response.text
    removes = [href for href in _hrefs(response.text) if href.startswith(URL)]
    assert len(removes) == 5
    assert sorted(len(parse_qs(urlsplit(h).query)["ids"]) for h in removes) == [4] * 5


def test_too_many_ids_are_not_looked_up(login, viewer):
    ids = [f"int_{n}" for n in range(21)]
    with CaptureQueriesContext(connection) as queries:
        response = login(viewer).get(url(*ids))
    assert response.status_code == 200  # unknown ids, but nothing was looked up
    assert "You picked 21 candidates" in response.text
    assert not [q for q in queries if Interview._meta.db_table in q["sql"]]


def test_remove_from_comparison_links_drop_that_id(login, viewer, team, posting, pair):
    candidate(team, posting, "int_cy", "Cy Young")
    html = login(viewer).get(url("int_ada", "int_bob", "int_cy")).text
    removes = [h for h in _hrefs(html) if h.startswith(URL)]
    assert [parse_qs(urlsplit(h).query)["ids"] for h in removes] == [
        ["int_bob", "int_cy"],
        ["int_ada", "int_cy"],
        ["int_ada", "int_bob"],
    ]
    assert 'hx-target="#comparison"' in html


def _hrefs(html: str) -> list[str]:
    class Links(HTMLParser):
        found: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag == "a":
                self.found.append(dict(attrs).get("href", ""))

    parser = Links()
    parser.found = []
    parser.feed(html)
    return parser.found


def test_remote_text_is_escaped(login, viewer, team, posting):
    evil = "<script>alert(1)</script>"
    candidate(
        team,
        posting,
        "int_evil",
        f"Eve {evil}",
        questions=[(f"Q {evil}", 3)],
        criteria=[(f"C {evil}", 2)],
        eligibility=[(f"E {evil}", True)],
    )
    candidate(team, posting, "int_ok", "Olly Ok", questions=[("Plain?", 4)])
    html = login(viewer).get(url("int_evil", "int_ok")).text
    assert "<script>alert(1)" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5  # name, question, quote, criteria


def test_missing_parts_show_a_dash_not_an_error(login, viewer, team, posting, pair):
    make_interview(
        team,
        posting,
        remote_id="int_wait",
        name="Pat Pending",
        status="pending",
        document={"interview_id": "int_wait", "details": {"name": "Pat Pending"}},
    )
    make_interview(team, posting, remote_id="int_bad", name="Bad Document", document=["not", "an object"])
    response = login(viewer).get(url("int_wait", "int_bad"))
    assert response.status_code == 200
    parsed = table(response.text)
    assert [text for text, _ in parsed.rows["Overall score"]] == ["—", "—"]
    assert [text for text, _ in parsed.rows["Eligible"]] == ["Not assessed", "Not assessed"]
    assert [text for text, _ in parsed.rows["Team decision"]] == ["Undecided", "Undecided"]
    for empty in ["No resume criteria scored", "No scorecard yet", "has not reported workflow steps"]:
        assert empty in response.text
    assert response.text.count("HeyMilo's document could not be read.") == 1  # the list, not the pending one
    # Beside a full candidate, the missing one's cells are dashes on the full one's rows.
    parsed = table(login(viewer).get(url("int_ada", "int_wait")).text)
    assert parsed.rows["Why this role?"][1][0] == "—"
    assert parsed.rows["Python experience"][1][0] == "—"


@pytest.fixture
def rated(team, pair, admin, reviewer):
    """Alice (admin) rated both candidates; Bob (reviewer) rated only Ada."""
    ada, bob = pair
    rating_set(team, interview=ada, user=reviewer, stars=4)
    rating_set(team, interview=ada, user=admin, stars=2)
    rating_set(team, interview=bob, user=admin, stars=1)
    return pair


def cells(parsed, label):
    return [text for text, _ in parsed.rows[label]]


def test_the_team_decision_is_the_latest_with_its_reason(login, viewer, admin, team, pair):
    ada, _ = pair
    decision_record(team, interview=ada, user=admin, value="hold", reason="Waiting for references")
    decision_record(team, interview=ada, user=admin, value="advance", reason="Strong answers")
    decision = table(login(viewer).get(url("int_ada", "int_bob")).text).rows["Team decision"]
    assert decision[0][0] == "Advance “Strong answers”" and "decision-advance" in decision[0][1]
    assert decision[1][0] == "Undecided"


def test_private_ratings_stay_hidden_until_the_reviewer_rates(login, reviewer, rated):
    html = login(reviewer).get(url("int_ada", "int_bob")).text
    parsed = table(html)
    assert cells(parsed, "My rating") == ["4/5", "—"]
    # Ada: Bob rated her, so he sees the team's stars; Bob Stone: he did not, so Alice's 1 stays hidden.
    assert cells(parsed, "Team rating") == ["3/5 alice 2★ · bob 4★", "Hidden until you rate"]
    assert "alice 1★" not in html
    assert "Team ratings are private until submitted" in html


def test_with_private_ratings_off_reviewers_see_every_rating(login, reviewer, team, rated):
    from dashboard.review.models import ReviewSettings

    ReviewSettings.objects.create(team=team, ratings_private=False)
    parsed = table(login(reviewer).get(url("int_ada", "int_bob")).text)
    assert cells(parsed, "Team rating") == ["3/5 alice 2★ · bob 4★", "1/5 alice 1★"]


def test_viewers_never_rate_so_they_see_every_rating(login, viewer, rated):
    html = login(viewer).get(url("int_ada", "int_bob")).text
    assert cells(table(html), "Team rating") == ["3/5 alice 2★ · bob 4★", "1/5 alice 1★"]
    assert cells(table(html), "My rating") == ["—", "—"]
    assert "private until submitted" not in html


def test_queries_do_not_grow_with_the_number_of_candidates(
    login, reviewer, admin, team, posting, pair, django_assert_max_num_queries
):
    for n in range(2):
        candidate(team, posting, f"int_q{n}", f"Quinn {n}", questions=[("Why this role?", n)])
    for row in Interview.objects.for_team(team):
        rating_set(team, interview=row, user=reviewer, stars=3)
        rating_set(team, interview=row, user=admin, stars=4)
        decision_record(team, interview=row, user=admin, value="hold")
    client = login(reviewer)
    client.get(url("int_ada"))  # the sidebar's count is cached from here on
    counts = []
    for ids in (["int_ada", "int_bob"], ["int_ada", "int_bob", "int_q0", "int_q1"]):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(*ids)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(13):  # 10 today: session, user, membership, context processors
        client.get(url("int_ada", "int_bob", "int_q0", "int_q1"))


def test_other_parameters_redirect_to_the_clean_address(login, reviewer, pair):
    client = login(reviewer)
    # What the candidate table's form sends when its "compare" button submits the ticked rows.
    response = client.get(URL + "?csrfmiddlewaretoken=x&scope=selected&ids=int_ada&ids=int_bob&value=hold")
    assert response.status_code == 302 and response["Location"] == url("int_ada", "int_bob")
    response = client.get(
        URL + "?filters=q%3Dx&ids=int_ada&ids=int_bob", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="bulk-slot"
    )
    assert response.status_code == 200 and response["HX-Redirect"] == url("int_ada", "int_bob")
    # A button with hx-include of the ticked boxes and no target of its own lands the same way.
    response = client.get(url("int_ada", "int_bob"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == url("int_ada", "int_bob")


def test_an_htmx_history_restore_gets_the_full_page(login, viewer, pair):
    response = login(viewer).get(
        url("int_ada", "int_bob"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert response.status_code == 200 and "<html" in response.text and "Ada Lovelace" in response.text
