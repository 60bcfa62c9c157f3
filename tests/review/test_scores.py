"""One score language (dashboard/core/scores.py) and people's words for statuses and steps
(dashboard/core/labels.py): every score with its scale and the same band on every page."""

import re

import pytest
from django.template import engines

from dashboard.core import labels, scores
from dashboard.review import charts
from tests.review.conftest import make_interview

pytestmark = pytest.mark.django_db


def render(template: str, **context) -> str:
    return engines["django"].from_string("{% load scores %}" + template).render(context)


def visible(html: str) -> str:
    """What a sighted reader sees: the text without the screen-reader-only band word."""
    return re.sub(r"<[^>]*>", "", re.sub(r'<span class="visually-hidden">[^<]*</span>', "", html))


# --- the filter on each of HeyMilo's scales ----------------------------------------------------


@pytest.mark.parametrize(
    ("template", "value", "seen", "band", "fill"),
    [
        ("{{ v|score }}", 68, "68/100", "good", "w7"),  # overall, 0-100
        ('{{ v|score:"resume" }}', 3.4, "3.4/5", "good", "w7"),  # resume 3.4/5 is 68/100
        ('{{ v|score:"question" }}', 9, "9/10", "strong", "w9"),  # a scorecard question, 1-10
        ('{{ v|score:"match" }}', 69, "69/100", "good", "w7"),  # match score, 0-100
        ('{{ v|score:"criterion" }}', 4.5, "4.5/5", "strong", "w9"),  # a resume criterion
        ('{{ v|score:"speech" }}', 2.2, "2.2/5", "weak", "w4"),  # communication
        ("{{ v|score:10 }}", 6, "6/10", "mixed", "w6"),  # a scale by number
    ],
)
def test_the_filter_writes_each_scale_with_its_band_and_meter(template, value, seen, band, fill):
    html = render(template, v=value)
    assert visible(html) == seen
    word = scores.BAND_WORDS[band]
    assert f'class="score score-{band}"' in html and f'title="{word}: ' in html
    assert f'<span class="visually-hidden"> {word}</span>' in html  # colour never alone
    meter = f'<span class="score-meter" aria-hidden="true"><span class="score-fill {fill}"></span></span>'
    assert meter in html
    assert "style=" not in html  # the CSP allows no inline style: widths are classes


def test_the_whole_markup_of_one_score():
    assert scores.score_html(86, scores.OVERALL) == (
        '<span class="score score-strong" title="Strong: 86 out of 100"><span class="score-value">86</span>'
        '<span class="score-scale">/100</span><span class="score-meter" aria-hidden="true">'
        '<span class="score-fill w9"></span></span><span class="visually-hidden"> Strong</span></span>'
    )
    assert "score-meter" not in render('{{ v|score_plain:"resume" }}', v=4.2)


@pytest.mark.parametrize(
    ("value", "scale", "band"),
    [
        (49.9, 100, "weak"),
        (50, 100, "mixed"),
        (64.9, 100, "mixed"),
        (65, 100, "good"),
        (79.9, 100, "good"),
        (80, 100, "strong"),
        (0, 100, "weak"),
        (100, 100, "strong"),
        (3.2, 5, "mixed"),  # 64/100
        (3.25, 5, "good"),  # 65/100
        (4, 5, "strong"),  # 80/100
        (2.45, 5, "weak"),  # 49/100
        (6.4, 10, "mixed"),
        (6.5, 10, "good"),
        (7.9, 10, "good"),
        (8, 10, "strong"),
        (4.9, 10, "weak"),
        (None, 100, None),
        ("", 100, None),
    ],
)
def test_band_edges_are_the_same_on_every_scale(value, scale, band):
    assert scores.band(value, scale) == band


