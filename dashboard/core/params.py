"""Whole numbers in a request's text (ids, a row number, a time), and in a remote error's field
names: ASCII digits only. str.isdigit() passes digits int() refuses ("²"), and int() refuses
thousands of digits: either turned a hand-edited URL or form into a server error."""

MAX_DIGITS = 18  # any id or time we keep fits in 64 bits


def whole_number(text: str | None) -> int | None:
    """The number `text` writes in ASCII digits, else None."""
    if not text or len(text) > MAX_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    return int(text)
