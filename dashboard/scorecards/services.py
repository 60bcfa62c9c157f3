"""Scorecard writes: templates (seeded from HeyMilo's scorecards, or written as an outline), the
posting's choice of template, and a reviewer's scorecard (draft, submit, amend).

Each write is one transaction; a scorecard write goes through review's audit_record, which also
renews the team's stamp so cached figures (the calibration page) are computed again. Bad input
raises ScorecardError with a sentence the page shows as it is; nothing is written then."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from dashboard.accounts.models import Team
from dashboard.analytics.services import recompute_done, recompute_enqueue
from dashboard.mirror.models import Interview, Posting
from dashboard.review.models import AuditAction
from dashboard.review.services import audit_record
from dashboard.scorecards import ai, selectors
from dashboard.scorecards.models import (
    Answer,
    Criterion,
    PostingTemplate,
    Recommendation,
    Revision,
    Scorecard,
    ScorecardTemplate,
    Section,
)

# How many of a posting's analysed interviews are read for HeyMilo's questions when seeding:
# every interview of a posting is asked the same questions, a few cover the odd skipped one.
SEED_SAMPLE = 25
AI_SECTION = "Interview"
# A posting none of whose interviews has a scorecard yet still gets something to rate.
GENERIC = (
    ("Role fit", ("Skills for the role", "Experience"), ""),
    ("Working with others", ("Communication",), ""),
)
MAX_NOTE = 5000
AUDIT_ACTION = AuditAction.SCORECARD


class ScorecardError(ValueError):
    """What the person asked cannot be done; the message says why, in their words."""


# --- templates -------------------------------------------------------------------------------------


def _seed_criteria(posting) -> list[ai.AICriterion]:
    rows = (
        Interview.objects.filter(team=posting.team, posting=posting, missing=False, status="completed")
        .order_by("-last_engagement", "-id")
        .only("document", "remote_id")[:SEED_SAMPLE]
    )
    found: dict[str, ai.AICriterion] = {}
    order: dict[str, tuple] = {}
    for n, row in enumerate(rows):
        for m, criterion in enumerate(ai.criteria(ai.parse(row))):
            if criterion.key not in found:
                found[criterion.key] = criterion
                order[criterion.key] = (criterion.rank if criterion.rank is not None else 1_000_000, n, m)
    return sorted(found.values(), key=lambda c: order[c.key])


@transaction.atomic
def template_seed(team, *, posting, user=None) -> ScorecardTemplate:
    """A template of the questions HeyMilo's scorecards for this posting rated (one criterion
    each, its evaluation criteria as what good looks like); generic criteria when HeyMilo has
    scored none of the posting's interviews yet."""
    title = (posting.title or posting.remote_id)[:100]
    template = ScorecardTemplate.objects.create(
        team=team, name=f"{title} scorecard", seeded_from=posting, created_by=user
    )
    found = _seed_criteria(posting)
    if found:
        section = Section.objects.create(team=team, template=template, name=AI_SECTION, position=0)
        Criterion.objects.bulk_create(
            Criterion(
                team=team,
                template=template,
                section=section,
                name=c.name,
                description=c.description,
                position=n,
                ai_key=c.key,
            )
            for n, c in enumerate(found)
        )
    else:
        for s, (name, names, description) in enumerate(GENERIC):
            section = Section.objects.create(team=team, template=template, name=name, position=s)
            Criterion.objects.bulk_create(
                Criterion(
                    team=team, template=template, section=section, name=c, description=description, position=n
                )
                for n, c in enumerate(names)
            )
    return template


