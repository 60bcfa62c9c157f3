"""Scorecard templates (seeded from HeyMilo's questions, or written as an outline), drafts, blind
until submitted, amendments with history, the split flag, the compare page's recommendations and the
shared report."""

import pytest
from django.urls import reverse

from dashboard.review.models import AuditEntry, ReviewSettings
from dashboard.scorecards import services
from dashboard.scorecards.models import (
    Answer,
    Criterion,
    PostingTemplate,
    Revision,
    Scorecard,
    ScorecardTemplate,
)
from tests.scorecards.conftest import KEY, QUESTIONS, make_candidate

pytestmark = pytest.mark.django_db


def criteria_of(template):
    return list(
        Criterion.objects.filter(template=template, archived_at__isnull=True).order_by(
            "section__position", "position"
        )
    )


def post_card(client, interview, action="submit", **values):
    return client.post(reverse("scorecard", args=[interview.remote_id]), {"action": action, **values})


def answers_for(template, ratings):
    return {f"r-{c.pk}": str(r) for c, r in zip(criteria_of(template), ratings, strict=False)}


# --- templates ----------------------------------------------------------------------------------------


def test_a_postings_template_is_seeded_from_heymilos_scorecard_questions(team, posting):
    make_candidate(team, posting, 1, ai={"q_sql": 7, "q_team": 5})
    make_candidate(team, posting, 2, ai={"q_plan": None, "q_sql": 6})  # a later question, unscored here
    make_candidate(team, posting, 3, status="started")  # not analysed: not read

    template = services.template_for_posting(team, posting=posting)

    criteria = criteria_of(template)
    assert [c.name for c in criteria] == [text for _, text, _ in QUESTIONS]
    assert [c.ai_key for c in criteria] == [KEY[qid] for qid, _, _ in QUESTIONS]
    assert criteria[0].description == QUESTIONS[0][2]
    assert template.seeded_from == posting
    assert PostingTemplate.objects.get(posting=posting).template == template
    # Asked again: the same template, not a second one.
    assert services.template_for_posting(team, posting=posting) == template
    assert ScorecardTemplate.objects.filter(team=team).count() == 1


def test_a_posting_heymilo_has_not_scored_gets_generic_criteria(team, posting):
    template = services.template_for_posting(team, posting=posting)
    assert [c.name for c in criteria_of(template)] == ["Skills for the role", "Experience", "Communication"]
    assert all(c.ai_key == "" for c in criteria_of(template))


def test_an_outline_makes_sections_and_criteria_and_edits_keep_their_identity(team, admin):
    template = services.template_create(
        team,
        user=admin,
        name="Engineers",
        outline="# Skills\nSQL — tunes queries\nPython\n\n# Team\n- Feedback\n",
    )
    sql = Criterion.objects.get(template=template, name="SQL")
    assert sql.description == "tunes queries" and sql.section.name == "Skills"
    assert services.outline_of(template) == "# Skills\nSQL — tunes queries\nPython\n\n# Team\nFeedback\n"

    services.template_update(
        team, user=admin, template=template, name="Engineers", outline="# Team\nFeedback\nSQL\n"
    )
    sql.refresh_from_db()
    assert sql.section.name == "Team" and sql.description == "" and sql.archived_at is None
    assert (
        Criterion.objects.get(template=template, name="Python").archived_at is not None
    )  # kept, not deleted


@pytest.mark.parametrize(
    ("outline", "message"),
    [
        ("SQL\n", "Line 1: start with a section"),
        ("# Skills\n", "Add at least one criterion"),
        ("# Skills\nSQL\nsql\n", "Line 3: “sql” is on the template already."),
        ("#\nSQL", "Line 1: a section needs a name"),
        ("# Skills\n — no name\n", "Line 2: the criterion has no name"),
    ],
)
def test_a_bad_outline_is_refused_naming_the_line_and_nothing_is_written(
    team, admin, login, outline, message
):
    client = login(admin)
    response = client.post(reverse("scorecard_templates"), {"name": "Broken", "outline": outline})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ScorecardTemplate.objects.filter(name="Broken").exists()


