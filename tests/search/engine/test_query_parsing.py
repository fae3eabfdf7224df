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


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(PLAIN_QUERIES, st.sampled_from([{}, {"title": 2.5}, {"text": 0.5, "title__es": 3.0}, {"countries": 4.0}]))
@example("(police arrested)", {})
@example("police police Police", {"title": 2.5})
@example("(the police)", {})  # a stop word: Whoosh's own term query
def test_planned_words_are_the_parse_of_every_language_weighted(backend, text, weights):
    """``parse_planned_words`` builds what ``parse_in_languages`` and ``weighted`` give, or leaves it to them."""
    from search.engine.backend import weighted

    backend.query_weights = weights
    backend._word_plans = backend.word_plans()
    assert backend._word_plans is not None, "the site's parsers take the planned way"
    planned = backend.parse_planned_words(text)
    if planned is None:
        return
    try:
        expected = weighted(backend.parse_in_languages(text), weights)
    except Exception:  # noqa: BLE001 - Whoosh refuses some runs of operators; plain words are never planned then
        pytest.fail(f"{text!r} was planned, and Whoosh's parser refuses it")
    assert planned == expected and repr(planned) == repr(expected)


def test_most_plain_words_take_the_planned_way(backend):
    assert backend.parse_planned_words("(police arrested)") is not None
    assert backend.parse_planned_words("(the police)") is None  # "the" gives no term
    assert backend.parse_planned_words('title:police') is None  # syntax
    assert backend.parse("(police arrested)") is backend.parse("(police arrested)")


# The site's filters: haystack's fragments for the tag fields, the date and the words, each in a
# group, joined with AND (search.service.narrowed); then any syntax in groups.
VALUES = st.sampled_from([
    "MX", "US", "bank-of-france", "Operation Unmask", "OpCartel", "articles.article", "Policía Federal",
    "naïve", "", " ", "a,b", "AND", "OR", "NOT", "TO", "x*", "y?", "z~", "w^2", "(paren)", "[range]", "{curly}",
    "it's", 'say "no"', "back\\slash", "colon:", "нефть", "石油", "\u0301",
]) | st.text(max_size=12)  # fmt: skip
FIELDS = st.sampled_from(["countries", "organisations", "operations", "django_ct", "unknown_field", "title", "text"])


@st.composite
def fragments(draw):
    from datetime import date

    from haystack.query import SearchQuerySet

    build = SearchQuerySet().query.build_query_fragment
    kind = draw(st.sampled_from(["in", "exact", "date", "content", "syntax"]))
    if kind == "in":
        return build(draw(FIELDS), "in", draw(st.lists(VALUES, min_size=1, max_size=3)))
    if kind == "exact":
        return build(draw(FIELDS), "exact", draw(VALUES))
    if kind == "date":
        day = draw(st.dates(min_value=date(1980, 1, 1), max_value=date(2030, 12, 31)))
        return build("published_at", draw(st.sampled_from(["gte", "lte"])), day)
    if kind == "content":
        return build("text", "content", draw(VALUES))
    return draw(QUERY_TEXTS)


JOINED = st.lists(fragments(), min_size=1, max_size=4).map(lambda parts: " AND ".join(f"({part})" for part in parts))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(JOINED)
@example('(countries:("US")) AND (organisations:("bank-of-france"))')
@example('(countries:("MX" OR "US")) AND (published_at:([20110101000000 to])) AND (operations:("Operation Unmask"))')
@example('() AND (^3)')  # Whoosh's syntax across groups: a boost with nothing to boost
@example('(countries:("\n"))')  # no phrase: Whoosh's ".*?" stops at a line break
@example('(countries:("a,b"))')  # two tokens: a phrase
@example('(countries:("")) AND (organisations:("x"))')  # no token: nothing to match
@example('(countries:("US")) AND (police)')  # words: read with the rest, in every language
@example('(countries:("US" OR "C"A)")) AND (organisations:("x"))')  # haystack does not escape quotes
@example('(title:("US")) AND (django_ct:("articles.article"))')
def test_filters_read_by_their_groups_are_whooshs_parse(backend, text):
    from search.engine.backend import weighted

    try:
        expected = weighted(parsed_by_each_parser(backend, text), backend.query_weights)
    except Exception as error:  # Whoosh refuses some syntax: so do we, the same way
        with pytest.raises(type(error)):
            backend.parse(text)
        return
    found = backend.parse(text)
    assert found == expected and repr(found) == repr(expected)


def test_joined_filters_and_tag_values_take_the_quick_ways(backend, monkeypatch):
    """The quick ways are taken (the equality above holds either way): a filter combination from
    its groups, a tag field's values without Whoosh's parser."""
    from search.engine.backend import field_values, joined_groups

    joined = '(countries:("US" OR "MX")) AND (organisations:("bank-of-france")) AND (published_at:([20110101000000 to]))'
    assert joined_groups(joined) == ['(countries:("US" OR "MX"))', '(organisations:("bank-of-france"))', "(published_at:([20110101000000 to]))"]
    assert joined_groups('(countries:("US"))') is None  # one group: nothing to join
    assert joined_groups("(a)) AND ((b)") is None
    assert joined_groups('(countries:("US)) AND (organisations:("y"))') is None  # a quote across groups
    assert joined_groups('(countries:("US)) AND (x")) AND (text:("y"))') == ['(countries:("US)) AND (x"))', '(text:("y"))']
    assert joined_groups("(countries:(x)) AND (text:(y))") is None  # a value unquoted: Whoosh's parse
    assert str(field_values(backend.parser, '(countries:("US" OR "MX"))')) == "(countries:US OR countries:MX)"
    assert field_values(backend.parser, '(published_at:("2011"))') is None  # a date parses itself
    assert field_values(backend.parser, '(text:("police"))') is None  # words: Whoosh's parse

    def refuse(*args):
        raise AssertionError("Whoosh's parser was asked")

    backend.parse('(countries:("US")) AND (organisations:("bank-of-france"))')  # each group, remembered
    monkeypatch.setattr(backend.parser, "process", refuse)
    monkeypatch.setattr(backend.parser, "parse", refuse)
    assert str(backend.parse('(organisations:("bank-of-france")) AND (countries:("US"))')) == (
        "(organisations:bank-of-france^4.0 AND countries:US^4.0)"
    )
    assert str(backend.parse('(operations:("Operation Unmask"))')) == "operations:Operation Unmask^4.0"
