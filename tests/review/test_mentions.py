"""@mentions in notes: only teammates resolve, one Mention each, an inbox with a header badge, opening
marks read, "mark all read", and the note text rendered escaped."""

import html as htmllib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.review.models import Mention, Note
from dashboard.review.selectors import mention_candidates
from dashboard.review.services import note_add
from dashboard.review.templatetags.review import with_mentions
from tests.review.conftest import make_interview

pytestmark = pytest.mark.django_db


@pytest.fixture
def row(team, posting):
    return make_interview(team, posting, remote_id="int_m1", name="Mia Mention")


def mentioned(note) -> list[str]:
    return sorted(note.mentions.values_list("user__username", flat=True))


def test_only_members_of_the_same_team_resolve(team, row, admin, reviewer, viewer, outsider):
    note = note_add(team, interview=row, user=admin, body="@bob and @carol please look; @mallory @nobody too")
    assert mentioned(note) == ["bob", "carol"]  # mallory is in another team; nobody does not exist
    assert Mention.objects.filter(team=team).count() == 2


def test_punctuation_after_a_name_and_repeated_or_own_names(team, row, admin, reviewer, viewer):
    note = note_add(
        team, interview=row, user=admin, body="Thanks @bob. Ask (@carol), @bob again, and me, @alice!"
    )
    assert mentioned(note) == ["bob", "carol"]  # once each, and no inbox entry for the author
    assert mention_candidates("@bob.") == {"bob.": "bob.", "bob": "bob."}


def test_an_email_address_is_not_a_mention(team, row, admin, reviewer):
    note = note_add(team, interview=row, user=admin, body="Write to ops@bob or x@bob.com")
    assert mentioned(note) == []


def test_a_note_posted_through_the_page_mentions_and_shows_them_marked(login, reviewer, admin, row):
    client = login(reviewer)
    client.post(f"/interviews/{row.remote_id}/notes/", {"body": "Over to you @alice."})
    note = Note.objects.get()
    assert mentioned(note) == ["alice"]
    html = client.get(f"/interviews/{row.remote_id}/activity/").text
    assert f'id="note-{note.pk}"' in html
    assert 'Over to you <strong class="mention">@alice</strong>.' in html


def test_hostile_note_text_is_escaped_around_mentions(login, admin, reviewer, team, row):
    note_add(
        team, interview=row, user=admin, body="<img src=x onerror=alert(1)> @bob <script>alert(2)</script>"
    )
    html = login(reviewer).get(f"/interviews/{row.remote_id}/activity/").text
    assert "<img src=x" not in html and "<script>alert(2)" not in html
    assert '&lt;img src=x onerror=alert(1)&gt; <strong class="mention">@bob</strong> &lt;script&gt;' in html


@settings(max_examples=150, deadline=None)
@given(body=st.text(alphabet=st.sampled_from("ab@.<>&\"' \n-+_"), max_size=40))
def test_rendering_a_note_only_ever_adds_our_own_markup(body):
    class FakeUser:
        def __init__(self, name):
            self.name = name

        def get_username(self):
            return self.name

    class FakeMentions:
        def all(self):
            return [type("M", (), {"user": FakeUser("a")})(), type("M", (), {"user": FakeUser("b.")})()]

    note = type("N", (), {"body": body, "mentions": FakeMentions()})()
    rendered = str(with_mentions(note))
    tags = re.findall(r"<[^>]*>", rendered)
    assert set(tags) <= {'<strong class="mention">', "</strong>"}
    assert htmllib.unescape(re.sub(r"<[^>]*>", "", rendered)) == body


def test_the_header_badge_counts_unread_mentions(login, admin, reviewer, team, row):
    client = login(reviewer)
    assert "badge-count" not in client.get("/candidates/").text
    note_add(team, interview=row, user=admin, body="@bob one")
    note_add(team, interview=row, user=admin, body="@bob two")
    html = client.get("/candidates/").text
    assert re.search(r'href="/inbox/">Inbox <span class="badge badge-count"[^>]*>2<', html)
    assert "hx-swap-oob" not in html.split('id="inbox-link"', 1)[1].split(">", 1)[0]
    assert "badge-count" not in login(admin).get("/candidates/").text  # the author has none


@pytest.mark.parametrize("role", ["admin", "reviewer", "viewer"])
def test_every_member_reads_their_inbox_as_a_page_and_as_a_partial(login, request, team, row, role):
    person = request.getfixturevalue(role)
    author = request.getfixturevalue("admin" if role != "admin" else "reviewer")
    note_add(team, interview=row, user=author, body=f"Please check @{person.username} — <b>urgent</b>")
    client = login(person)
    page = client.get("/inbox/")
    assert page.status_code == 200 and "<html" in page.text
    assert "Mia Mention" in page.text and author.username in page.text
    assert "&lt;b&gt;urgent&lt;/b&gt;" in page.text and "<b>urgent" not in page.text
    partial = client.get("/inbox/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox-list")
    assert "<html" not in partial.text and 'id="inbox-list"' in partial.text
    assert ("Mark all read" in page.text) is (role != "viewer")  # viewers get no forms


def test_opening_a_mention_marks_it_read_and_shows_the_note(login, admin, reviewer, team, row):
    first = note_add(team, interview=row, user=admin, body="@bob first")
    note_add(team, interview=row, user=admin, body="@bob second")
    mention = Mention.objects.get(note=first)
    client = login(reviewer)
    response = client.get(f"/inbox/{mention.pk}/")
    assert response.status_code == 302
    # The profile's side panel lists the notes; ?note= marks this one (issue 16).
    assert response["Location"] == f"/interviews/{row.remote_id}/?note={first.pk}#note-{first.pk}"
    mention.refresh_from_db()
    assert mention.read_at is not None
    assert Mention.objects.filter(read_at__isnull=True).count() == 1
    assert re.search(r"badge-count[^>]*>1<", client.get("/inbox/").text)


def test_mark_all_read_clears_the_badge(login, admin, reviewer, team, row):
    for n in range(3):
        note_add(team, interview=row, user=admin, body=f"@bob {n}")
    note_add(team, interview=row, user=reviewer, body="@alice for you")
    client = login(reviewer)
    response = client.post("/inbox/read/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox-list")
    assert response.status_code == 200 and "<strong>0</strong> unread" in response.text
    # The header's badge is emptied too, swapped in out of band.
    assert re.search(r'<a id="inbox-link" [^>]*hx-swap-oob="true">Inbox</a>', response.text)
    assert not Mention.objects.filter(user=reviewer, read_at__isnull=True).exists()
    assert Mention.objects.get(user=admin).read_at is None  # someone else's inbox is theirs
    assert client.post("/inbox/read/").status_code == 302


def test_viewers_get_403_on_mark_all_read_and_nothing_changes(login, admin, viewer, team, row):
    note_add(team, interview=row, user=admin, body="@carol look")
    assert login(viewer).post("/inbox/read/").status_code == 403
    assert Mention.objects.get().read_at is None


def test_someone_elses_or_another_teams_mention_is_404(login, admin, reviewer, viewer, outsider, team, row):
    note_add(team, interview=row, user=admin, body="@bob private")
    mention = Mention.objects.get()
    assert login(viewer).get(f"/inbox/{mention.pk}/").status_code == 404
    assert login(outsider).get(f"/inbox/{mention.pk}/").status_code == 404
    assert "private" not in login(outsider).get("/inbox/").text
    assert Mention.objects.get().read_at is None