@pytest.mark.parametrize(
    ("value", "scale", "seen", "band"),
    [
        (85.5, 100, "86", "strong"),  # halves round up (Python's round() writes 84.5 as 84)
        (84.5, 100, "85", "strong"),
        (79.6, 100, "80", "strong"),  # the band of the number as written: "80/100" is never Good
        (64.4, 100, "64", "mixed"),
        (4.0, 5, "4", "strong"),  # whole: no ".0"
        (4.35, 5, "4.4", "strong"),  # 4.35 is stored as 4.3499…; written as a person rounds it
        (3.24, 5, "3.2", "mixed"),
        (9.0, 10, "9", "strong"),
        ("72", 100, "72", "good"),  # a number sent as text is still a number
    ],
)
def test_numbers_are_written_whole_on_100_and_to_one_decimal_on_5_and_10(value, scale, seen, band):
    html = scores.score_html(value, scale)
    assert f'<span class="score-value">{seen}</span><span class="score-scale">/{scale}</span>' in html
    assert f"score-{band}" in html


@pytest.mark.parametrize("value", [None, "", float("nan"), float("inf")])
def test_no_score_is_a_muted_dash(value):
    html = render("{{ v|score }}", v=value)
    assert html == '<span class="score score-none">—<span class="visually-hidden">no score</span></span>'
    assert scores.band(value) is None


def test_text_that_is_no_number_is_escaped_and_unbanded_not_lost():
    html = render('{{ v|score:"resume" }}', v='<img src=x onerror=alert(1)>"')
    assert html == '<span class="score score-none">&lt;img src=x onerror=alert(1)&gt;&quot;</span>'
    assert "<img" not in html and "score-meter" not in html


@pytest.mark.parametrize(
    ("value", "fill"), [(0, "w0"), (-5, "w0"), (4, "w0"), (5, "w1"), (100, "w10"), (120, "w10"), (95, "w10")]
)
def test_the_meter_fills_in_ten_percent_steps_within_its_bounds(value, fill):
    assert f'class="score-fill {fill}"' in scores.score_html(value, 100)


def test_a_scale_name_templates_cannot_misspell_silently():
    with pytest.raises(ValueError):
        render('{{ v|score:"resumé" }}', v=3)


# --- one candidate, the same band everywhere ---------------------------------------------------


def test_one_candidate_has_the_same_band_in_table_profile_compare_and_chart(login, viewer, team, posting):
    """72/100 is Good in the candidate table, the profile, compare and the posting's histogram;
    their resume 3.1/5 (62/100) is Mixed on compare, their match 81/100 Strong on the profile."""
    dee = make_interview(
        team, posting, remote_id="int_dee", name="Dee Dee", score=72, resume_score=3.1, match_score=81
    )
    other = make_interview(team, posting, remote_id="int_oth", name="Other One", score=40)
    client = login(viewer)

    page = client.get(f"/postings/{posting.remote_id}/").text
    row = re.search(r'<tr[ >](?:(?!</tr>).)*value="int_dee"(?:(?!</tr>).)*</tr>', page, re.S).group(0)
    assert re.search(r'class="score score-good"[^>]*><span class="score-value">72</span>', row)
    # The histogram: Dee's bar (70–79) drawn in the Good colour, the other's (40–49) Weak.
    assert re.search(r'<rect class="bar band-good"', page) and re.search(r'<rect class="bar band-weak"', page)
    bars = {bar.label: bar for bar in charts.score_histogram(posting)}
    assert [(s.band, s.count) for s in bars["70–79"].segments] == [("good", 1)]

    profile = client.get(f"/interviews/{dee.remote_id}/").text
    value = r'[^>]*><span class="score-value">'
    assert re.search(r'Overall</span> <span class="score score-good"' + value + "72</span>", profile)
    assert re.search(r'Match</span> <span class="score score-strong"' + value + "81</span>", profile)

    compare = client.get(f"/candidates/compare/?ids={dee.remote_id}&ids={other.remote_id}").text
    assert re.search(r'class="score score-good"[^>]*><span class="score-value">72</span>', compare)
    assert re.search(r'class="score score-mixed"[^>]*><span class="score-value">3.1</span>', compare)
    assert re.search(r'class="score score-weak"[^>]*><span class="score-value">40</span>', compare)


def test_the_60s_bar_is_mixed_below_65_and_good_from_65(team, posting):
    for n, value in enumerate([60, 64.4, 64.5, 69]):  # 64.5 is written 65: Good, as in the table
        make_interview(team, posting, remote_id=f"int_s{n}", score=value)
    bar = {bar.label: bar for bar in charts.score_histogram(posting)}["60–69"]
    assert [(s.band, s.count) for s in bar.segments] == [("mixed", 2), ("good", 2)]
    assert sum(s.height for s in bar.segments) == bar.height == charts.CHART_HEIGHT
    assert bar.segments[0].y + bar.segments[0].height == charts.CHART_HEIGHT  # Mixed at the bottom
    assert bar.segments[1].y + bar.segments[1].height == bar.segments[0].y


