"""A query read once for every language gives the queries Whoosh's parser gives for each."""

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from search.engine.languages import DEFAULT
from search.indexing import search_backend

pytestmark = pytest.mark.archive_engine

# Words and the parser's syntax: fields, operators, groups, phrases, ranges, wildcards, fuzzy
# terms, boosts, accents, other scripts and stray punctuation.
PIECES = st.sampled_from([
    "police", "arrested", "Policía", "operación", "México", "cartel", "Zetas", "naïve", "œuvre", "Straße",
    "title:", "content:", "countries:", "unknown_field:", "AND", "OR", "NOT", "ANDNOT", "-", "+", "(", ")",
    '"', "'", "*", "?", "~", "~2", "^3", "[", "]", "{", "}", " TO ", "2011", "MX", "\u0301", "нефть", "石油",
    ":", ".", ",", "<", ">", "=", "\\", "/",
])  # fmt: skip
QUERY_TEXTS = st.lists(PIECES, max_size=10).map(" ".join) | st.lists(PIECES, max_size=10).map("".join) | st.text(max_size=30)


def parsed_by_each_parser(backend, text):
    """``parse_in_languages`` as it was: Whoosh's whole parse, by each analysis's parser."""
    parsed = backend.parser.parse(text)
    if not backend.languages or not backend.languages.mentions_text(parsed):
        return parsed
    readings = {DEFAULT: parsed}
    for analysis, parser in backend.language_parsers.items():
        readings[analysis] = backend.languages.renamed(parser.parse(text), analysis)
    return backend.languages.branches(readings)


@pytest.fixture
def backend(db, search_index):
    backend = search_backend()
    backend.setup()
    assert backend.language_parsers, "the languages' parsers are what this checks"
    return backend


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(QUERY_TEXTS)
@example('title:"policía arrested" OR (cartel* AND NOT méxico~) countries:MX^2')
@example("published_at:[20110101000000 TO 20111231235959] police")
@example("unknown_field:police operación")
def test_the_languages_read_the_same_syntax_tree_as_their_own_parse(backend, text):
    try:
        expected = parsed_by_each_parser(backend, text)
    except Exception as error:  # whatever Whoosh's parser refuses, it refuses the same way
        with pytest.raises(type(error)):
            backend.parse_in_languages(text)
        return
    assert backend.parse_in_languages(text) == expected


# Plain words: what the site's search box sends most, read without Whoosh's syntax.
WORDS = st.sampled_from([
    "police", "arrested", "Policía", "operación", "México", "Zetas", "naïve", "Straße", "œuvre", "ﬁnance",
    "the", "of", "de", "la", "los", "and", "MX", "US", "EU", "2011", "42nd", "нефть", "石油", "İstanbul",
    "AND", "OR", "NOT", "TO", "ANDMAYBE", "REQUIRE", "And", "x", "a", "ὀδυσσεύς",
])  # fmt: skip
PLAIN_QUERIES = st.builds(
    lambda words, spaces, wrapped: (f"({spaces.join(words)})" if wrapped else spaces.join(words)),
    st.lists(WORDS, min_size=1, max_size=6), st.sampled_from([" ", "  ", "\t", " \n "]), st.booleans(),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(PLAIN_QUERIES)
@example("(the of)")  # every word a stop word
@example("(police AND arrested)")  # an operator: Whoosh's parse
@example(" (México) ")
def test_plain_words_read_without_the_syntax_are_whooshs_parse(backend, text):
    from search.engine.backend import OPERATORS, plain_words

    words = plain_words(text)
    operators = OPERATORS.intersection(text.replace("(", " ").replace(")", " ").split())
    assert (words is None) == bool(operators), "plain words take the quick way, operators Whoosh's"
    try:
        expected = parsed_by_each_parser(backend, text)
    except Exception as error:  # Whoosh's parser fails on some runs of operators: so do we, the same way
        assert operators
        with pytest.raises(type(error)):
            backend.parse_in_languages(text)
        return
    found = backend.parse_in_languages(text)
    assert found == expected and repr(found) == repr(expected)