@transaction.atomic
def template_for_posting(team, *, posting, user=None) -> ScorecardTemplate:
    """The template the posting uses; the first time it is needed, one seeded from HeyMilo's
    scorecards for the posting."""
    choice = (
        PostingTemplate.objects.select_for_update().filter(posting=posting).select_related("template").first()
    )
    if choice is not None:
        return choice.template
    template = template_seed(team, posting=posting, user=user)
    try:
        with transaction.atomic():
            PostingTemplate.objects.create(team=team, posting=posting, template=template, chosen_by=user)
    except IntegrityError:  # someone else's first view seeded it meanwhile: theirs stands
        template.delete()
        return PostingTemplate.objects.get(posting=posting).template
    return template


@transaction.atomic
def posting_template_set(team, *, user, posting, template) -> PostingTemplate:
    if template.team_id != team.pk or posting.team_id != team.pk:
        raise ScorecardError("Choose one of the team's templates.")
    choice, _ = PostingTemplate.objects.update_or_create(
        posting=posting,
        defaults={"team": team, "template": template, "chosen_by": user, "chosen_at": timezone.now()},
    )
    return choice


def outline_parse(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """An outline as [(section, [(criterion, what good looks like)])]: a line starting with "#" is
    a section, each line under it a criterion, its description after "—" (or " -- ")."""
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            name = " ".join(line.lstrip("#").split())
            if not name:
                raise ScorecardError(f"Line {number}: a section needs a name after the #.")
            if len(name) > 120:
                raise ScorecardError(f"Line {number}: section names are at most 120 characters.")
            sections.append((name, []))
            continue
        if not sections:
            raise ScorecardError(
                f"Line {number}: start with a section (a line like “# Skills”) above the criteria."
            )
        line = line.lstrip("-•* ").strip()
        for separator in ("—", " -- "):
            if separator in line:
                name, description = (part.strip() for part in line.split(separator, 1))
                break
        else:
            name, description = line, ""
        name = " ".join(name.split())
        if not name:
            raise ScorecardError(f"Line {number}: the criterion has no name before the “—”.")
        if len(name) > 300:
            raise ScorecardError(f"Line {number}: criterion names are at most 300 characters.")
        if name.lower() in seen:
            raise ScorecardError(f"Line {number}: “{name}” is on the template already.")
        seen.add(name.lower())
        sections[-1][1].append((name, description))
    if not any(criteria for _, criteria in sections):
        raise ScorecardError("Add at least one criterion under a section.")
    return sections


def outline_of(template: ScorecardTemplate) -> str:
    """The template written as the outline the edit form takes."""
    lines = []
    for section in template.sections.filter(archived_at__isnull=True):
        lines.append(f"# {section.name}")
        for c in section.criteria.filter(archived_at__isnull=True):
            lines.append(f"{c.name} — {c.description}" if c.description else c.name)
        lines.append("")
    return "\n".join(lines).strip() + "\n"


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ScorecardError("Give the template a name.")
    if len(name) > 120:
        raise ScorecardError("Template names are at most 120 characters.")
    return name


@transaction.atomic
def template_create(team, *, user, name: str, outline: str) -> ScorecardTemplate:
    parsed = outline_parse(outline)
    template = ScorecardTemplate.objects.create(team=team, name=_clean_name(name), created_by=user)
    _apply_outline(template, parsed)
    return template


@transaction.atomic
def template_update(team, *, user, template, name: str, outline: str) -> ScorecardTemplate:
    """Renames and reshapes a template. A criterion keeps its identity (its ratings, its HeyMilo
    question) by name; one left out is archived, not deleted, so submitted scorecards keep it."""
    if template.team_id != team.pk:
        raise ScorecardError("That template is not one of this team's.")
    parsed = outline_parse(outline)
    template.name = _clean_name(name)
    template.updated_at = timezone.now()
    template.save(update_fields=["name", "updated_at"])
    _apply_outline(template, parsed)
    return template


def _apply_outline(template, parsed) -> None:
    now = timezone.now()
    sections = {s.name.lower(): s for s in Section.objects.filter(template=template)}
    criteria = {c.name.lower(): c for c in Criterion.objects.filter(template=template)}
    kept_sections, kept_criteria = set(), set()
    for s_pos, (s_name, items) in enumerate(parsed):
        section = sections.get(s_name.lower())
        if section is None:
            section = Section.objects.create(
                team=template.team, template=template, name=s_name, position=s_pos
            )
        else:
            section.name, section.position, section.archived_at = s_name, s_pos, None
            section.save(update_fields=["name", "position", "archived_at"])
        kept_sections.add(section.pk)
        for c_pos, (c_name, description) in enumerate(items):
            criterion = criteria.get(c_name.lower())
            if criterion is None:
                criterion = Criterion.objects.create(
                    team=template.team,
                    template=template,
                    section=section,
                    name=c_name,
                    description=description,
                    position=c_pos,
                )
            else:
                criterion.section, criterion.name, criterion.description = section, c_name, description
                criterion.position, criterion.archived_at = c_pos, None
                criterion.save(update_fields=["section", "name", "description", "position", "archived_at"])
            kept_criteria.add(criterion.pk)
    Section.objects.filter(template=template, archived_at__isnull=True).exclude(pk__in=kept_sections).update(
        archived_at=now
    )
    Criterion.objects.filter(template=template, archived_at__isnull=True).exclude(
        pk__in=kept_criteria
    ).update(archived_at=now)


# --- a reviewer's scorecard -------------------------------------------------------------------------


def _state(card: Scorecard, ratings: dict[str, int | None]) -> dict:
    return {"recommendation": card.recommendation, "ratings": ratings, "submitted": card.submitted}


@transaction.atomic
def scorecard_save(
    team,
    *,
    user,
    interview,
    ratings: dict[int, int | None],
    recommendation: int | None,
    notes: dict[int, str],
    submit: bool,
    reason: str = "",
) -> Scorecard:
    """Saves the reviewer's scorecard of the candidate: a draft, or submitted (which needs an
    overall recommendation). Once submitted it stays submitted, and every later save is an
    amendment recorded as a new Revision."""
    if interview.team_id != team.pk:
        raise ScorecardError("That candidate is not one of this team's.")
    card = Scorecard.objects.select_for_update().filter(interview=interview, user=user).first()
    if card is None:
        template = (
            template_for_posting(team, posting=interview.posting, user=user)
            if interview.posting_id
            else template_for_team(team, user=user)
        )
        card = Scorecard(team=team, interview=interview, user=user, template=template)
    criteria = {c.pk: c for c in Criterion.objects.filter(template=card.template)}
    sections = set(Section.objects.filter(template=card.template).values_list("pk", flat=True))
    for criterion_id, value in ratings.items():
        if criterion_id not in criteria:
            raise ScorecardError("A rating names a criterion that is not on this scorecard: reload the page.")
        if value is not None and not 1 <= value <= 4:
            raise ScorecardError("Rate each criterion from 1 to 4.")
    for section_id, text in notes.items():
        if section_id not in sections:
            raise ScorecardError("A note names a section that is not on this scorecard: reload the page.")
        if len(text) > MAX_NOTE:
            raise ScorecardError(f"Notes are at most {MAX_NOTE} characters a section.")
    if recommendation is not None and recommendation not in Recommendation.values:
        raise ScorecardError("Choose a recommendation: Strong no, No, Yes or Strong yes.")
    submitting = submit or card.submitted
    if submitting and recommendation is None:
        raise ScorecardError("Choose an overall recommendation before submitting.")
    amending = card.submitted
    before = _state(card, _ratings_of(card)) if card.pk else None

    now = timezone.now()
    card.recommendation = recommendation
    card.notes = {str(k): v.strip() for k, v in notes.items() if v.strip()}
    card.updated_at = now
    if submitting and card.submitted_at is None:
        card.submitted_at = now
    card.save()
    ai_scores = ai.criterion_scores(ai.parse(interview))
    existing = {a.criterion_id: a for a in Answer.objects.filter(scorecard=card)}
    for criterion_id, criterion in criteria.items():
        if criterion_id not in ratings and criterion_id not in existing:
            continue
        answer = existing.get(criterion_id) or Answer(
            team=team, scorecard=card, interview=interview, criterion=criterion
        )
        if criterion_id in ratings:
            answer.rating = ratings[criterion_id]
        answer.ai_score = ai_scores.get(criterion.ai_key) if criterion.ai_key else None
        answer.submitted = card.submitted
        answer.save()
    after_ratings = _ratings_of(card)
    if card.submitted:
        number = (card.revisions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        Revision.objects.create(
            team=team,
            scorecard=card,
            user=user,
            number=number,
            recommendation=card.recommendation,
            ratings=after_ratings,
            notes=card.notes,
            reason=reason.strip()[:MAX_NOTE] if amending else "",
            created_at=now,
        )
    audit_record(
        team,
        user=user,
        action=AUDIT_ACTION,
        interview=interview,
        before=before,
        after={**_state(card, after_ratings), "amended": amending},
    )
    return card


def _ratings_of(card: Scorecard) -> dict[str, int | None]:
    return {str(c): r for c, r in Answer.objects.filter(scorecard=card).values_list("criterion_id", "rating")}


def template_for_team(team, *, user) -> ScorecardTemplate:
    """For a candidate with no posting: the team's first template, or a generic one made now."""
    template = ScorecardTemplate.objects.for_team(team).order_by("id").first()
    if template is not None:
        return template
    template = ScorecardTemplate.objects.create(team=team, name="General scorecard", created_by=user)
    _apply_outline(template, [(name, [(c, d) for c in names]) for name, names, d in GENERIC])
    return template


# --- HeyMilo's scores beside the people's ---------------------------------------------------------------


def ai_scores_refresh(team, *, interview_ids) -> int:
    """Copies each interview's current AI criterion scores onto its answers (after HeyMilo
    re-analysed it). Returns how many answers changed."""
    answers = list(
        Answer.objects.filter(team=team, interview_id__in=list(interview_ids))
        .exclude(criterion__ai_key="")
        .select_related("criterion")
    )
    if not answers:
        return 0
    docs = {
        row.pk: ai.criterion_scores(ai.parse(row))
        for row in Interview.objects.filter(pk__in={a.interview_id for a in answers}).only(
            "document", "remote_id"
        )
    }
    changed = []
    for answer in answers:
        score = docs.get(answer.interview_id, {}).get(answer.criterion.ai_key)
        if score != answer.ai_score:
            answer.ai_score = score
            changed.append(answer)
    Answer.objects.bulk_update(changed, ["ai_score"])
    return len(changed)


def ai_scores_refresh_signal(sender, *, team, interview_ids, **kwargs) -> None:
    ai_scores_refresh(team, interview_ids=interview_ids)


# --- the calibration page's figures, recomputed in a worker ---------------------------------------------

RECOMPUTE_TASK = "dashboard.scorecards.tasks.recompute_calibration"


def calibration_recompute_enqueue(team, *, posting=None) -> bool:
    """Queues one recompute of this (team, posting)'s figures unless one is pending (analytics'
    deduplicated queue); True if queued."""
    return recompute_enqueue(
        key=selectors.figures_key(team, posting),
        task=RECOMPUTE_TASK,
        args=[team.pk, posting.pk if posting is not None else None],
    )


def calibration_recompute(*, team_id: int, posting_id: int | None) -> None:
    """Computes and caches the figures; a team or posting deleted meanwhile leaves nothing to do."""
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        return
    posting = None
    if posting_id is not None:
        posting = Posting.objects.for_team(team).filter(pk=posting_id).first()
        if posting is None:
            return
    key = selectors.figures_key(team, posting)
    try:
        selectors.store_figures(team, posting)
    finally:
        recompute_done(key=key)
