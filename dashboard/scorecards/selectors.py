"""Scorecard reads: what a person may see of the team's scorecards of a candidate (blind until they
submit their own, as ratings are), the team's recommendations on the compare page, and the
calibration page's figures, each one or two queries whatever the number of candidates."""

import math
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Avg, Count, F, Q
from django.db.models.functions import Abs

from dashboard.analytics.selectors import CachedFigures, cached_entry, store_entry
from dashboard.core.params import whole_number
from dashboard.mirror.models import Interview
from dashboard.review.models import Decision, ReviewSettings, Stage
from dashboard.review.selectors import latest_decision
from dashboard.scorecards import ai
from dashboard.scorecards.models import (
    SCALE,
    Answer,
    Criterion,
    PostingTemplate,
    Rating,
    Revision,
    Scorecard,
    ScorecardTemplate,
    Section,
)

# People split on a criterion when their ratings are two or more points apart on the 4-point scale
# (Weak beside Good, Mixed beside Strong): one step apart is ordinary noise.
SPLIT_GAP = 2


def ratings_private(team) -> bool:
    return ReviewSettings.for_team(team).ratings_private


# --- the profile -----------------------------------------------------------------------------------


# The scorecard form's rating scale: (value, label), weakest first.
RATINGS = [(int(value), str(label)) for value, label in Rating.choices]


@dataclass(frozen=True, slots=True)
class Choice:
    id: str  # the radio button's element id
    value: str
    label: str
    checked: bool


@dataclass
class Row:
    criterion: Criterion
    ai_score: float | None
    mine: int | None = None
    others: list[int | None] = field(default_factory=list)

    @property
    def field_name(self) -> str:
        """The form field of my rating of this criterion, its radio buttons' ids prefixed with it."""
        return f"r-{self.criterion.pk}"

    @property
    def scale(self) -> list[Choice]:
        """The radio buttons of my rating, their ids and values as text: the form repeats each
        several times per button, and a number is formatted for the locale every time it is shown."""
        name, mine = self.field_name, self.mine
        return [Choice(f"{name}-{value}", str(value), label, mine == value) for value, label in RATINGS]

    @property
    def cells(self) -> list[Choice | None]:
        """People's ratings of this criterion as the comparison table shows them (None: not rated)."""
        words = dict(RATINGS)
        return [Choice("", str(r), words.get(r, ""), False) if r else None for r in self.others]

    @property
    def split(self) -> bool:
        """People's ratings (mine among them once submitted) two or more points apart."""
        given = [r for r in self.others if r is not None]
        return len(given) >= 2 and max(given) - min(given) >= SPLIT_GAP


@dataclass
class SectionRows:
    section: Section
    rows: list[Row] = field(default_factory=list)
    note: str = ""  # my note on the section


@dataclass
class Panel:
    template: object
    sections: list[SectionRows]
    mine: Scorecard | None
    shown: list[Scorecard]  # submitted scorecards this person may read, mine included
    hidden: int  # teammates' submitted scorecards kept from this person until they submit
    revisions: list[Revision]
    recommendation_split: bool
    recommendation: int | None = None  # mine (or what I just sent, when it was refused)
    ai_scale: int = ai.AI_SCALE
    scale: int = SCALE


def visible_cards(team, *, user, interview) -> list[Scorecard]:
    """The candidate's scorecards this person may be shown: their own (draft or not) and the
    submitted ones (panel() then hides teammates' from a reviewer who has not submitted)."""
    return list(
        Scorecard.objects.for_team(team)
        .filter(interview=interview)
        .filter(Q(user=user) | Q(submitted_at__isnull=False))
        .select_related("user", "template")
        .order_by("submitted_at", "id")
    )


def posting_template(posting) -> ScorecardTemplate | None:
    """The template a posting's reviewers fill in; None until the first one is started."""
    choice = PostingTemplate.objects.filter(posting=posting).select_related("template").first()
    return choice.template if choice is not None else None


