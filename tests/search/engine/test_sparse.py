"""Rare query parts evaluated as document lists give exactly the arrays' masks and scores."""

import numpy as np
import pytest

from search.engine import scoring, sparse

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