# --- people's words for statuses and steps -----------------------------------------------------


@pytest.mark.parametrize(
    ("status", "label"),
    [
        ("knocked_out", "Knocked out"),
        ("in_progress", "In progress"),
        ("completed", "Completed"),
        ("pending", "Pending"),
        ("evaluating", "Evaluating"),
        ("shortlisted", "Shortlisted"),
        ("dismissed", "Dismissed"),
        ("KNOCKED_OUT", "Knocked out"),
        ("awaiting_sms_reply", "Awaiting SMS reply"),  # a status HeyMilo adds later, still in words
        ("", "Unknown"),
        (None, "Unknown"),
    ],
)
def test_statuses_are_written_in_words(status, label):
    assert labels.status_label(status) == label


@pytest.mark.parametrize(
    ("step", "siblings", "label"),
    [
        ("resume_screen_1", ["resume_screen_1", "web_interview_1"], "Resume screen"),
        ("web_interview_1", ["resume_screen_1", "web_interview_1"], "Web interview"),
        ("sms_screen_1", ["sms_screen_1"], "SMS screen"),
        ("voice_interview_1", [], "Voice interview"),
        ("resume_upload", [], "Resume screen"),  # HeyMilo reference's own step id
        ("conversational_sms", [], "SMS screen"),  # a posting's step type
        ("resume", [], "Resume screen"),
        ("web_interview_2", ["web_interview_1", "web_interview_2"], "Web interview 2"),  # two of a kind
        ("sms_follow_up", [], "SMS follow up"),
        ("reference_check_1", ["reference_check_1"], "Reference check"),
        ("", [], "Step"),
        (None, [], "Step"),
    ],
)
def test_steps_are_named_in_words_without_a_lone_index(step, siblings, label):
    assert labels.step_label(step, siblings) == label


def test_tables_profile_and_compare_write_statuses_and_steps_in_words(login, viewer, team, posting):
    steps = [
        {"id": "resume_screen_1", "order": 1, "complete": True},
        {"id": "sms_screen_1", "order": 2, "complete": False},
    ]
    out = make_interview(
        team,
        posting,
        remote_id="int_ko",
        name="Kay Out",
        status="knocked_out",
        resume_score=1.5,
        document={
            "interview_id": "int_ko",
            "details": {"name": "Kay Out"},
            "workflow": {"step_by_step": steps},
        },
    )
    other = make_interview(team, posting, remote_id="int_ip", name="Ian Prog", status="in_progress")
    client = login(viewer)
    for url in (
        f"/postings/{posting.remote_id}/",
        "/candidates/",
        f"/interviews/{out.remote_id}/",
        f"/candidates/compare/?ids={out.remote_id}&ids={other.remote_id}",
    ):
        html = client.get(url).text
        assert ">Knocked out<" in html, url
        assert ">knocked_out<" not in html and ">Knocked_out<" not in html, url
    profile = client.get(f"/interviews/{out.remote_id}/").text
    # The profile's stage scores card names each step.
    assert '<span class="small">Resume screen</span>' in profile
    assert '<span class="small">SMS screen</span>' in profile
    assert "screen 1" not in profile.lower() and "Sms" not in profile
    workflow = client.get(f"/interviews/{out.remote_id}/workflow/").text
    assert "<strong>Resume screen</strong>" in workflow and "<strong>SMS screen</strong>" in workflow
    compare = client.get(f"/candidates/compare/?ids={out.remote_id}&ids={other.remote_id}").text
    assert ">Resume screen<" in compare and ">SMS screen<" in compare
    assert ">In progress<" in compare


def test_the_status_filter_offers_the_same_words(login, viewer, posting):
    html = login(viewer).get(f"/postings/{posting.remote_id}/").text
    for value, label in labels.STATUS_LABELS.items():
        assert f'<option value="{value}">{label}</option>' in html
