"""whole_number: the one reading of a number from a request's text."""

import pytest

from dashboard.core.params import whole_number


@pytest.mark.parametrize(("text", "number"), [("12", 12), ("0", 0), ("007", 7), ("9" * 18, int("9" * 18))])
def test_ascii_digits_are_a_number(text, number):
    assert whole_number(text) == number


@pytest.mark.parametrize(
    "text",
    [None, "", " 7", "7 ", "-3", "+3", "1.5", "1e3", "²", "١٢", "７", "x", "9" * 19, "1" * 5000],
)
def test_anything_else_is_none(text):
    """Bad input: "²" and other Unicode digits pass str.isdigit() and int() refuses some of them;
    int() refuses thousands of digits too. Each was a server error where a view read an id."""
    assert whole_number(text) is None
