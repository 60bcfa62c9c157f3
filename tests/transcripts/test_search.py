"""Search across transcripts on the database's own full-text index (SQLite FTS5 or PostgreSQL)."""

import re

import pytest

from dashboard.mirror.models import Interview, Posting, TranscriptLine
from dashboard.transcripts.search import search

pytestmark = pytest.mark.django_db

CORPUS = [
    (
        "Ada Lovelace",
        "completed",
        [
            ("interviewer", "Tell me about a system you designed."),
            ("candidate", "I led the system design of our Kubernetes platform."),
            ("candidate", "We used Python and Go for the services."),
        ],
    ),
    (
        "Grace Hopper",
        "completed",
        [
            ("interviewer", "How do you approach system design interviews?"),
            ("candidate", "I draw the design first, then the system around it."),
            ("candidate", "Kubectl and kubeadm are my daily tools."),
        ],
    ),
    (
        "Alan Turing",
        "in_progress",
        [
            ("candidate", "I prefer <script>alert(1)</script> & other puzzles in Python."),
        ],
    ),
]


@pytest.fixture
def corpus(team, other_team):
    posting = Posting.objects.create(team=team, remote_id="P1", title="Engineer")
    for index, (name, status, turns) in enumerate(CORPUS):
        interview = Interview.objects.create(
            team=team, posting=posting, remote_id=f"int_{index}", name=name, status=status
        )
        for position, (speaker, text) in enumerate(turns):
            TranscriptLine.objects.create(
                interview=interview,
                position=position,
                speaker=speaker,
                text=text,
                offset_seconds=position * 10.0,
            )
    # Another team says the same words: it must never match.
    theirs = Interview.objects.create(team=other_team, remote_id="int_x", name="Mallory", status="completed")
    TranscriptLine.objects.create(
        interview=theirs, position=0, speaker="candidate", text="system design with Kubernetes and Python"
    )
    return posting


def names(results):
    return [r.interview.name for r in results]


def test_it_finds_a_rare_word_for_the_team_only(team, corpus):
    _, results = search(team, "kubeadm")
    assert names(results) == ["Grace Hopper"]


def test_a_phrase_needs_the_words_together(team, corpus):
    _, results = search(team, '"system design"')
    assert names(results) == ["Ada Lovelace"]  # Grace says "design first, then the system"
    _, results = search(team, '"system design"', speaker="")
    assert sorted(names(results)) == ["Ada Lovelace", "Grace Hopper"]  # + the interviewer


def test_a_prefix_matches_word_starts(team, corpus):
    _, results = search(team, "kube*")
    assert sorted(names(results)) == ["Ada Lovelace", "Grace Hopper"]
    hits = {r.interview.name: [t for t, hit in r.hits[0].pieces if hit] for r in results}
    assert hits["Grace Hopper"] == ["Kubectl", "kubeadm"]


def test_all_words_are_required(team, corpus):
    _, results = search(team, "python kubernetes")
    assert names(results) == []
    _, results = search(team, "python services")
    assert names(results) == ["Ada Lovelace"]


def test_filters_by_status_and_posting(team, corpus):
    _, results = search(team, "python", status="in_progress")
    assert names(results) == ["Alan Turing"]
    other = Posting.objects.create(team=team, remote_id="P2", title="Other")
    assert search(team, "python", posting=other)[1] == []


def test_another_teams_transcripts_never_match(other_team, corpus):
    _, results = search(other_team, "kubernetes")
    assert names(results) == ["Mallory"]


def test_lines_written_by_the_sync_path_are_searchable_and_edits_follow(team, corpus):
    from dashboard.mirror.services import transcript_lines_insert

    interview = Interview.objects.get(remote_id="int_2")
    transcript_lines_insert(
        [
            (
                interview,
                [
                    {
                        "position": 5,
                        "speaker": "candidate",
                        "text": "Zanzibar rocks",
                        "offset_seconds": 1.0,
                        "timestamp_str": "",
                    }
                ],
            )
        ]
    )
    assert names(search(team, "zanzibar")[1]) == ["Alan Turing"]
    TranscriptLine.objects.filter(text="Zanzibar rocks").update(text="Madagascar rocks")
    assert search(team, "zanzibar")[1] == []
    assert names(search(team, "madagascar")[1]) == ["Alan Turing"]
    TranscriptLine.objects.filter(interview=interview).delete()
    assert search(team, "madagascar")[1] == []