def test_an_admin_chooses_a_postings_template_on_its_manage_tab(team, admin, login, posting):
    other = services.template_create(team, user=admin, name="Short", outline="# All\nOverall\n")
    client = login(admin)
    page = client.get(reverse("posting_manage", args=[posting.remote_id]))
    assert b"Scorecard" in page.content
    client.post(reverse("posting_scorecard", args=[posting.remote_id]), {"template": other.pk})
    assert PostingTemplate.objects.get(posting=posting).template == other


def test_reviewers_cannot_edit_templates(team, reviewer, login, posting):
    client = login(reviewer)
    assert client.get(reverse("scorecard_templates")).status_code == 403
    assert (
        client.post(reverse("posting_scorecard", args=[posting.remote_id]), {"template": 1}).status_code
        == 403
    )


# --- a reviewer's scorecard ------------------------------------------------------------------------------


def test_a_draft_is_kept_and_seen_by_its_author_alone(team, admin, reviewer, login, candidate):
    client = login(reviewer)
    template = services.template_for_posting(team, posting=candidate.posting)
    first = criteria_of(template)[0]
    response = post_card(client, candidate, action="draft", **{f"r-{first.pk}": "3", "recommendation": ""})
    assert response.status_code == 302
    card = Scorecard.objects.get(user=reviewer)
    assert card.submitted_at is None
    assert Answer.objects.get(scorecard=card, criterion=first).rating == 3
    assert not Revision.objects.exists()
    # The draft is still there when the author comes back.
    page = client.get(reverse("interview", args=[candidate.remote_id])).content.decode()
    assert "Your draft" in page and f'id="r-{first.pk}-3" name="r-{first.pk}" value="3" checked' in page
    # Nobody else sees it.
    page = login(admin).get(reverse("interview", args=[candidate.remote_id])).content.decode()
    assert "No submitted scorecards yet" in page and "teammate has submitted" not in page


