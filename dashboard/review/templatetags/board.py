"""The board's card, rendered in Python like the candidate table's row: a board shows some
seventy cards, and the same markup through the template language cost most of the page's time
(docs/performance.md, "Board")."""

from django import template
from django.utils.safestring import mark_safe

from dashboard.core import scores
from dashboard.review.templatetags.review import text

register = template.Library()


def _button(card_id: str, stage, way: str, arrow: str) -> str:
    name = text(stage.name)
    return (
        f'<button type="submit" name="move" value="{card_id}:{stage.pk}" class="button small" '
        f'data-move="{way}" title="Move to {name}"><span aria-hidden="true">{arrow}</span>'
        f'<span class="visually-hidden">Move to {name}</span></button>'
    )


@register.simple_tag(takes_context=True)
def board_card(context, card: dict, column: dict):
    """One card: the name (to the profile), then for reviewers ←, → and ⋯ (Move…); the score with
    its scale, my rating and the time in the stage. Every value from HeyMilo is escaped once."""
    can_move = context["membership"].can_review
    card_id, label = text(card["remote_id"]), text(card["label"])
    actions = ""
    if can_move:
        prev, following = column["prev"], column["next"]
        actions = (
            '<span class="board-card-move">'
            f"{_button(card_id, prev, 'prev', '←') if prev else ''}"
            f"{_button(card_id, following, 'next', '→') if following else ''}"
            f'<a class="button small" href="?move={text(card["move_query"])}#move-dialog" data-move-open '
            'title="Move to another stage"><span aria-hidden="true">⋯</span>'
            '<span class="visually-hidden">Move…</span></a></span>'
        )
    rating = (
        f' <span class="board-card-rating" title="My rating">{card["my_rating"]}★ '
        '<span class="visually-hidden">my rating</span></span>'
        if card["my_rating"]
        else ""
    )
    return mark_safe(  # noqa: S308
        f'<li class="board-card" id="card-{card_id}" tabindex="0" data-card="{card_id}" '
        f'data-name="{label}"{' draggable="true"' if can_move else ""}>'
        f'<div class="board-card-head"><a class="board-card-name" href="{text(card["href"])}" '
        f'title="{label}">{label}</a>{actions}</div>'
        f'<p class="board-card-facts small">{scores.score_html(card["score"], scores.OVERALL)}{rating} '
        f'<span class="muted">{card["in_stage"]}<span class="visually-hidden"> in this stage</span>'
        "</span></p></li>"
    )