def test_the_page_groups_results_and_escapes_everything(login, viewer, corpus):
    html = login(viewer).get("/search/", {"q": "python"}).text
    assert "Ada Lovelace" in html and "Alan Turing" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<mark>Python</mark>" in html
    assert "/interviews/int_0/transcript/#t-2" in html


@pytest.mark.parametrize("text", ['"unbalanced', "x" * 5000, 'NEAR("a" OR', "<script>", "*"])
def test_the_page_answers_malformed_queries_kindly(login, viewer, corpus, text):
    response = login(viewer).get("/search/", {"q": text})
    assert response.status_code == 200
    assert "<script>" not in response.text.split("<main", 1)[1]


def test_the_page_answers_htmx_with_just_the_results(login, viewer, corpus):
    response = login(viewer).get("/search/", {"q": "kubeadm"}, HTTP_HX_REQUEST="true")
    assert response.text.lstrip().startswith('<section id="results"')
    assert "Grace Hopper" in response.text


def test_an_outsider_cannot_filter_by_our_posting(login, outsider, corpus):
    assert login(outsider).get("/search/", {"q": "python", "posting": "P1"}).status_code == 404


def test_a_very_common_word_lists_the_newest_lines_first(team, corpus, monkeypatch):
    from dashboard.transcripts import search as module

    monkeypatch.setattr(module, "RANKED_MATCHES_MAX", 1)  # "python" matches more lines than this
    _, results = search(team, "python", speaker="")
    assert names(results) == ["Alan Turing", "Ada Lovelace"]  # newest line first
    _, theirs = search(team, "kubernetes", speaker="")
    assert names(theirs) == ["Ada Lovelace"]  # another team's lines still never match


def test_filters_by_the_team_decision(team, corpus, reviewer):
    from dashboard.review.search import decided
    from dashboard.review.services import decision_record

    ada = Interview.objects.get(remote_id="int_0")
    grace = Interview.objects.get(remote_id="int_1")
    decision_record(team, interview=ada, user=reviewer, value="reject")
    decision_record(team, interview=ada, user=reviewer, value="advance")  # latest wins
    decision_record(team, interview=grace, user=reviewer, value="reject")
    assert names(search(team, "kube*", within=decided(team, "advance"))[1]) == ["Ada Lovelace"]
    assert names(search(team, "kube*", within=decided(team, "reject"))[1]) == ["Grace Hopper"]
    assert search(team, "kube*", within=decided(team, "hold"))[1] == []


def test_whether_to_rank_is_decided_by_the_teams_own_match_count(team, other_team, monkeypatch):
    """Another team's many matches must not turn this team's search to newest first."""
    from dashboard.transcripts import search as module

    monkeypatch.setattr(module, "RANKED_MATCHES_MAX", 5)
    ours = Interview.objects.create(team=team, remote_id="int_best", name="Best match")
    TranscriptLine.objects.create(
        interview=ours,
        position=0,
        speaker="candidate",
        text="Zanzibar, zanzibar, zanzibar: I led the zanzibar launch.",
    )
    newer = Interview.objects.create(team=team, remote_id="int_newer", name="Passing mention")
    TranscriptLine.objects.create(
        interview=newer,
        position=0,
        speaker="candidate",
        text="Once, in a long story about billing, zanzibar came up.",
    )
    for n in range(8):  # more matches than the cap, all another team's
        theirs = Interview.objects.create(team=other_team, remote_id=f"int_x{n}", name="Mallory")
        TranscriptLine.objects.create(interview=theirs, position=0, speaker="candidate", text="zanzibar")
    _, results = search(team, "zanzibar")
    assert names(results) == ["Best match", "Passing mention"]  # ranked, not newest first