def test_submitting_needs_a_recommendation_and_loses_nothing_typed(team, reviewer, login, candidate):
    client = login(reviewer)
    template = services.template_for_posting(team, posting=candidate.posting)
    first = criteria_of(template)[0]
    section = first.section
    response = client.post(
        reverse("scorecard", args=[candidate.remote_id]),
        {"action": "submit", f"r-{first.pk}": "4", f"note-{section.pk}": "Strong on indexes"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "Choose an overall recommendation before submitting." in body
    assert "Strong on indexes" in body and 'value="4" checked' in body
    assert not Scorecard.objects.exists()


def test_a_rating_out_of_range_is_refused(team, reviewer, login, candidate):
    client = login(reviewer)
    template = services.template_for_posting(team, posting=candidate.posting)
    first = criteria_of(template)[0]
    response = client.post(
        reverse("scorecard", args=[candidate.remote_id]),
        {"action": "submit", f"r-{first.pk}": "7", "recommendation": "3"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422 and "Rate each criterion from 1 to 4." in response.content.decode()
    response = client.post(
        reverse("scorecard", args=[candidate.remote_id]),
        {"action": "submit", f"r-{first.pk}": "x", "recommendation": "3"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422 and "choose one of the options" in response.content.decode()
    # A digit int() refuses ("²": str.isdigit() passes it) is refused the same way, not a 500.
    response = client.post(
        reverse("scorecard", args=[candidate.remote_id]),
        {"action": "submit", f"r-{first.pk}": "²", "recommendation": "²"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422 and "choose one of the options" in response.content.decode()
    assert not Scorecard.objects.exists()


def test_teammates_scorecards_stay_hidden_until_mine_is_submitted(
    team, admin, reviewer, viewer, login, candidate
):
    template = services.template_for_posting(team, posting=candidate.posting)
    services.scorecard_save(
        team,
        user=admin,
        interview=candidate,
        ratings={criteria_of(template)[0].pk: 1},
        recommendation=1,
        notes={},
        submit=True,
    )
    client = login(reviewer)
    page = client.get(reverse("interview", args=[candidate.remote_id])).content.decode()
    assert "1 teammate has submitted a scorecard: you see it once you submit yours." in page
    assert "Strong no" not in page.split('id="scorecard-panel"')[1].split("sc-form-wrap")[0]

    # A draft does not open them either.
    post_card(client, candidate, action="draft", recommendation="4")
    assert (
        "you see it once you submit yours"
        in client.get(reverse("interview", args=[candidate.remote_id])).content.decode()
    )

    post_card(client, candidate, action="submit", recommendation="4", **answers_for(template, [4]))
    page = client.get(reverse("interview", args=[candidate.remote_id])).content.decode()
    assert "alice" in page and "Strong no" in page and "Strong yes" in page

    # Viewers never score, so they see every submitted scorecard (as they see every rating).
    assert "Strong no" in login(viewer).get(reverse("interview", args=[candidate.remote_id])).content.decode()


def test_with_private_ratings_off_a_reviewer_sees_the_team_at_once(team, admin, reviewer, login, candidate):
    ReviewSettings.objects.create(team=team, ratings_private=False)
    services.scorecard_save(
        team, user=admin, interview=candidate, ratings={}, recommendation=2, notes={}, submit=True
    )
    page = login(reviewer).get(reverse("interview", args=[candidate.remote_id])).content.decode()
    assert "alice" in page and ">No</span>" in page


def test_viewers_cannot_score(team, viewer, login, candidate):
    client = login(viewer)
    response = post_card(client, candidate, recommendation="4")
    assert response.status_code == 403
    assert not Scorecard.objects.exists()
    assert (
        "Submit scorecard"
        not in client.get(reverse("interview", args=[candidate.remote_id])).content.decode()
    )


def test_an_amendment_is_kept_with_its_history(team, reviewer, login, candidate):
    client = login(reviewer)
    template = services.template_for_posting(team, posting=candidate.posting)
    post_card(client, candidate, recommendation="2", **answers_for(template, [2, 2]))
    first_submitted = Scorecard.objects.get().submitted_at
    post_card(
        client, candidate, recommendation="4", reason="Saw the take-home", **answers_for(template, [4, 3])
    )

    card = Scorecard.objects.get()
    assert card.submitted_at == first_submitted
    assert card.recommendation == 4
    revisions = list(card.revisions.order_by("number"))
    assert [(r.number, r.recommendation, r.reason) for r in revisions] == [
        (1, 2, ""),
        (2, 4, "Saw the take-home"),
    ]
    first = criteria_of(template)[0]
    assert revisions[0].ratings[str(first.pk)] == 2 and revisions[1].ratings[str(first.pk)] == 4
    # "Submit as draft" after submitting cannot take it back.
    post_card(client, candidate, action="draft", recommendation="4")
    assert Scorecard.objects.get().submitted
    page = client.get(reverse("interview", args=[candidate.remote_id])).content.decode()
    assert "Amend your scorecard" in page and "Saw the take-home" in page and "History (3" in page
    # Each entry names whose scorecard it was (read with the cards, not per entry).
    history = page.split('class="sc-history"', 1)[1].split("</details>", 1)[0]
    name = reviewer.get_full_name() or reviewer.username
    assert history.count(f"· {name}</span>") == 3 and "Amended" in history and "Submitted" in history


def test_the_audit_page_names_scorecard_actions_in_words(team, admin, reviewer, login, candidate):
    template = services.template_for_posting(team, posting=candidate.posting)
    post_card(login(reviewer), candidate, recommendation="3", **answers_for(template, [3, 3]))

    entry = AuditEntry.objects.get(action=AuditEntry.Action.SCORECARD)
    assert entry.interview == candidate and entry.user == reviewer
    page = login(admin).get(reverse("audit")).content.decode()
    row = page.split('id="audit-table"')[1]
    assert ">Scorecard</span>" in row and ">scorecard</span>" not in row
    # The action filter offers it too.
    assert '<option value="scorecard">Scorecard</option>' in page


def test_the_profile_shows_the_ais_criterion_scores_beside_the_people_and_flags_a_split(
    team, admin, reviewer, login, candidate
):
    template = services.template_for_posting(team, posting=candidate.posting)
    sql, team_q, plan = criteria_of(template)
    services.scorecard_save(
        team,
        user=admin,
        interview=candidate,
        ratings={sql.pk: 1, team_q.pk: 3},
        recommendation=1,
        notes={},
        submit=True,
    )
    services.scorecard_save(
        team,
        user=reviewer,
        interview=candidate,
        ratings={sql.pk: 4, team_q.pk: 2},
        recommendation=4,
        notes={},
        submit=True,
    )
    assert Answer.objects.get(scorecard__user=admin, criterion=sql).ai_score == 8
    page = login(reviewer).get(reverse("interview", args=[candidate.remote_id])).content.decode()
    table = page.split('class="table sc-compare"')[1].split("</table>")[0]
    rows = {
        row.split("</span>")[0].rsplit(">", 1)[-1]: row
        for row in table.split("<tr")[1:]
        if "sc-criterion-name" in row
    }
    assert 'class="is-split"' in f"<tr{rows[sql.name]}" and "8<" in rows[sql.name]  # 1 and 4: split
    assert "is-split" not in rows[team_q.name]  # 3 and 2: one point apart
    assert "3<" in rows[team_q.name]  # the AI's 3/10
    assert "People's recommendations are two or more steps apart" in table


def test_heymilo_rescoring_an_interview_updates_the_ai_scores_kept_beside_ratings(team, admin, candidate):
    template = services.template_for_posting(team, posting=candidate.posting)
    sql = criteria_of(template)[0]
    services.scorecard_save(
        team, user=admin, interview=candidate, ratings={sql.pk: 3}, recommendation=3, notes={}, submit=True
    )
    candidate.document = make_candidate(team, candidate.posting, 99, ai={"q_sql": 2}).document
    candidate.save()
    from dashboard.mirror.signals import interviews_completed

    interviews_completed.send(sender=type(candidate), team=team, interview_ids=[candidate.pk])
    assert Answer.objects.get(criterion=sql).ai_score == 2


# --- compare and shared reports ----------------------------------------------------------------------------


def test_compare_shows_the_teams_recommendations(team, admin, reviewer, login, posting, candidate):
    other = make_candidate(team, posting, 2, score=40, ai={"q_sql": 2})
    services.scorecard_save(
        team, user=admin, interview=candidate, ratings={}, recommendation=4, notes={}, submit=True
    )
    services.scorecard_save(
        team, user=admin, interview=other, ratings={}, recommendation=1, notes={}, submit=True
    )
    services.scorecard_save(
        team, user=reviewer, interview=other, ratings={}, recommendation=2, notes={}, submit=True
    )
    url = reverse("compare") + f"?ids={candidate.remote_id}&ids={other.remote_id}"

    page = login(reviewer).get(url).content.decode()
    recs = page.split("Team recommendations")[1].split("</tr>")[0]
    first, second = recs.split("<td>")[1:3]
    assert "1 hidden until you submit your scorecard" in first and "Strong yes" not in first
    assert "Strong no" in second and ">No</span>" in second  # mine is submitted here: the team's show


def test_the_printed_report_carries_the_submitted_scorecards(team, admin, reviewer, login, candidate):
    template = services.template_for_posting(team, posting=candidate.posting)
    sql = criteria_of(template)[0]
    services.scorecard_save(
        team, user=admin, interview=candidate, ratings={sql.pk: 4}, recommendation=4, notes={}, submit=True
    )
    services.scorecard_save(
        team,
        user=reviewer,
        interview=candidate,
        ratings={sql.pk: 1},
        recommendation=1,
        notes={},
        submit=False,
    )
    page = login(admin).get(reverse("interview_report", args=[candidate.remote_id])).content.decode()
    block = page.split("Team scorecards")[1]
    assert "Strong yes" in block and "4/4 Strong" in block
    assert "Strong no" not in block  # a draft is nobody's but its author's


def test_a_profile_view_writes_nothing_and_the_first_scorecard_starts_the_postings_template(
    team, reviewer, login, candidate
):
    client = login(reviewer)
    page = client.get(reverse("interview", args=[candidate.remote_id])).content.decode()
    assert "Fill in your scorecard" in page
    assert not ScorecardTemplate.objects.exists() and not PostingTemplate.objects.exists()

    response = post_card(client, candidate, action="start")
    assert response.status_code == 302
    template = PostingTemplate.objects.get(posting=candidate.posting).template
    assert template.seeded_from == candidate.posting
    page = client.get(reverse("interview", args=[candidate.remote_id])).content.decode()
    assert "Submit scorecard" in page and QUESTIONS[0][1] in page
    assert not Scorecard.objects.exists()  # starting is not scoring
