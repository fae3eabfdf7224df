"""highlight(), spelling_suggestion() and more_like_this(), on the catalogue in conftest.py."""

import re

import pytest
from haystack import connections
from haystack.query import SearchQuerySet

from tests.contract_app.models import Gadget

from .conftest import index_objects, make_article, make_gadget


def marked_words(html: str) -> list[str]:
    """The words wrapped in a tag (<em> for haystack's Whoosh, Solr, Elasticsearch; any tag here)."""
    return [match.group(2) for match in re.finditer(r"<(\w+)[^>]*>([^<]+)</\1>", html)]


def test_highlight_marks_the_matched_word_in_the_document_field(catalogue):
    results = list(SearchQuerySet().auto_query("sunlight").highlight())
    assert catalogue.keys_of(results) == ["g1"]
    highlighted = results[0].highlighted
    assert list(highlighted) == ["text"]
    assert len(highlighted["text"]) == 1
    assert [word.lower() for word in marked_words(highlighted["text"][0])] == ["sunlight"]


def test_highlight_marks_stemmed_forms(catalogue):
    """"boil" matches "Boils" through the stemmer; the highlight marks the word as written."""
    results = list(SearchQuerySet().auto_query("boil").highlight())
    assert catalogue.keys_of(results) == ["g5"]
    assert marked_words(results[0].highlighted["text"][0]) == ["Boils"]


def test_highlight_on_every_result(catalogue):
    """"solar" is in g1's name and g2's description; each result marks it."""
    results = list(SearchQuerySet().auto_query("solar").highlight())
    assert catalogue.key_set(results) == {"g1", "g2"}
    for result in results:
        assert [word.lower() for word in marked_words(result.highlighted["text"][0])] == ["solar"]


NO_HITS_NO_SUGGESTION = (
    "a query with no hits gets Whoosh's empty page (page 0 of 0), which the backend returns "
    "before it makes the spelling suggestion"
)


@pytest.mark.stock_limitation(NO_HITS_NO_SUGGESTION)
def test_spelling_suggestion_when_nothing_matches(catalogue):
    """"lampz" matches nothing; "lamp" (g3) is one letter away."""
    sqs = SearchQuerySet().auto_query("lampz")
    assert sqs.count() == 0
    assert sqs.spelling_suggestion() == "lamp"


@pytest.mark.stock_limitation(NO_HITS_NO_SUGGESTION)
def test_spelling_suggestion_for_a_content_filter(catalogue):
    """haystack's test_get_spelling: a content filter is the query that is spelt."""
    assert SearchQuerySet().filter(content="kettel").spelling_suggestion() == "kettle"


def test_spelling_suggestion_for_a_word_that_matches_only_by_its_stem(catalogue):
    """haystack's Whoosh test_search: "Indexe" finds the 23 "Indexed" documents and is still
    corrected to "indexed". Here "sunlights" finds g1 through the stemmer; the word is "sunlight"."""
    sqs = SearchQuerySet().auto_query("sunlights")
    assert catalogue.keys_of(sqs) == ["g1"]
    assert sqs.spelling_suggestion() == "sunlight"


def test_spelling_suggestion_for_the_spelling_query_set_on_the_queryset(catalogue):
    """``set_spelling_query``: the suggestion is the spelling query's, after the query has run."""
    sqs = SearchQuerySet().auto_query("solar").set_spelling_query("kettel")
    assert catalogue.key_set(sqs) == {"g1", "g2"}
    assert sqs.spelling_suggestion() == "kettle"


def test_spelling_suggestion_for_the_preferred_query_of_a_queryset_not_yet_run(catalogue):
    assert SearchQuerySet().auto_query("solar").spelling_suggestion("kettel") == "kettle"


def test_spelling_suggestion_of_a_queryset_that_has_run_is_for_its_own_query(catalogue):
    """haystack's SearchQuery answers from the run it made: a preferred query asked afterwards
    does not change the suggestion."""
    sqs = SearchQuerySet().auto_query("sunlights")
    assert catalogue.keys_of(sqs) == ["g1"]
    assert sqs.spelling_suggestion("kettel") == "sunlight"