@pytest.fixture
def many(team):
    """45 candidates saying "zanzibar" (candidate k says it k % 7 + 1 times), and one who never does."""
    posting = Posting.objects.create(team=team, remote_id="PM", title="Many")
    for k in range(45):
        interview = Interview.objects.create(
            team=team,
            posting=posting,
            remote_id=f"int_m{k:02d}",
            name=f"Person {k:02d}",
            status="completed",
            score=50 + k,
        )
        TranscriptLine.objects.bulk_create(
            [
                TranscriptLine(
                    interview=interview, position=p, speaker="candidate", text=f"zanzibar line {p}"
                )
                for p in range(k % 7 + 1)
            ]
        )
    quiet = Interview.objects.create(team=team, posting=posting, remote_id="int_quiet", name="Quiet")
    TranscriptLine.objects.create(interview=quiet, position=0, speaker="candidate", text="nothing here")
    return posting


def test_the_page_says_how_many_matches_in_how_many_candidates_and_pages_by_candidate(login, viewer, many):
    from dashboard.transcripts.search import CANDIDATES_PER_PAGE

    lines = sum(k % 7 + 1 for k in range(45))
    client = login(viewer)
    first = client.get("/search/", {"q": "zanzibar"}).text
    assert f"<strong>{lines}</strong> matches in <strong>45</strong> candidates" in first
    assert "page 1 of 3" in first
    assert first.count('<article class="result">') == CANDIDATES_PER_PAGE
    assert 'href="?q=zanzibar&amp;page=2"' in first and 'aria-current="page" class="current">1<' in first
    seen = set()
    for number in (1, 2, 3):
        html = client.get("/search/", {"q": "zanzibar", "page": number}).text
        seen |= set(re.findall(r'<h2><a href="/interviews/(int_m\d+)/"', html))
    assert len(seen) == 45  # every candidate once, none lost at a cut
    pages = [client.get("/search/", {"q": "zanzibar", "page": n}).text for n in (1, 2, 3)]
    assert all("Quiet" not in html for html in pages)
    # Past the last page: the last page, not an error.
    assert client.get("/search/", {"q": "zanzibar", "page": "99"}).status_code == 200
    assert client.get("/search/", {"q": "zanzibar", "page": "x"}).status_code == 200


def test_each_candidate_shows_a_few_lines_a_link_to_the_rest_their_score_and_decision(
    login, viewer, team, reviewer, many
):
    from dashboard.review.services import decision_record

    busy = Interview.objects.get(remote_id="int_m06")  # 7 lines
    decision_record(team, interview=busy, user=reviewer, value="advance")
    client = login(viewer)
    html = "".join(
        client.get("/search/", {"q": "zanzibar", "speaker": "candidate", "page": n}).text for n in (1, 2, 3)
    )
    article = re.search(
        r'<article class="result">(?:(?!</article>).)*int_m06/"'
        r"(?:(?!</article>).)*</article>",
        html,
        re.S,
    ).group(0)
    assert article.count("<li>") == 3
    assert "4 more in this transcript" in article
    assert 'href="/interviews/int_m06/transcript/?find=zanzibar"' in article
    assert '<span class="score-value">56</span><span class="score-scale">/100</span>' in article
    assert "decision-advance" in article and "Advance" in article
    assert "7 matches" in article


def test_the_search_page_takes_the_same_queries_at_two_sizes(login, viewer, team, many):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(viewer)
    client.get("/search/", {"q": "zanzibar"})

    def count(page):
        with CaptureQueriesContext(connection) as queries:
            client.get("/search/", {"q": "zanzibar", "page": page, "speaker": ""})
        return len(queries)

    small = count(3)  # 5 candidates
    assert count(1) == small  # 20 candidates