def panel(team, *, user, interview, template, cards: list[Scorecard], can_review: bool) -> Panel:
    """The profile's scorecard region: the template's criteria with HeyMilo's score of each, my
    answers (draft or submitted), and the team's submitted scorecards I may see. A reviewer with
    private ratings on sees teammates' scorecards only once theirs is submitted; viewers, who never
    score, see every submitted one (as they see every rating). At most four queries beside
    visible_cards(), none of them when there is nothing to read."""
    mine = next((c for c in cards if c.user_id == user.pk), None)
    theirs = [c for c in cards if c.user_id != user.pk and c.submitted_at is not None]
    blind = bool(theirs) and can_review and not (mine and mine.submitted) and ratings_private(team)
    shown = ([mine] if mine and mine.submitted else []) + ([] if blind else theirs)
    answers: dict[int, dict[int, int | None]] = {}
    readable = [c.pk for c in ([mine] if mine else []) + shown]
    if readable:
        for card_id, criterion_id, rating in Answer.objects.filter(scorecard__in=readable).values_list(
            "scorecard_id", "criterion_id", "rating"
        ):
            answers.setdefault(card_id, {})[criterion_id] = rating
    ai_scores = ai.criterion_scores(ai.parse(interview)) if template is not None else {}
    criteria = (
        list(
            Criterion.objects.filter(template=template, archived_at__isnull=True)
            .select_related("section")
            .order_by("section__position", "section_id", "position", "id")
        )
        if template is not None
        else []
    )
    notes = mine.notes if mine else {}
    sections: list[SectionRows] = []
    for criterion in criteria:
        if not sections or sections[-1].section.pk != criterion.section_id:
            sections.append(SectionRows(criterion.section, note=notes.get(str(criterion.section_id), "")))
        row = Row(criterion, ai_scores.get(criterion.ai_key) if criterion.ai_key else None)
        row.mine = answers.get(mine.pk, {}).get(criterion.pk) if mine else None
        row.others = [answers.get(c.pk, {}).get(criterion.pk) for c in shown]
        sections[-1].rows.append(row)
    recommendations = [c.recommendation for c in shown if c.recommendation]
    revisions = (
        list(Revision.objects.filter(scorecard__in=[c.pk for c in shown]).order_by("-created_at", "-id"))
        if shown
        else []
    )
    by_id = {c.pk: c for c in shown}
    for revision in revisions:  # the history names each scorecard's reviewer, read with the cards
        revision.scorecard = by_id[revision.scorecard_id]
    return Panel(
        template,
        sections,
        mine,
        shown,
        0 if not blind else len(theirs),
        revisions,
        len(recommendations) >= 2 and max(recommendations) - min(recommendations) >= SPLIT_GAP,
        mine.recommendation if mine else None,
    )


def keep_posted(panel: Panel, post) -> None:
    """A refused scorecard is shown as it was sent, so nothing typed is lost."""
    for group in panel.sections:
        group.note = post.get(f"note-{group.section.pk}", group.note)
        for row in group.rows:
            row.mine = whole_number(post.get(f"r-{row.criterion.pk}"))
    panel.recommendation = whole_number(post.get("recommendation"))


def team_recommendations(team, *, user, interviews, can_review: bool) -> dict[int, dict]:
    """The compare page's row: each candidate's submitted recommendations this person may see,
    by interview id ({"shown": [scorecards], "hidden": count}). One query for any number."""
    ids = [row.pk for row in interviews]
    cards = list(
        Scorecard.objects.for_team(team)
        .filter(interview_id__in=ids)
        .filter(Q(user=user) | Q(submitted_at__isnull=False))
        .select_related("user")
        .order_by("user__username", "id")
    )
    private = can_review and ratings_private(team) if cards else False
    found: dict[int, dict] = {pk: {"shown": [], "hidden": 0} for pk in ids}
    submitted_mine = {c.interview_id for c in cards if c.user_id == user.pk and c.submitted}
    for card in cards:
        if not card.submitted:
            continue
        if card.user_id != user.pk and private and card.interview_id not in submitted_mine:
            found[card.interview_id]["hidden"] += 1
        else:
            found[card.interview_id]["shown"].append(card)
    return found


def submitted_scorecards(interview) -> list[dict]:
    """A candidate's submitted scorecards for a report the team shares (every one: the person
    sharing chose to show the team's view): who, the recommendation and each rated criterion."""
    cards = list(
        Scorecard.objects.filter(team_id=interview.team_id, interview=interview, submitted_at__isnull=False)
        .select_related("user")
        .order_by("submitted_at", "id")
    )
    rows: dict[int, list] = {}
    for answer in (
        Answer.objects.filter(scorecard__in=[c.pk for c in cards], rating__isnull=False)
        .select_related("criterion")
        .order_by("criterion__section__position", "criterion__position", "criterion_id")
    ):
        rows.setdefault(answer.scorecard_id, []).append(answer)
    return [{"card": card, "answers": rows.get(card.pk, [])} for card in cards]


# --- calibration ---------------------------------------------------------------------------------

# No figure is drawn from fewer candidates than this: below it one or two candidates swing a rate
# or a correlation from one end to the other.
MIN_SAMPLE = 10
# "Scored high" and "scored low" are the score bands' Strong (80+) and Weak (below 50).
HIGH = 80
LOW = 50
DISPUTED_SHOWN = 10


