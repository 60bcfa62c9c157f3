"""Every CSV the dashboard writes (candidate exports, import results, analytics and calibration
figures): one formula-safe cell and one download. Names, notes and answers come from candidates,
so a cell must never run or reorder in a spreadsheet."""

import csv
import re
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): remote text
# could use them to show a cell's characters in another order ("evil\u202egpj.exe"). Without
# them right-to-left names still read correctly; the spreadsheet's own bidi ordering does that.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def csv_safe(value) -> str:
    """A cell a spreadsheet will not run or reorder: text starting like a formula gets a leading
    quote, bidi override characters are dropped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = BIDI_CONTROLS.sub("", str(value))
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    """A file for csv.writer that hands back each line instead of keeping it."""

    def write(self, value: str) -> str:
        return value


def _lines(rows: Iterable[Iterable]) -> Iterator[str]:
    # Excel takes a CSV for UTF-8 only after a byte order mark: without one "José" reads "JosÃ©".
    yield "\ufeff"
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([csv_safe(cell) for cell in row])


def csv_download(rows: Iterable[Iterable], *, filename: str) -> StreamingHttpResponse:
    """`rows` (the header first) as a CSV file to download, streamed a line at a time so a file of
    any size takes constant memory, every cell through csv_safe."""
    response = StreamingHttpResponse(_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