def test_the_speaker_and_status_filters_show_their_current_value(login, viewer, corpus):
    client = login(viewer)
    everyone = client.get("/search/", {"q": "python", "speaker": ""}).text
    assert '<option value="" selected>Everyone</option>' in everyone
    assert '<option value="candidate">Candidate only</option>' in everyone
    default = client.get("/search/", {"q": "python"}).text
    assert '<option value="candidate" selected>Candidate only</option>' in default
    status = client.get("/search/", {"q": "python", "status": "in_progress"}).text
    assert '<option value="in_progress" selected>In progress</option>' in status  # people's words


def test_an_empty_search_lists_nothing_and_counts_nothing(login, viewer, many):
    html = login(viewer).get("/search/", {"q": "madagascar"}).text
    assert "No transcript matches" in html and " matches in " not in html


def test_the_teams_id_in_the_index_is_never_a_word_to_match(team, other_team, corpus):
    """SQLite's index holds each line's team as a column; typed words only ever match the text."""
    TranscriptLine.objects.filter(text__contains=str(team.id)).delete()  # "alert(1)" says a 1
    assert search(team, str(team.id), speaker="")[1] == []
    assert search(team, f'"{team.id}"', speaker="")[1] == []
    said = Interview.objects.get(remote_id="int_2")
    TranscriptLine.objects.create(interview=said, position=9, speaker="candidate", text=f"Room {team.id}")
    assert names(search(team, str(team.id))[1]) == ["Alan Turing"]


def test_over_the_cap_every_candidate_is_on_one_page_with_their_own_count(login, viewer, many, monkeypatch):
    """Over RANKED_MATCHES_MAX matching lines the counts are lower bounds and candidates come
    newest first; each page reads back only as far as it needs (four times further each time),
    and no candidate is lost or repeated at a cut, each with their exact number of lines."""
    from dashboard.transcripts import search as module

    monkeypatch.setattr(module, "RANKED_MATCHES_MAX", 30)
    lines = sum(k % 7 + 1 for k in range(45))  # 174
    client = login(viewer)
    pages = [client.get("/search/", {"q": "zanzibar", "page": n}).text for n in (1, 2, 3)]
    # Page 1 read 124 lines (31, then 124): 21 candidates or more, not every line.
    assert "<strong>30+</strong> matches in <strong>" in pages[0]
    assert "newest first · page 1" in pages[0] and 'href="?q=zanzibar&amp;page=2"' in pages[0]
    # Page 2 needed 41 candidates and read to the end: the counts are exact again.
    assert f"<strong>{lines}</strong> matches in <strong>45</strong> candidates" in pages[1]
    seen = [pk for html in pages for pk in re.findall(r'<h2><a href="/interviews/(int_m\d+)/"', html)]
    assert len(seen) == 45 and len(set(seen)) == 45
    assert seen[:2] == ["int_m44", "int_m43"]  # newest lines first
    busy = re.search(r'int_m06/"(?:(?!</article>).)*</article>', "".join(pages), re.S).group(0)
    assert "7 matches" in busy and "4 more in this transcript" in busy


def test_a_phrase_never_spans_two_lines(team, corpus):
    interview = Interview.objects.get(remote_id="int_2")
    for position, text in ((1, "It was a system"), (2, "Design came later")):
        TranscriptLine.objects.create(interview=interview, position=position, speaker="candidate", text=text)
    assert names(search(team, '"system design"')[1]) == ["Ada Lovelace"]
    # All words are required in one line too: Alan says each in a line of its own.
    assert sorted(names(search(team, "system design", speaker="")[1])) == ["Ada Lovelace", "Grace Hopper"]
    TranscriptLine.objects.filter(interview=interview, position=2).update(text="It was a system design")
    assert sorted(names(search(team, '"system design"')[1])) == ["Ada Lovelace", "Alan Turing"]


def postgresql_only():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: its search documents (transcripts 0004)")


def documents(interview):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT speaker, line_ids, doc::text FROM transcripts_document WHERE interview_id = %s "
            "ORDER BY speaker, chunk",
            [interview.id],
        )
        return cursor.fetchall()


