"""A small search-query language, parsed once and rendered for SQLite FTS5 or PostgreSQL.

Words, "quoted phrases" and prefix* words, all required (AND). Anything else a user types
(operators, brackets, punctuation) is treated as word separators, so no input reaches the
database's own query syntax unescaped.
"""

import re
from dataclasses import dataclass

MAX_LENGTH = 200
MAX_TERMS = 12
PREFIX_MIN = 3  # the shortest prefix* the index answers without merging every matching word's list
WORD = re.compile(r"[^\W_]+", re.UNICODE)


class QueryError(ValueError):
    """A query we cannot run, with a message for the person who typed it."""


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]  # one word, or several for a phrase
    prefix: bool = False  # last word is a prefix (kube*)

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


def parse(text: str) -> list[Term]:
    text = (text or "").strip()
    if not text:
        return []
    if len(text) > MAX_LENGTH:
        raise QueryError(f"That search is too long: keep it under {MAX_LENGTH} characters.")
    if text.count('"') % 2:
        raise QueryError('A quotation mark is not closed: use "two of them" around a phrase.')
    terms: list[Term] = []
    for index, chunk in enumerate(text.split('"')):
        if index % 2:  # inside quotes: a phrase
            words = tuple(w.lower() for w in WORD.findall(chunk))
            if words:
                terms.append(Term(words))
            continue
        for raw in chunk.split():
            prefix = raw.endswith("*")
            found = [w.lower() for w in WORD.findall(raw)]
            for position, word in enumerate(found):
                last = position == len(found) - 1
                if prefix and last and len(word) < PREFIX_MIN:
                    raise QueryError(f"Type at least {PREFIX_MIN} letters before the * (kube*, not k*).")
                terms.append(Term((word,), prefix=prefix and last))
    if not terms:
        raise QueryError("Search for words: punctuation alone matches nothing.")
    if len(terms) > MAX_TERMS:
        raise QueryError(f"Use at most {MAX_TERMS} words or phrases.")
    return terms


def to_fts5(terms: list[Term]) -> str:
    """FTS5 MATCH syntax: every word quoted, so no word is ever read as an operator."""
    parts = []
    for term in terms:
        quoted = '"' + " ".join(term.words) + '"'
        parts.append(quoted + ("*" if term.prefix else ""))
    return " AND ".join(parts)


def to_tsquery(terms: list[Term]) -> str:
    """PostgreSQL to_tsquery('simple', ...) syntax; words are [^\\W_]+ so none needs quoting."""
    parts = []
    for term in terms:
        words = list(term.words)
        if term.prefix:
            words[-1] += ":*"
        parts.append("(" + " <-> ".join(words) + ")" if term.is_phrase else words[0])
    return " & ".join(parts)


def matcher(terms: list[Term]) -> re.Pattern:
    """Every place in a text where one of the terms is said."""
    patterns = []
    for term in terms:
        words = [re.escape(w) for w in term.words]
        tail = r"[^\W_]*" if term.prefix else r"(?![^\W_])"
        patterns.append(r"(?<![^\W_])" + r"[^\w]+".join(words) + tail)
    return re.compile("|".join(patterns), re.IGNORECASE | re.UNICODE)


def highlight(text: str, terms: list[Term]) -> list[tuple[str, bool]]:
    """Splits text into (segment, is_match) pieces; the template escapes every piece."""
    if not terms or not text:
        return [(text, False)]
    pieces, last = [], 0
    for match in matcher(terms).finditer(text):
        if match.start() > last:
            pieces.append((text[last : match.start()], False))
        pieces.append((match.group(0), True))
        last = match.end()
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces
