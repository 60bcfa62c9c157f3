"""Template source checks that no page test would notice until someone reads the page."""

from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).resolve().parent.parent / "templates").rglob("*.html"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_comments_open_and_close_on_one_line(path):
    # Django's {# #} comments are single-line: one that spans lines is printed on the page.
    for number, line in enumerate(path.read_text().splitlines(), 1):
        opened = line.count("{#")
        assert opened == line.count("#}"), f"{path.name}:{number}: a {{# comment must close on its line"
