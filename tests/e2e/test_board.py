"""The posting board in Chromium: a card moves by its button, by the keyboard and by drag and drop;
a drop on a closed stage asks for the reason; the stage settings reorder with the keyboard."""

import pytest

from dashboard.review import selectors
from dashboard.review.models import Stage
from tests.e2e.conftest import wait_for_page
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory
from tests.review.conftest import make_interview, make_posting
from tests.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def where(team, remote_id) -> str:
    from dashboard.mirror.models import Interview

    return selectors.stage_current(team, Interview.objects.get(team=team, remote_id=remote_id))[0].name


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def board(live_server, page):
    team = TeamFactory(name="Acme Hiring")
    MembershipFactory(user=UserFactory(username="rita"), team=team, role="admin")
    posting = make_posting(team, title="Backend engineer")
    for n, name in enumerate(["Ada Lovelace", "Grace Hopper", "Alan Turing"]):
        make_interview(team, posting, remote_id=f"int_{n}", name=name, score=90 - n * 10)
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/postings/{posting.remote_id}/board/")
    return team, posting


def column(page, name):
    return page.locator(".board-column", has=page.get_by_role("heading", name=name))


def test_cards_move_by_button_keyboard_and_drag(page, board):
    from playwright.sync_api import expect

    team, _ = board
    # Wide enough for every column at once: a drag cannot scroll the board to a column out of view.
    page.set_viewport_size({"width": 2200, "height": 900})
    expect(column(page, "New").locator(".board-card")).to_have_count(3)

    # The → button.
    page.locator("#card-int_0").get_by_role("button", name="Move to Reviewed").click()
    expect(column(page, "Reviewed").locator("#card-int_0")).to_be_visible()
    expect(page.locator(".board-notice")).to_have_text("Ada Lovelace moved to Reviewed.")
    assert where(team, "int_0") == "Reviewed"
    # The moved card keeps the focus, so the keyboard goes on from it: Shift+→ moves it again.
    wait_for_page(page, "document.activeElement && document.activeElement.id === 'card-int_0'")
    page.keyboard.press("Shift+ArrowRight")
    expect(column(page, "Hiring-manager interview").locator("#card-int_0")).to_be_visible()
    assert where(team, "int_0") == "Hiring-manager interview"
    # The card is in its new column before the swap settles and focuses it: wait for the focus again.
    wait_for_page(page, "document.activeElement && document.activeElement.id === 'card-int_0'")
    page.keyboard.press("Shift+ArrowLeft")
    expect(column(page, "Reviewed").locator("#card-int_0")).to_be_visible()

    # Drag and drop onto an open stage.
    page.locator("#card-int_1").drag_to(column(page, "Offer"))
    expect(column(page, "Offer").locator("#card-int_1")).to_be_visible()
    assert where(team, "int_1") == "Offer"

    # Onto a closed stage: the Move… dialog opens for that card with the stage chosen and asks for
    # the reason.
    page.locator("#card-int_2").drag_to(column(page, "Rejected"))
    dialog = page.locator("#move-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-move-name]")).to_have_text("Alan Turing")
    rejected = Stage.objects.get(team=team, name="Rejected")
    expect(dialog.locator("[data-move-to]")).to_have_value(str(rejected.pk))
    assert where(team, "int_2") == "New"
    dialog.locator("[data-move-reason]").select_option(label="Salary expectations")
    dialog.get_by_role("button", name="Move", exact=True).click()
    expect(column(page, "Rejected").locator("#card-int_2")).to_be_visible()
    assert where(team, "int_2") == "Rejected"
    expect(column(page, "Rejected").locator(".tab-count")).to_have_text("1")
    # m on a focused card opens the same dialog for it; Escape closes it.
    page.locator("#card-int_1").focus()
    page.keyboard.press("m")
    expect(dialog.locator("[data-move-name]")).to_have_text("Grace Hopper")
    expect(dialog.locator("[data-move-to]")).to_have_value(str(Stage.objects.get(team=team, name="Offer").pk))
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.console_errors == []


def test_the_stage_settings_reorder_with_the_keyboard(page, board, live_server):
    from playwright.sync_api import expect

    team, _ = board
    page.goto(f"{live_server.url}/review/pipeline/")
    up = page.get_by_role("button", name="Move Offer up")
    up.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".board-notice")).to_have_text("“Offer” moved up.")
    # The focus stays on the same button after the lists are swapped: Enter again moves it on.
    expect(page.get_by_role("button", name="Move Offer up")).to_be_focused()
    page.keyboard.press("Enter")
    wait_for(lambda: [s.name for s in selectors.stage_rows(team)][:3] == ["New", "Offer", "Reviewed"])
    expect(page.locator(".pipeline-list").first.locator("input[type=text]").nth(1)).to_have_value("Offer")
    assert page.console_errors == []


def test_on_a_phone_the_buttons_and_move_dialog_are_the_whole_path(browser, live_server):
    """390 px, touch: the columns stack, cards do not drag and the help does not offer it; ← → and
    ⋯ (Move…, with the reason for a closed stage) move a card, with nothing scrolling sideways."""
    from playwright.sync_api import expect

    team = TeamFactory(name="Acme Hiring")
    MembershipFactory(user=UserFactory(username="rita"), team=team, role="reviewer")
    posting = make_posting(team, title="Backend engineer")
    make_interview(team, posting, remote_id="int_0", name="Ada Lovelace", score=90)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    try:
        sign_in(page, live_server.url)
        page.goto(f"{live_server.url}/postings/{posting.remote_id}/board/")
        card = page.locator("#card-int_0")
        expect(card).to_be_visible()
        assert card.get_attribute("draggable") is None
        expect(page.locator(".drag-hint")).to_be_hidden()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        card.get_by_role("button", name="Move to Reviewed").tap()
        expect(column(page, "Reviewed").locator("#card-int_0")).to_be_visible()
        assert where(team, "int_0") == "Reviewed"
        assert page.locator("#card-int_0").get_attribute("draggable") is None  # after the swap too
        page.locator("#card-int_0 [data-move-open]").tap()
        dialog = page.locator("#move-dialog")
        expect(dialog).to_be_visible()
        dialog.locator("[data-move-to]").select_option(label="Withdrawn")
        dialog.locator("[data-move-reason]").select_option(label="Candidate withdrew")
        dialog.get_by_role("button", name="Move", exact=True).tap()
        expect(column(page, "Withdrawn").locator("#card-int_0")).to_be_visible()
        assert where(team, "int_0") == "Withdrawn"
        assert errors == []
    finally:
        context.close()
