"""``top_documents`` ranks a part of the archive at a time and gives the ranking of every match
sorted at once: best score first, ties by document number, pages that never overlap."""

import numpy as np
import pytest

from search.engine import scoring


def ranked_whole(mask, scores, start, end):
    """Every match sorted by (-score, document number): the plain answer."""
    docs = np.flatnonzero(mask).tolist()
    docs.sort(key=lambda doc: (-float(scores[doc]), doc))
    return [(doc, float(scores[doc])) for doc in docs[start:end]]


@pytest.mark.parametrize("chunk", [1, 7, 64, 10**9])
@pytest.mark.parametrize("seed", range(6))
def test_a_part_at_a_time_as_every_match_sorted_at_once(monkeypatch, chunk, seed):
    """Ranked a part at a time (``top_documents``), from the matches' lists (``top_of_few``) and
    in index order a part at a time (``documents_in_order``): as every match sorted at once."""
    monkeypatch.setattr(scoring, "TOP_CHUNK", chunk)
    rng = np.random.default_rng(seed)
    size = int(rng.integers(0, 400))
    # Few distinct scores, so that ties cross the parts' borders and the pages' ends.
    scores = rng.integers(0, 6, size).astype(np.float32) / np.float32(3)
    mask = rng.random(size) < rng.choice([0.0, 0.02, 0.3, 0.9, 1.0])
    docs = np.flatnonzero(mask)
    for start, end in [(0, 1), (0, 10), (3, 13), (10, 20), (0, size + 5), (size, size + 10), (5, 5), (7, 2)]:
        ranked = ranked_whole(mask, scores, start, end)
        assert scoring.top_documents(mask, scores, start, end) == ranked, (start, end)
        assert scoring.top_of_few(docs, scores[docs], start, end) == ranked, (start, end)
        assert scoring.documents_in_order(mask, start, end) == (docs[start:end].tolist() if end > start else []), (start, end)


def test_pages_of_tied_scores_follow_each_other_without_overlap(monkeypatch):
    monkeypatch.setattr(scoring, "TOP_CHUNK", 4)
    scores = np.ones(30, dtype=np.float32)
    mask = np.ones(30, dtype=bool)
    pages = [scoring.top_documents(mask, scores, start, start + 10) for start in (0, 10, 20)]
    assert [doc for page in pages for doc, _ in page] == list(range(30))

