"""Rare query parts evaluated as document lists give exactly the arrays' masks and scores."""

import numpy as np
from whoosh import query
import pytest

from articles.models import Article
from search.engine import scoring, sparse
from search.engine.languages import LanguageBranch
from search.indexing import reindex_articles

pytestmark = pytest.mark.archive_engine

QUERIES = [
    "anonymous",
    "police arrested",
    "cartel OR interpol",
    "anonymous^3 hackers",
    "(cartel OR zetas) AND (mexico OR policía)",
    "operación policía",
    "title:anonymous",
    "countries:(MX)",
    "zzzunknown",
    "anonymous zzzunknown",
    "(zzzunknown OR anonymous)^2 police",  # an Or with one part found, boosted
    "(zzzunknown AND anonymous) OR police",  # an And cut short by its first part
]


def evaluated(backend, snapshot, text, scored, monkeypatch, share):
    monkeypatch.setattr(scoring, "SPARSE_SHARE", share)
    return scoring.evaluate(backend.parse(text), snapshot, scored=scored)


@pytest.mark.parametrize("scored", [True, False])
@pytest.mark.parametrize("text", QUERIES)
def test_document_lists_give_the_arrays_results_to_the_bit(sample_snapshot, monkeypatch, text, scored):
    backend, snapshot = sample_snapshot
    assert sparse.evaluable(backend.parse(text))
    lists_mask, lists_scores = evaluated(backend, snapshot, text, scored, monkeypatch, share=0)
    arrays_mask, arrays_scores = evaluated(backend, snapshot, text, scored, monkeypatch, share=10**9)
    assert np.array_equal(lists_mask, arrays_mask)
    if scored:
        assert lists_scores.dtype == arrays_scores.dtype == np.float32
        assert np.array_equal(lists_scores, arrays_scores)
    else:
        assert lists_scores is None and arrays_scores is None


def test_a_rare_query_is_evaluated_as_document_lists(sample_snapshot, monkeypatch):
    backend, snapshot = sample_snapshot
    calls = []
    real = sparse.evaluate
    monkeypatch.setattr(sparse, "evaluate", lambda *args: calls.append(args) or real(*args))
    scoring.evaluate(backend.parse("zetas interpol"), snapshot, scored=True)
    assert calls, "a query matching few documents went through the archive-sized arrays"


def test_a_common_query_keeps_the_arrays(sample_snapshot, monkeypatch):
    backend, snapshot = sample_snapshot
    parsed = backend.parse("anonymous OR police OR mexico")
    assert sparse.estimate(parsed, snapshot) * scoring.SPARSE_SHARE > snapshot.size
    evaluated_as_lists = []
    real = sparse.evaluate
    monkeypatch.setattr(sparse, "evaluate", lambda q, *args: evaluated_as_lists.append(q) or real(q, *args))
    mask, scores = scoring.evaluate(parsed, snapshot, scored=True)
    assert parsed not in evaluated_as_lists and mask.any() and scores.any()


def test_a_phrase_is_not_a_document_list_query(sample_snapshot):
    backend, _ = sample_snapshot
    assert not sparse.evaluable(backend.parse('"drug cartel"'))
    assert not sparse.evaluable(backend.parse("anonymous NOT police"))


@pytest.mark.parametrize(
    "lists",
    [[[1, 3, 5], [2, 3, 9]], [[], [4, 4, 7]], [[5]], [[], []], [[0, 2], [1], [2, 8, 9]]],
)
def test_union_is_the_sorted_set_of_every_list(lists):
    arrays = [np.array(values, dtype=np.int64) for values in lists]
    expected = sorted({value for values in lists for value in values})
    assert sparse.union(arrays).tolist() == expected


