"""Snippets: the passages of an article around the query's terms, escaped, with the matched words marked.

Whoosh's highlighter runs every token of the text through the analyzer's generator chain, which
costs about half a millisecond per result. Here words are found with the tokenizer's own regular
expression and each distinct word is analysed once per process (``term_of`` is remembered, within
the words' share of the cache budget), so a page of twenty snippets costs a few milliseconds.
Matching is the index's: accent-folded and stemmed.
"""

import re
import string
from functools import lru_cache
from html import escape  # Django's escape is this, through a lazy-string wrapper: 3 µs a call

from . import segments
from .memo import BoundedMemo

# A word: Whoosh's RegexTokenizer default with combining accents (U+0300-U+036F) inside a word,
# so that a decomposed "é" does not split it. The analyzer's tokenizer uses the same pattern.
WORD_PATTERN = r"[\w\u0300-\u036f]+(?:\.?[\w\u0300-\u036f]+)*"
WORD = re.compile(WORD_PATTERN)
ELLIPSIS = " … "


def make_term_of(analyzer, share: float = 1.0) -> BoundedMemo:
    """``term_of(word)``: the word's one index term, or None (a stop word, or several terms),
    remembered within ``share`` of the words' share of the cache budget."""

    def term_of(word: str) -> str | None:
        tokens = [token.text for token in analyzer(word)]
        return tokens[0] if len(tokens) == 1 else None

    return BoundedMemo(term_of, segments.WORDS, share)


# Characters whose initial is worked out ahead: Latin-1's, which English and Spanish are written
# in. A word starting with any other character is a candidate whose first character's initial is
# tested in Python. ``word_starts`` compiles a class of these for each query's initials: for two
# initials, with the Latin Extended letters in it too, that took 0.63 ms; within Latin-1, 0.11.
KNOWN_INITIALS = [chr(code) for code in range(0x100)]
KNOWN_CHARACTERS = frozenset(KNOWN_INITIALS)


@lru_cache(maxsize=4)
def characters_by_initial(initial_of) -> dict[str, frozenset]:
    """The ``KNOWN_INITIALS`` characters, by ``initial_of`` each."""
    by_initial: dict[str, set] = {}
    for char in KNOWN_INITIALS:
        by_initial.setdefault(initial_of(char), set()).add(char)
    return {initial: frozenset(chars) for initial, chars in by_initial.items()}


def class_ranges(chars) -> str:
    """``chars`` as the ranges of a regular expression's character class: "\\u0000-\\u004c…"."""
    codes = sorted(map(ord, chars))
    runs: list[list[int]] = []
    for code in codes:
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    return "".join(f"\\u{first:04x}" if first == last else f"\\u{first:04x}-\\u{last:04x}" for first, last in runs)


@lru_cache(maxsize=256)
def word_starts(initial_of, initials: frozenset) -> re.Pattern:
    """Where ``WORD.finditer`` would start a word, at a character whose initial may be one of
    ``initials``: one not after a word character, nor after a word character and a dot (``WORD``
    carries a word on through one dot). The regular expression finds them in C (40 µs in 2,500
    characters, where testing each word's initial in Python took 110), character first so that
    it skips ahead to the characters it wants.

    Those characters are one negated class, the Latin-1 characters of other initials, written as
    ranges: as two classes in an alternation the engine tried every position (13.9 µs in 760
    characters against 3.9, for "m"); as one class with the range beyond Latin-1 it took 4 ms to
    compile (a bitmap of every code point) and the negated class 0.23 ms."""
    known = characters_by_initial(initial_of)
    wanted = set().union(*(known.get(initial, ()) for initial in initials))
    others = KNOWN_CHARACTERS - wanted
    first = f"[^{class_ranges(others)}]" if others else "."
    return re.compile(rf"(?s:{first}(?<![\w\u0300-\u036f].)(?<![\w\u0300-\u036f]\..))")


# A query of several initials reads its initials' patterns one by one (4 µs a text each), until
# its own pattern would have paid for compiling (0.23 ms): a rare query's first page of one or
# two snippets compiled a pattern that served nothing else.
COMPILE_AFTER = 50  # texts a query's initials are read in
SCANS_KEPT = 4096
_scans: dict = {}


def word_start_positions(text: str, initial_of, initials: frozenset) -> list[int]:
    """The positions ``word_starts(initial_of, initials)`` finds in ``text``."""
    key = (initial_of, initials)
    scans = _scans.get(key, 0)
    if len(initials - {""}) < 2 or scans >= COMPILE_AFTER:
        return [match.start() for match in word_starts(initial_of, initials).finditer(text)]
    if len(_scans) >= SCANS_KEPT:
        _scans.clear()
    _scans[key] = scans + 1
    found = set()
    for initial in initials - {""}:
        found.update(match.start() for match in word_starts(initial_of, frozenset({initial, ""})).finditer(text))
    return sorted(found)


def compile_word_starts(initial_of) -> None:
    """``word_starts`` of each initial of a letter or digit (with "", as every query has): what a
    one-word query asks, compiled when the engine is set up (46 patterns, 4 ms) instead of in the
    first searches of each initial."""
    for initial in characters_by_initial(initial_of):
        if initial.isalnum():  # what words start with
            word_starts(initial_of, frozenset({initial, ""}))


