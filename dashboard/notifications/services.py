"""Notification writes: making them for the people who want them, reading, following, choices,
and sending them by email now or in the daily digest."""

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dashboard.accounts.models import Membership, Role, Team
from dashboard.core.tasks import task_named
from dashboard.notifications.models import (
    ADMIN_KINDS,
    DEFAULT_CHANNELS,
    Channel,
    Follow,
    Kind,
    Notification,
    NotificationSettings,
    Preference,
)
from dashboard.review.models import Mention
from dashboard.review.services import mentions_mark_read

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
# The digest's own one-click unsubscribe: every kind sent by digest goes back to in-app only.
DIGEST = "digest"


def channels_for(user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """Each person's channel for this kind (their choice, else the default): one query."""
    ids = list(user_ids)
    chosen = dict(Preference.objects.filter(user_id__in=ids, kind=kind).values_list("user_id", "channel"))
    return {pk: chosen.get(pk, DEFAULT_CHANNELS[Kind(kind)]) for pk in ids}


def notifications_create(
    team: Team,
    *,
    recipient_ids: Iterable[int | None],
    kind: str,
    text: str,
    link: str = "",
    posting=None,
    interview=None,
    mentions: dict[int, Mention] | None = None,
    actor_id: int | None = None,
) -> list[Notification]:
    """One notification for each of `recipient_ids` who is still an active member of the team
    (an admin, for the admins' kinds) and has not turned the kind off; never for the person
    who acted. Email ones are queued for sending when this commits."""
    ids = {pk for pk in recipient_ids if pk is not None} - {actor_id}
    if not ids:
        return []
    members = Membership.objects.filter(team=team, user_id__in=ids, user__is_active=True)
    if kind in ADMIN_KINDS:
        members = members.filter(role=Role.ADMIN)
    people = list(members.values_list("user_id", flat=True))
    channels = channels_for(people, kind)
    now = timezone.now()
    rows = [
        Notification(
            team=team,
            recipient_id=pk,
            kind=kind,
            channel=channels[pk],
            text=text[:300],
            link=link,
            posting=posting,
            interview=interview,
            mention=(mentions or {}).get(pk),
            created_at=now,
        )
        for pk in sorted(people)
        if channels[pk] != Channel.OFF
    ]
    Notification.objects.bulk_create(rows)
    emails = [row.pk for row in rows if row.channel == Channel.EMAIL]
    if emails:
        transaction.on_commit(
            lambda: task_named("dashboard.notifications.tasks.send_notification_emails").delay(emails)
        )
    return rows


def notifications_mark_read(team: Team, *, user, ids: Iterable[int] | None = None) -> int:
    """Marks the person's unread notifications in this team read (all, or those given); an
    @mention's is the Inbox's mention too, so that is marked read with it."""
    rows = Notification.objects.for_person(team, user).unread()
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    mention_ids = [pk for pk in rows.values_list("mention_id", flat=True) if pk is not None]
    done = rows.update(read_at=timezone.now())
    if mention_ids:
        mentions_mark_read(
            team, user=user, mentions=list(Mention.objects.for_team(team).filter(pk__in=mention_ids))
        )
    return done


# --- following postings ----------------------------------------------------------------------


def follow_set(team: Team, *, user, posting, following: bool) -> Follow:
    follow, _ = Follow.objects.update_or_create(
        user=user, posting=posting, defaults={"team": team, "following": following}
    )
    return follow


def follows_touch(team: Team, *, user_id: int | None, posting_ids: Iterable[int | None]) -> None:
    """Admins and reviewers follow the postings they work in (decide, rate, note, import into),
    unless they unfollowed one: that row stays and is left alone."""
    wanted = {pk for pk in posting_ids if pk is not None}
    if user_id is None or not wanted:
        return
    if not Membership.objects.filter(
        team=team, user_id=user_id, role__in=[Role.ADMIN, Role.REVIEWER], user__is_active=True
    ).exists():
        return
    known = set(
        Follow.objects.filter(user_id=user_id, posting_id__in=wanted).values_list("posting_id", flat=True)
    )
    Follow.objects.bulk_create(
        [Follow(team=team, user_id=user_id, posting_id=pk) for pk in sorted(wanted - known)],
        ignore_conflicts=True,
    )


# --- choices -----------------------------------------------------------------------------------


def settings_for(user) -> NotificationSettings:
    found, _ = NotificationSettings.objects.get_or_create(user=user)
    return found


def preferences_update(
    user, *, channels: dict[str, str], time_zone: str, digest_hour: int, browser: bool, sound: bool
) -> NotificationSettings:
    with transaction.atomic():
        for kind, channel in channels.items():
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"channel": channel})
        chosen = settings_for(user)
        chosen.time_zone, chosen.digest_hour = time_zone, digest_hour
        chosen.browser, chosen.sound = browser, sound
        chosen.save()
    return chosen