def within_masks(backend, snapshot):
    """Masks a search's filters make: a country's documents, a random fifth, one document, none."""
    country, _ = scoring.evaluate(backend.parse("countries:(MX)"), snapshot, scored=False)
    one = np.zeros(snapshot.size, dtype=bool)
    one[np.flatnonzero(snapshot.live)[len(np.flatnonzero(snapshot.live)) // 2]] = True
    fifth = np.random.default_rng(7).random(snapshot.size) < 0.2
    return {"country": country, "fifth": fifth, "one": one, "none": np.zeros(snapshot.size, dtype=bool)}


@pytest.mark.parametrize("scored", [True, False])
@pytest.mark.parametrize("text", QUERIES)
def test_within_a_filter_the_lists_give_what_the_whole_query_gives_there(sample_snapshot, monkeypatch, text, scored):
    backend, snapshot = sample_snapshot
    whole_mask, whole_scores = evaluated(backend, snapshot, text, scored, monkeypatch, share=10**9)
    for name, within in within_masks(backend, snapshot).items():
        monkeypatch.setattr(scoring, "SPARSE_SHARE", 1)  # every filter counts as narrow
        mask, scores = scoring.evaluate(backend.parse(text), snapshot, scored=scored, within=within)
        assert np.array_equal(mask & within, whole_mask & within), name
        if scored:
            assert np.array_equal(scores[within], whole_scores[within]), name
    country = within_masks(backend, snapshot)["country"]
    assert 0 < np.count_nonzero(country) < np.count_nonzero(snapshot.live)


def test_a_narrow_filter_cuts_a_common_words_postings_to_it(sample_snapshot, monkeypatch):
    """A query the arrays would evaluate (too common for lists) goes through the lists once the
    filter keeps few documents, and every list is then no longer than the filter."""
    backend, snapshot = sample_snapshot
    parsed = backend.parse("anonymous OR police OR mexico")
    within = within_masks(backend, snapshot)["one"]
    lengths = []
    real = sparse.evaluate
    monkeypatch.setattr(sparse, "evaluate", lambda *args: (found := real(*args), lengths.append(len(found.docs)))[0])
    mask, _ = scoring.evaluate(parsed, snapshot, scored=True, within=within)
    assert lengths and max(lengths) <= 1
    assert not (mask & ~within).any()


def test_a_value_fields_documents_are_sorted_and_each_once_over_several_segments(sample_snapshot):
    """``value_docs`` is used as a sorted list of unique documents without sorting it again."""
    backend, _ = sample_snapshot
    tagged = list(Article.objects.filter(countries__isnull=False).distinct().order_by("pk").values_list("pk", flat=True))
    for pk in tagged[::3]:  # each a commit: its old copy deleted, a new one in a segment of its own
        reindex_articles([pk])
    snapshot = backend.snapshot()
    assert len(snapshot.reader.leaf_readers()) > 1
    values, _, _ = snapshot.facet_postings("countries")
    assert values
    for value in values:
        docs = snapshot.value_docs("countries", value)
        assert (np.diff(docs) > 0).all(), value
        whoosh_ids = snapshot.reader.postings("countries", value).all_ids()
        assert docs[snapshot.live[docs]].tolist() == sorted(whoosh_ids), value


def every_or(q) -> list:
    found = [q] if type(q) is query.Or else []
    for child in q.children():
        found += every_or(child)
    return found


OR_QUERIES = [
    "cartel OR interpol OR anonymous",
    "anonymous^3 OR hackers^0.5",
    "(police arrested) OR wikileaks OR zzzunknown",
    "countries:(MX) OR countries:(US)",
    "title:anonymous OR anonymous",
    # One word: an Or of language branches, each of its fields' terms (``branch_terms``).
    "anonymous",
    "policía",
    "title:hackers",
    "anonymous^3",
]


@pytest.mark.parametrize("scored", [True, False])
@pytest.mark.parametrize("text", OR_QUERIES)
def test_an_or_adds_its_parts_in_place_to_the_bit_of_the_sum_of_their_arrays(sample_snapshot, monkeypatch, text, scored):
    """``any_of`` against the arrays added part by part, as the Or was evaluated before it."""
    backend, snapshot = sample_snapshot
    monkeypatch.setattr(scoring, "SPARSE_SHARE", 10**9)  # arrays, not lists
    ors = every_or(backend.parse(text))
    assert ors, text  # the query's own Or, and its words' Ors over fields and languages
    matched = []
    for q in ors:
        parts = [scoring.evaluate(child, snapshot, scored) for child in q.subqueries]
        mask = np.logical_or.reduce([m for m, _ in parts])
        mine_mask, mine_scores = scoring.any_of(q, snapshot, scored)
        assert np.array_equal(mine_mask, mask)
        matched.append(mine_mask.any() and (not scored or mine_scores[mine_mask].any()))
        if scored:
            summed = np.zeros(snapshot.size, dtype=np.float32)
            for _, part_scores in parts:
                summed += part_scores
            if q.boost != 1:
                summed *= q.boost
            assert mine_scores.dtype == np.float32 and np.array_equal(mine_scores, summed)
    assert any(matched), "no Or of the query matched anything: the comparison proved nothing"


@pytest.mark.parametrize("scored", [True, False])
def test_one_words_language_branches_add_into_the_ors_arrays(sample_snapshot, monkeypatch, scored):
    """A one-word query is an Or of a branch per language, each an Or of the word's terms: each
    branch adds its terms within its language's documents, without arrays of its own, and the
    matches of more than one language make the comparison above mean something."""
    backend, snapshot = sample_snapshot
    monkeypatch.setattr(scoring, "SPARSE_SHARE", 10**9)
    parsed = backend.parse("anonymous")  # in English and in Spanish articles
    assert type(parsed) is query.Or
    assert all(scoring.branch_terms(child, parsed.subqueries) for child in parsed.subqueries)
    evaluated = []
    real = scoring.evaluate
    monkeypatch.setattr(scoring, "evaluate", lambda q, *args, **kwargs: evaluated.append(q) or real(q, *args, **kwargs))
    mask, _ = scoring.any_of(parsed, snapshot, scored)
    assert not [q for q in evaluated if isinstance(q, LanguageBranch)]
    analyses = {analysis for analysis in ("en", "es") if (mask & scoring.analysis_documents(branch_of(parsed, analysis), snapshot)).any()}
    assert analyses == {"en", "es"}


def branch_of(parsed, analysis):
    return next(child for child in parsed.subqueries if (child.analysis or "en") == analysis)


@pytest.mark.parametrize("scored", [True, False])
@pytest.mark.parametrize("term", [query.Term("countries", "MX"), query.Term("organisations", "anonymous")])
def test_language_branches_of_a_field_every_language_shares_add_within_their_documents(sample_snapshot, monkeypatch, term, scored):
    """A field that is not read per language (a tag field) has the same terms in every branch:
    each branch adds them for its own language's documents only, so a document is matched and
    scored once, as each branch's arrays cut to its documents and added up give it."""
    backend, snapshot = sample_snapshot
    monkeypatch.setattr(scoring, "SPARSE_SHARE", 10**9)
    routing = backend.languages.routing_field
    q = query.Or([LanguageBranch(routing, analysis, query.Or([term, query.Term("text", "anonymous")])) for analysis in ("", "es")])
    assert all(scoring.branch_terms(child, q.subqueries) for child in q.subqueries)
    mask, scores = scoring.any_of(q, snapshot, scored)
    expected_mask, expected_scores = np.zeros(snapshot.size, dtype=bool), np.zeros(snapshot.size, dtype=np.float32)
    for child in q.subqueries:
        documents = scoring.analysis_documents(child, snapshot)
        part_mask, part_scores = scoring.evaluate(child.tree, snapshot, True)  # the whole archive's, then cut
        assert (part_mask & documents).any()  # each branch matches something of its own
        expected_mask |= part_mask & documents
        expected_scores += part_scores * documents
    assert np.array_equal(mask, expected_mask)
    if scored:
        assert np.array_equal(scores, expected_scores)
