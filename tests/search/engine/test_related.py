"""The engine's more-like-this parts (search/engine/related.py), without an index."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from search.engine.backend import TERM_OF, ArchiveWhooshBackend
from search.engine.languages import FOLD_ACCENTS
from search.engine.related import KEY_TERMS, key_terms, near_duplicate, shingles

STORY = (
    "Police in Spain arrested four suspected members of the hacker group Anonymous in an operation "
    "coordinated by Interpol with Argentina, Chile and Colombia."
)


def test_key_terms_prefer_rare_words_and_leave_out_words_no_other_document_has():
    frequency = {"anonym": 2, "interpol": 3, "polic": 900, "spain": 400, "colombia": 1}
    terms = key_terms(STORY, TERM_OF[""], lambda term: frequency.get(term, 50), documents=1000)
    assert "colombia" not in terms  # only this document: it cannot find another
    assert max(terms, key=terms.get) == "anonym" and terms["anonym"] == 1.0
    assert terms["interpol"] > terms["spain"] > terms["polic"]
    assert len(terms) <= KEY_TERMS


def test_key_terms_are_the_terms_of_the_documents_analysis():
    spanish = key_terms("La Policía Nacional detuvo a los miembros", TERM_OF["es"], lambda term: 2, documents=10)
    assert "polici" in spanish and "la" not in spanish


def test_a_wire_copy_with_its_own_dateline_and_last_line_is_a_near_duplicate():
    copy = "MADRID (AP) — " + STORY + " Officials declined to comment."
    assert near_duplicate(shingles(STORY, FOLD_ACCENTS), shingles(copy, FOLD_ACCENTS))


def test_another_story_on_the_same_arrests_is_not_a_near_duplicate():
    other = "Interpol said its website was attacked by Anonymous after police in Spain arrested suspected members."
    assert not near_duplicate(shingles(STORY, FOLD_ACCENTS), shingles(other, FOLD_ACCENTS))


def test_shingles_ignore_case_and_accents():
    assert shingles("La Policía detuvo a cuatro", FOLD_ACCENTS) == shingles("la policia DETUVO a cuatro", FOLD_ACCENTS)


def test_an_empty_text_is_no_ones_duplicate():
    assert not near_duplicate(shingles("", FOLD_ACCENTS), shingles("", FOLD_ACCENTS))


def test_query_weights_must_name_fields_of_the_index(db):
    backend = ArchiveWhooshBackend("default", PATH="/tmp/unused", QUERY_WEIGHTS={"tags": 2.0})
    backend.use_file_storage = False
    with pytest.raises(ImproperlyConfigured, match="QUERY_WEIGHTS names 'tags'"):
        backend.setup()


def test_more_like_this_fields_must_be_facet_fields_of_the_index(db):
    backend = ArchiveWhooshBackend("default", PATH="/tmp/unused", MORE_LIKE_THIS_FIELDS={"title": 1.0})
    backend.use_file_storage = False
    with pytest.raises(ImproperlyConfigured, match="title"):
        backend.setup()