def unsubscribe_token(user, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(user, kind: str) -> str:
    return absolute(reverse("notifications_unsubscribe", args=[unsubscribe_token(user, kind)]))


def unsubscribe_read(token: str) -> tuple[object, str] | None:
    """The person and kind a token names, or None when it was not made by us."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = get_user_model().objects.get(pk=int(data["u"]))
        kind = str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, get_user_model().DoesNotExist):
        return None
    if kind != DIGEST and kind not in Kind.values:
        return None
    return user, kind


def unsubscribe_apply(user, kind: str) -> list[str]:
    """One kind's email turned off (in-app stays); for the digest, every kind it carried."""
    if kind == DIGEST:
        kinds = [k for k in Kind.values if channels_for([user.pk], k)[user.pk] == Channel.DIGEST]
    else:
        kinds = [kind]
    for k in kinds:
        Preference.objects.update_or_create(user=user, kind=k, defaults={"channel": Channel.IN_APP})
    return kinds


# --- email -------------------------------------------------------------------------------------


def absolute(link: str) -> str:
    from dashboard.mail.services import absolute_url

    return absolute_url(link) if link.startswith("/") else link


def notification_email_send(notification: Notification) -> bool:
    """Sends one "email now" notification, unless it was read, sent already, or its person has
    left the team since."""
    from dashboard.mail.services import mail_send

    if notification.emailed_at or notification.read_at:
        return False
    user = notification.recipient
    if not user.is_active or not user.email:
        return False
    if not Membership.objects.filter(team=notification.team, user=user).exists():
        return False
    mail_send(
        to=user.email,
        subject=notification.text[:150],
        template="notification",
        context={"notification": notification, "user": user, "link": absolute(notification.link)},
        team=notification.team,
        unsubscribe_url=unsubscribe_url(user, notification.kind),
        kind=notification.kind,
    )
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return True


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def digest_due(chosen: NotificationSettings | None, now: datetime) -> bool:
    """It is the person's chosen hour where they are, and no digest went out this past hour
    (beat's hourly run can come twice in an hour after a restart)."""
    hour = chosen.digest_hour if chosen else 8
    zone = _zone(chosen.time_zone if chosen else "UTC")
    if now.astimezone(zone).hour != hour:
        return False
    return not (chosen and chosen.last_digest_at and chosen.last_digest_at > now - timedelta(minutes=50))


def digests_send(*, now: datetime | None = None, everyone: bool = False) -> int:
    """Sends each person whose hour it is (everyone with anything waiting, with `everyone`) one
    digest per team of what waits for them there; returns the number of emails."""
    from dashboard.mail.services import mail_send

    now = now or timezone.now()
    waiting = Notification.objects.filter(channel=Channel.DIGEST, digested_at__isnull=True).unread()
    people = (
        get_user_model()
        .objects.filter(pk__in=waiting.values("recipient_id"), is_active=True)
        .select_related("notification_settings")
    )
    sent = 0
    for user in people:
        chosen = getattr(user, "notification_settings", None)
        if not everyone and not digest_due(chosen, now):
            continue
        if not user.email:
            continue
        teams = Team.objects.filter(memberships__user=user)
        rows = list(
            waiting.filter(recipient=user, team__in=teams)
            .select_related("team", "interview", "posting")
            .order_by("team_id", "kind", "created_at")
        )
        by_team: dict[Team, list[Notification]] = defaultdict(list)
        for row in rows:
            by_team[row.team].append(row)
        for team, items in by_team.items():
            sections = digest_sections(items)
            count = len(items)
            mail_send(
                to=user.email,
                subject=f"{team.name}: {count} update{'s' if count != 1 else ''} in your daily digest",
                template="digest",
                context={
                    "user": user,
                    "team": team,
                    "sections": sections,
                    "count": count,
                    "centre_url": absolute(reverse("notifications")),
                    "preferences_url": absolute(reverse("notification_preferences")),
                },
                team=team,
                unsubscribe_url=unsubscribe_url(user, DIGEST),
                kind=DIGEST,
            )
            Notification.objects.filter(pk__in=[row.pk for row in items]).update(digested_at=now)
            sent += 1
        # What waited in a team the person has left is never sent: it stops waiting.
        waiting.filter(recipient=user).exclude(team__in=teams).update(digested_at=now)
        if chosen is None:
            chosen = settings_for(user)
        chosen.last_digest_at = now
        chosen.save(update_fields=["last_digest_at"])
    return sent


DIGEST_HEADINGS = {
    Kind.MENTION: "Mentions",
    Kind.REPLY: "New notes where you wrote one",
    Kind.DECISION: "Decisions on candidates you rated",
    Kind.INTERVIEW_COMPLETED: "Interviews completed",
    Kind.JOB: "Imports and exports",
    Kind.SYNC_FAILING: "Syncs",
    Kind.KEY_REJECTED: "HeyMilo API key",
    Kind.WEBHOOKS_REJECTED: "Webhooks",
}


def digest_sections(items: list[Notification]) -> list[dict]:
    """The digest's sections in a fixed order (what needs the person first), each item with its
    absolute link."""
    order = list(DIGEST_HEADINGS)
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in items:
        grouped[row.kind].append({"text": row.text, "link": absolute(row.link), "at": row.created_at})
    return [
        {"heading": DIGEST_HEADINGS[Kind(kind)], "items": grouped[kind]}
        for kind in order
        if grouped.get(kind)
    ]


def kind_label(kind: str) -> str:
    """What an unsubscribe page names: a kind, or the daily digest."""
    return "Your daily digest" if kind == DIGEST else Kind(kind).label