@dataclass
class Rate:
    part: int  # rejected (of the high) or advanced (of the low)
    whole: int  # of those people have acted on

    @property
    def enough(self) -> bool:
        return self.whole >= MIN_SAMPLE

    @property
    def percent(self) -> float | None:
        return 100 * self.part / self.whole if self.whole and self.enough else None


@dataclass
class Outcomes:
    posting_id: int | None
    title: str
    remote_id: str
    high_rejected: Rate
    low_advanced: Rate


@dataclass
class CriterionFigure:
    criterion_id: int
    name: str
    template: str
    n: int
    rho: float | None  # Spearman's rank correlation, None without spread or enough candidates
    gap: float  # mean |people - AI| in points of 100
    lean: float  # mean (people - AI): positive when people rate higher

    @property
    def enough(self) -> bool:
        return self.n >= MIN_SAMPLE


@dataclass
class Disputed:
    remote_id: str
    name: str
    score: float | None
    gap: float
    criteria: int
    reviewers: int


@dataclass
class Figures:
    outcomes: list[Outcomes]  # per posting, then the total ("All postings") first
    criteria: list[CriterionFigure]
    disputed: list[Disputed]
    min_sample: int = MIN_SAMPLE

    @property
    def total(self) -> Outcomes:
        return self.outcomes[0]

    @property
    def widest(self) -> list[CriterionFigure]:
        return sorted((c for c in self.criteria if c.enough), key=lambda c: (-c.gap, c.name))[:5]


def _outcome_filters():
    at_entry = Q(pipeline__isnull=True) | Q(pipeline__stage__role=Stage.Role.ENTRY)
    rejected = Q(pipeline__stage__role=Stage.Role.REJECTED) | (at_entry & Q(decision=Decision.Value.REJECT))
    advanced = (Q(pipeline__stage__kind=Stage.Kind.OPEN) & ~at_entry) | (
        at_entry & Q(decision=Decision.Value.ADVANCE)
    )
    acted = ~at_entry | Q(decision__isnull=False)
    return rejected, advanced, acted


def outcomes(team, posting=None) -> list[Outcomes]:
    """How often people rejected candidates the AI scored high and advanced those it scored low,
    of the candidates people acted on (moved out of the first stage, or decided on); the team's
    current stage and latest decision of each. One GROUP BY posting; the total first."""
    rejected, advanced, acted = _outcome_filters()
    rows = Interview.objects.for_team(team).filter(missing=False, score__isnull=False)
    if posting is not None:
        rows = rows.filter(posting=posting)
    high, low = Q(score__gte=HIGH), Q(score__lt=LOW)
    tally = (
        rows.annotate(decision=latest_decision())
        .values("posting_id", "posting__title", "posting__remote_id")
        .annotate(
            high_acted=Count("id", filter=high & acted),
            high_rejected=Count("id", filter=high & rejected),
            low_acted=Count("id", filter=low & acted),
            low_advanced=Count("id", filter=low & advanced),
        )
        .order_by()
    )
    per = [
        Outcomes(
            t["posting_id"],
            t["posting__title"] or t["posting__remote_id"] or "No posting",
            t["posting__remote_id"] or "",
            Rate(t["high_rejected"], t["high_acted"]),
            Rate(t["low_advanced"], t["low_acted"]),
        )
        for t in tally
    ]
    per.sort(key=lambda o: (-(o.high_rejected.whole + o.low_advanced.whole), o.title.lower()))
    total = Outcomes(
        None,
        "All postings" if posting is None else (posting.title or posting.remote_id),
        "" if posting is None else posting.remote_id,
        Rate(sum(o.high_rejected.part for o in per), sum(o.high_rejected.whole for o in per)),
        Rate(sum(o.low_advanced.part for o in per), sum(o.low_advanced.whole for o in per)),
    )
    return [total] + (per if posting is None else [])


# Spearman's rho per criterion, in one statement: the people's mean rating and the AI's score of
# each candidate on each criterion, ranked within the criterion by window functions (ties share
# their mean rank: RANK plus half the other ties), then the Pearson correlation of those ranks from
# its sums. Portable: SQLite (3.25+) and PostgreSQL both have the window functions.
CRITERIA_SQL = """
WITH pairs AS (
    SELECT a.criterion_id AS c, a.interview_id AS i, AVG(a.rating * 1.0) AS h, AVG(a.ai_score) AS ai
    FROM {answer} a JOIN {interview} iv ON iv.id = a.interview_id
    WHERE a.team_id = %s AND a.submitted = %s AND iv.missing = %s
      AND a.rating IS NOT NULL AND a.ai_score IS NOT NULL {posting}
    GROUP BY a.criterion_id, a.interview_id
), ranked AS (
    SELECT c, h, ai,
        RANK() OVER (PARTITION BY c ORDER BY h) + (COUNT(*) OVER (PARTITION BY c, h) - 1) / 2.0 AS rh,
        RANK() OVER (PARTITION BY c ORDER BY ai) + (COUNT(*) OVER (PARTITION BY c, ai) - 1) / 2.0 AS ra
    FROM pairs
)
SELECT c, COUNT(*), SUM(rh), SUM(ra), SUM(rh * rh), SUM(ra * ra), SUM(rh * ra),
    AVG(ABS(h * {human} - ai * {machine})), AVG(h * {human} - ai * {machine})
FROM ranked GROUP BY c
"""


