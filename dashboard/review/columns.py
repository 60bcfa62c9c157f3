"""The candidate table's columns: which exist, which a person sees by default, and the choice each
person makes with the column chooser (remembered per person, the same on every candidate table).

The defaults fit 1440 px without scrolling sideways: name (with the email muted beside it),
status, score, decision, my rating and last engaged; the all-candidates list adds the posting.
"""

from dataclasses import dataclass

from django.utils import timezone

from dashboard.review.models import TableColumns


@dataclass(frozen=True)
class Column:
    key: str  # also the sort key in the URL (forms.SORTS)
    label: str
    numeric: bool = False


# Every column, in the order the table shows them. Name is always shown.
COLUMNS = (
    Column("name", "Name"),
    Column("posting", "Posting"),
    Column("email", "Email"),
    Column("status", "Status"),
    Column("score", "Score", numeric=True),
    Column("resume", "Resume", numeric=True),
    Column("match", "Match", numeric=True),
    Column("eligible", "Eligible"),
    Column("decision", "Decision"),
    Column("stage", "Stage"),
    Column("rating", "My rating"),
    Column("team", "Team rating", numeric=True),
    Column("interviewed", "Interviewed"),
    Column("engaged", "Last engaged"),
)
BY_KEY = {column.key: column for column in COLUMNS}
CHOOSABLE = tuple(column.key for column in COLUMNS if column.key != "name")
DEFAULT = ("posting", "status", "score", "stage", "decision", "rating", "engaged")
# More columns than this and the table may scroll sideways within itself (1440 px fits the defaults
# and a few more; the sticky header then sticks within the table's own scroller).
FITS = 8

# The chooser's query-string keys: `columns=1` marks a chooser submission, `col` the ticked keys.
MARKER, FIELD = "columns", "col"


def chosen(choice: TableColumns | None) -> tuple[str, ...]:
    """The keys a person sees (name first), from their saved choice or the defaults. Unknown keys
    (a column since removed) are dropped."""
    keys = set(choice.columns if choice is not None else DEFAULT)
    return ("name", *(key for key in CHOOSABLE if key in keys))


def remember(team, user, params, current: TableColumns | None, *, posting_table: bool) -> TableColumns:
    """Saves the columns ticked in `params` (the chooser's GET form). The posting's own table has no
    posting column to tick, so a choice made there keeps the all-candidates list's posting column
    as it was. Writes only when the choice changed."""
    ticked = {key for key in params.getlist(FIELD) if key in BY_KEY}
    if posting_table:
        ticked.discard("posting")
        if "posting" in chosen(current):
            ticked.add("posting")
    keys = [key for key in CHOOSABLE if key in ticked]
    if current is None:
        TableColumns.objects.bulk_create(
            [TableColumns(team=team, user=user, columns=keys)], ignore_conflicts=True
        )
        return TableColumns(team=team, user=user, columns=keys)
    if current.columns != keys:
        TableColumns.objects.filter(pk=current.pk).update(columns=keys, updated_at=timezone.now())
        current.columns = keys
    return current


def for_table(keys: tuple[str, ...], *, posting_table: bool) -> list[Column]:
    """The columns one table shows: a posting's own table has no posting column."""
    return [BY_KEY[key] for key in keys if not (posting_table and key == "posting")]


def choices(keys: tuple[str, ...], *, posting_table: bool) -> list[tuple[Column, bool]]:
    """The chooser's checkboxes: every column but name (and posting on a posting's table), ticked
    when shown."""
    return [(BY_KEY[key], key in keys) for key in CHOOSABLE if not (posting_table and key == "posting")]
