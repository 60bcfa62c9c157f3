"""The search-query language: parsing, rendering for both databases, highlighting."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.transcripts import query as q


def test_it_parses_words_phrases_and_prefixes():
    terms = q.parse('Python "system design" kube*')
    assert terms == [q.Term(("python",)), q.Term(("system", "design")), q.Term(("kube",), prefix=True)]
    assert q.to_fts5(terms) == '"python" AND "system design" AND "kube"*'
    assert q.to_tsquery(terms) == "python & (system <-> design) & kube:*"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"unbalanced', "quotation mark is not closed"),
        ("x" * 5000, "too long"),
        ("*** ) ( --", "punctuation alone"),
        (" ".join(["word"] * 13), "at most 12"),
        ("ku*", "at least 3 letters"),
        ('python "a b" k*', "at least 3 letters"),
    ],
)
def test_it_refuses_malformed_queries_with_a_message(text, message):
    with pytest.raises(q.QueryError, match=message):
        q.parse(text)


def test_database_operators_are_just_words():
    terms = q.parse("NEAR(a b) OR -c ^d col:e")
    fts = q.to_fts5(terms)
    # Every word is quoted for FTS5, so OR/NEAR/column filters cannot take effect.
    assert fts == '"near" AND "a" AND "b" AND "or" AND "c" AND "d" AND "col" AND "e"'
    assert "|" not in q.to_tsquery(terms) and "!" not in q.to_tsquery(terms)


def test_an_empty_query_is_no_search():
    assert q.parse("   ") == []


def test_it_highlights_whole_words_and_prefixes_case_insensitively():
    pieces = q.highlight("Kubernetes and kube, not cubes. System  design!", q.parse('kube* "system design"'))
    assert [text for text, hit in pieces if hit] == ["Kubernetes", "kube", "System  design"]
    assert "".join(text for text, _ in pieces) == "Kubernetes and kube, not cubes. System  design!"


def test_it_does_not_highlight_inside_words():
    assert [t for t, hit in q.highlight("Pythonic python", q.parse("python")) if hit] == ["python"]


@given(st.text(max_size=300))
def test_any_text_either_parses_to_safe_words_or_raises_query_error(text):
    try:
        terms = q.parse(text)
    except q.QueryError:
        return
    for term in terms:
        for word in term.words:
            assert word and all(ch.isalnum() for ch in word)
    q.to_fts5(terms)
    q.to_tsquery(terms)