def correlation(n: int, sx: float, sy: float, sxx: float, syy: float, sxy: float) -> float | None:
    """Pearson's r from the sums (of ranks: Spearman's rho); None when either side has no spread."""
    spread = (n * sxx - sx * sx) * (n * syy - sy * sy)
    if n < 2 or spread <= 1e-9:
        return None
    return max(-1.0, min(1.0, (n * sxy - sx * sy) / math.sqrt(spread)))


def criteria_figures(team, posting=None) -> list[CriterionFigure]:
    sql = CRITERIA_SQL.format(
        answer=Answer._meta.db_table,
        interview=Interview._meta.db_table,
        posting="AND iv.posting_id = %s" if posting is not None else "",
        human=f"{100 / SCALE:.1f}",
        machine=f"{100 / ai.AI_SCALE:.1f}",
    )
    params: list = [team.pk, True, False] + ([posting.pk] if posting is not None else [])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        sums = cursor.fetchall()
    names = {
        c["id"]: c
        for c in Criterion.objects.filter(pk__in=[row[0] for row in sums]).values(
            "id", "name", "template__name"
        )
    }
    figures = []
    for c, n, sx, sy, sxx, syy, sxy, gap, lean in sums:
        rho = (
            correlation(n, float(sx), float(sy), float(sxx), float(syy), float(sxy))
            if n >= MIN_SAMPLE
            else None
        )
        figures.append(
            CriterionFigure(
                c, names[c]["name"], names[c]["template__name"], n, rho, float(gap or 0), float(lean or 0)
            )
        )
    figures.sort(key=lambda f: (-f.n, f.name.lower()))
    return figures


def disputed(team, posting=None) -> list[Disputed]:
    """The candidates whose submitted ratings are furthest from the AI's scores of the same criteria
    (mean gap in points of 100), widest first. One query."""
    rows = Answer.objects.filter(
        team=team, submitted=True, rating__isnull=False, ai_score__isnull=False, interview__missing=False
    )
    if posting is not None:
        rows = rows.filter(interview__posting=posting)
    tally = (
        rows.annotate(gap=Abs(F("rating") * (100.0 / SCALE) - F("ai_score") * (100.0 / ai.AI_SCALE)))
        .values("interview_id", "interview__remote_id", "interview__name", "interview__score")
        .annotate(
            mean_gap=Avg("gap"),
            criteria=Count("criterion", distinct=True),
            reviewers=Count("scorecard", distinct=True),
        )
        .order_by("-mean_gap", "interview_id")[:DISPUTED_SHOWN]
    )
    return [
        Disputed(
            t["interview__remote_id"],
            t["interview__name"] or t["interview__remote_id"],
            t["interview__score"],
            float(t["mean_gap"]),
            t["criteria"],
            t["reviewers"],
        )
        for t in tally
    ]


def figures_key(team, posting=None) -> str:
    """The cache key of a (team, posting)'s figures, without the stamp: the last figures are found
    (and served, marked as updating) after a change, while a worker computes the new ones."""
    return f"calibration:{team.pk}:{posting.pk if posting is not None else ''}"


def compute_figures(team, posting=None) -> Figures:
    """Every calibration figure, four queries whatever the number of candidates: the slow part."""
    return Figures(outcomes(team, posting), criteria_figures(team, posting), disputed(team, posting))


def cached_figures(team, posting=None) -> CachedFigures | None:
    """The last figures of this team and posting, None when there are none yet; not `current` once
    the team's stamp has been renewed (every review write and mirror upsert renews it)."""
    return cached_entry(figures_key(team, posting), team.pk)


def store_figures(team, posting=None) -> Figures:
    return store_entry(figures_key(team, posting), team.pk, lambda: compute_figures(team, posting))


def figures(team, posting=None) -> Figures:
    """The team's figures as the data is now: the cached ones while current, else computed here
    (the CSV downloads: a file carries no "as of" line, so it is never the stale figures)."""
    found = cached_figures(team, posting)
    if found is not None and found.current:
        return found.figures
    return store_figures(team, posting)
