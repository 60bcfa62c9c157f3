"""Read queries behind the webhook pages: the live notices, the event log, the webhooks list."""

from dashboard.accounts.models import Team
from dashboard.mirror.models import Interview
from dashboard.webhooks.models import EVENT_VERBS, Delivery


def notices(team: Team, *, after: int, limit: int = 5) -> list[dict]:
    """What changed since the page loaded: processed deliveries newer than `after`, newest first."""
    rows = list(Delivery.objects.for_team(team).filter(id__gt=after, state=Delivery.State.PROCESSED)
                .only("id", "event_type", "interview_id", "processed_at").order_by("-id")[:limit])
    interviews = {i.remote_id: i for i in Interview.objects.for_team(team)
                  .filter(remote_id__in={d.interview_id for d in rows})
                  .only("remote_id", "name", "status", "score")}
    return [{
        "id": d.id,
        "interview_id": d.interview_id,
        "interview": interviews.get(d.interview_id),
        "name": getattr(interviews.get(d.interview_id), "name", "") or "A candidate",
        "verb": EVENT_VERBS.get(d.event_type, d.event_type),
        "at": d.processed_at,
    } for d in rows]