def test_the_search_documents_follow_every_write_of_a_transcript(team, corpus):
    """PostgreSQL's documents are rebuilt by triggers on the lines: whichever path writes them."""
    from dashboard.mirror import search_index
    from dashboard.mirror.services import transcript_lines_insert

    postgresql_only()
    interview = Interview.objects.get(remote_id="int_2")
    line = TranscriptLine.objects.get(interview=interview)
    assert documents(interview) == [("candidate", [line.id], documents(interview)[0][2])]
    assert "'puzzles'" in documents(interview)[0][2]

    def said(*lines):  # the sync's path: the old lines deleted, the new ones in one statement
        with search_index.bulk_writes([interview.pk]):
            TranscriptLine.objects.filter(interview=interview).delete()
            transcript_lines_insert(
                [
                    (
                        interview,
                        [
                            {
                                "position": p,
                                "speaker": speaker,
                                "text": text,
                                "offset_seconds": None,
                                "timestamp_str": "",
                            }
                            for p, (speaker, text) in enumerate(lines)
                        ],
                    )
                ]
            )

    said(("interviewer", "Tell me about Zanzibar"), ("candidate", "Zanzibar is an island"))
    assert [speaker for speaker, _, _ in documents(interview)] == ["candidate", "interviewer"]
    assert "'puzzles'" not in "".join(doc for _, _, doc in documents(interview))
    assert names(search(team, "zanzibar island")[1]) == ["Alan Turing"]
    said(("candidate", "Madagascar is an island"))
    assert [speaker for speaker, _, _ in documents(interview)] == ["candidate"]
    assert search(team, "zanzibar", speaker="")[1] == []
    TranscriptLine.objects.filter(interview=interview).update(text="Sri Lanka is an island")
    assert search(team, "madagascar", speaker="")[1] == [] and names(search(team, '"sri lanka"')[1])
    interview.delete()
    assert documents(interview) == [] and search(team, '"sri lanka"')[1] == []


@pytest.mark.parametrize("text", ["zanzibar", "zanz*", '"line 3"', "line zanzibar", '"zanzibar line" 3'])
def test_the_documents_positions_find_what_testing_each_line_finds(team, many, monkeypatch, text):
    """PostgreSQL reads which lines match from the positions of the words in its documents; a
    document it cannot trust is tested line by line. Both give the same page, and so does a walk
    in many small steps."""
    from django.db import connection

    from dashboard.transcripts import documents as module
    from dashboard.transcripts.search import search_page

    postgresql_only()

    def pages():
        found = [search_page(team, text, page=n, per_page=7) for n in (1, 2, 3)]
        return [
            (page.matches, page.candidates, r.interview.remote_id, r.matches, [h.line.id for h in r.hits])
            for page in found
            for r in page.results
        ]

    by_positions = pages()
    monkeypatch.setattr(module, "FIRST_BATCH", 1)
    assert pages() == by_positions and len(by_positions) == 21
    with connection.cursor() as cursor:
        cursor.execute("UPDATE transcripts_document SET exact = false")
    assert pages() == by_positions


def test_a_document_past_the_index_limits_is_still_searched_line_by_line(team):
    """PostgreSQL keeps at most 255 positions of a word in a document: after them, a phrase it
    would miss is found by testing the lines."""
    postgresql_only()
    interview = Interview.objects.create(team=team, remote_id="int_long", name="Long talker")
    TranscriptLine.objects.bulk_create(
        [
            TranscriptLine(interview=interview, position=p, speaker="candidate", text="the the the the")
            for p in range(80)
        ]
        + [TranscriptLine(interview=interview, position=80, speaker="candidate", text="and the end")]
    )
    assert [exact for (exact,) in _exact(interview)] == [False]
    assert names(search(team, '"the end"')[1]) == ["Long talker"]
    assert search_count(team, "the") == 81


def _exact(interview):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT exact FROM transcripts_document WHERE interview_id = %s", [interview.id])
        return cursor.fetchall()


def search_count(team, text):
    from dashboard.transcripts.search import search_page

    return search_page(team, text).matches
