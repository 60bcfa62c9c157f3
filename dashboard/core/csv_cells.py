"""The one formula-safe cell for every CSV the dashboard writes (review exports, import results):
names, notes and answers come from candidates, so a cell must never run or reorder in a
spreadsheet."""

import re

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