# In text of ASCII characters only (most English articles), a query term's words are found by
# ``str.find`` of the start they must have (``term_start``), not at every word of its initial:
# a snippet in the benchmark's 100,000 archive took 17 µs where it took 35 (docs/performance.md).
# A start of one character is looked for by its initial, as in any other text.
MIN_FOUND_START = 2
ASCII_WORD_CHARACTERS = frozenset(string.ascii_letters + string.digits + "_")


def term_start(term: str, changed_ending: int) -> str:
    """What every word whose term is ``term`` starts with, lowercased, where the analysis keeps a
    lowercased word's characters in its term but for at most the last ``changed_ending`` of them,
    and the first two of a term of three characters or more: a stemmer changes a word's second
    character only where it leaves two ("eying" -> "ei", the one such word in Webster's Second)."""
    return term[: max(len(term) - changed_ending, min(2, len(term) - 1), 1)]


def ascii_word_starts(text: str, lowered: str, terms: frozenset, changed_ending: int, initial_of) -> list[int]:
    """Where ``WORD`` starts a word that may have a term in ``terms``, in ``text`` of ASCII
    characters (``lowered``: it lowercased, the same length): each long start found by
    ``str.find``, the short ones by their initials (``word_start_positions``)."""
    starts = {term_start(term, changed_ending) for term in terms}
    initials = {start[:1] for start in starts if len(start) < MIN_FOUND_START}
    found = set(word_start_positions(text, initial_of, frozenset(initials | {""}))) if initials else set()
    for start in starts:
        if len(start) < MIN_FOUND_START:
            continue
        position = lowered.find(start)
        while position >= 0:
            before = lowered[position - 1] if position else ""
            if before not in ASCII_WORD_CHARACTERS and not (
                before == "." and position > 1 and lowered[position - 2] in ASCII_WORD_CHARACTERS
            ):  # as ``WORD`` would not carry a word on into it
                found.add(position)
            position = lowered.find(start, position + 1)
    return sorted(found)


def best_windows(spans: list[tuple[int, int]], surround: int, fragments: int) -> list[tuple[int, int]]:
    """Windows around matches, merged when they touch, the ones holding most matches first."""
    windows: list[list[int]] = []
    for start, end in spans:
        if windows and start - surround <= windows[-1][1]:
            windows[-1][1] = end + surround
            windows[-1][2] += 1
        else:
            windows.append([max(0, start - surround), end + surround, 1])
    chosen = sorted(windows, key=lambda window: (-window[2], window[0]))[:fragments]
    return sorted((start, end) for start, end, _ in chosen)


def snippet_html(
    text: str,
    terms: frozenset,
    term_of,
    surround: int = 80,
    fragments: int = 2,
    tags: tuple[str, str] = ("<em>", "</em>"),
    initial_of=None,
    changed_ending: int | None = None,
) -> str:
    """Up to ``fragments`` passages around the words whose index term is in ``terms``, each word
    between ``tags`` (``<em>`` as haystack's engines mark them by default).

    ``initial_of(char)``, where the analyzer keeps a word's first letter apart from case and
    accents, gives the first letter of the term of a word starting with ``char``: a word whose
    initial starts no query term is skipped without analysing it, the cost of a first search
    that meets words no search has analysed yet. ``changed_ending``, where the analysis changes at
    most that many of a lowercased word's last characters to make its term (stemmers; 0 without
    one), lets text of ASCII characters be searched for the terms' starts (``ascii_word_starts``)."""
    if initial_of is not None and changed_ending is not None and text.isascii():
        spans = []
        for position in ascii_word_starts(text, text.lower(), terms, changed_ending, initial_of):
            word = WORD.match(text, position)
            if word and term_of(word.group().lower()) in terms:
                spans.append(word.span())
    elif initial_of is None:
        spans = [match.span() for match in WORD.finditer(text) if term_of(match.group().lower()) in terms]
    else:
        initials = frozenset({term[:1] for term in terms} | {""})  # "": a first character that folds away
        spans = []
        for position in word_start_positions(text, initial_of, initials):
            char = text[position]  # a known character matched here only if its initial is wanted
            if (char in KNOWN_CHARACTERS or initial_of(char) in initials) and (word := WORD.match(text, position)):
                if term_of(word.group().lower()) in terms:
                    spans.append(word.span())
    if not spans:
        return ""
    parts = []
    for window_start, window_end in best_windows(spans, surround, fragments):
        window_end = min(window_end, len(text))
        # Start and end on word boundaries.
        while window_start > 0 and text[window_start - 1].isalnum():
            window_start -= 1
        while window_end < len(text) and text[window_end].isalnum():
            window_end += 1
        cursor, html = window_start, []
        for start, end in spans:
            if start >= window_start and end <= window_end:
                html.append(escape(text[cursor:start]))
                html.append(f"{tags[0]}{escape(text[start:end])}{tags[1]}")
                cursor = end
        html.append(escape(text[cursor:window_end]))
        parts.append(" ".join("".join(html).split()))
    return ELLIPSIS.join(parts)