def test_the_backend_search_gives_the_suggestion_with_its_results(catalogue):
    """haystack's Whoosh test_spelling: ``search`` returns ``spelling_suggestion`` beside the hits."""
    results = connections["default"].get_backend().search("solar", spelling_query="kettel")
    assert results["hits"] == 2
    assert results["spelling_suggestion"] == "kettle"


def test_more_like_this_finds_documents_sharing_words(catalogue):
    """g1 (solar charger, phones, sunlight) shares "solar" with g2 only; never itself."""
    assert catalogue.keys_of(SearchQuerySet().more_like_this(catalogue["g1"])) == ["g2"]


def test_more_like_this_finds_nothing_for_a_document_sharing_no_word(catalogue):
    """g5 (kettle, boils, water, quickly) shares no word with another gadget."""
    assert catalogue.keys_of(SearchQuerySet().more_like_this(catalogue["g5"])) == []


@pytest.mark.stock_limitation(
    "with models(), more_like_this counts the hits before the models filter, so the queryset's "
    "length is too large and iterating it repeats results"
)
def test_more_like_this_respects_models(engine):
    """An article about solar panels is like the solar gadget, but not a Gadget."""
    charger = make_gadget(name="Solar charger", description="Charges phones from sunlight with a solar panel.")
    torch = make_gadget(name="Pocket torch", description="A bright torch with a solar panel.")
    article = make_article("Solar panel prices fall", "Sunlight is cheaper than ever for solar panel owners.")
    index_objects(charger, torch, article)
    similar = list(SearchQuerySet().models(Gadget).more_like_this(charger))
    assert [(result.model, result.pk) for result in similar] == [(Gadget, str(torch.pk))]


def test_more_like_this_count_agrees_with_its_results(catalogue):
    mlt = SearchQuerySet().more_like_this(catalogue["g1"])
    assert mlt.count() == len(list(mlt)) == 1


@pytest.mark.parametrize("word", ["solar", "lamp"])
def test_result_score_is_a_number(catalogue, word):
    for result in SearchQuerySet().auto_query(word):
        assert isinstance(result.score, (int, float))


@pytest.fixture
def solar_gadgets(engine) -> dict:
    """Four gadgets sharing "solar", by two makers, and one sharing nothing."""
    gadgets = {
        "charger": make_gadget(name="Solar charger", description="Charges phones from sunlight with a solar panel.", maker="hooli"),
        "torch": make_gadget(name="Pocket torch", description="A bright torch with a solar panel.", maker="globex"),
        "lamp": make_gadget(name="Garden lamp", description="A solar lamp for the garden.", maker="hooli"),
        "radio": make_gadget(name="Radio", description="A solar radio for camping.", maker="globex"),
        "kettle": make_gadget(name="Kettle", description="Boils water quickly.", maker="hooli"),
    }
    index_objects(*gadgets.values())
    return gadgets


def names_of(results) -> list[str]:
    return [result.name for result in results]


@pytest.mark.stock_limitation(
    "with an additional query, more_like_this counts the hits before the query filters them, so "
    "iterating the queryset repeats results"
)
def test_more_like_this_within_an_additional_query(solar_gadgets):
    """A filter() before more_like_this() is haystack's additional query: it narrows the likes."""
    similar = names_of(SearchQuerySet().filter(maker="hooli").more_like_this(solar_gadgets["charger"]))
    assert similar == ["Garden lamp"]


def test_more_like_this_slices_are_pages_of_one_ranking(solar_gadgets):
    mlt = SearchQuerySet().more_like_this(solar_gadgets["charger"])
    everything = names_of(mlt)
    assert sorted(everything) == ["Garden lamp", "Pocket torch", "Radio"]
    assert names_of(SearchQuerySet().more_like_this(solar_gadgets["charger"])[:2]) == everything[:2]
