"""The re-rank by pseudo-relevance feedback (search/engine/rerank.py): what it learns from the first
pass, and that a search's matches stay the first pass's while their order changes."""

from collections import Counter
from datetime import datetime, timezone

import numpy as np
import pytest
from haystack import connections

from search.engine.backend import TERM_OF, ArchiveWhooshBackend
from search.engine.rerank import Feedback, document_terms, expansion_scores, expansion_terms
from tests.conftest import index_everything
from tests.factories import ArticleFactory

FEEDBACK = Feedback(documents=4, candidates=100, terms=5, shared_by=3, weight=2.0)


def counts(*terms):
    return Counter({("text", term): 1 for term in terms})


def test_expansion_terms_are_shared_by_the_feedback_documents_and_leave_out_the_querys_own():
    feedback = [counts("coffe", "quota", "brazil", "ico"), counts("coffe", "quota", "brazil"),
                counts("coffe", "quota", "ico", "frost"), counts("coffe", "export")]  # fmt: skip
    frequency = {"quota": 40, "brazil": 400, "ico": 30, "coffe": 100}
    weights = expansion_terms(
        feedback, {("text", "coffe")}, FEEDBACK, lambda key: frequency.get(key[1], 5), lambda field: 10_000
    )
    assert set(weights) == {("text", "quota")}  # "brazil" and "ico": two of four; "coffe": the query's


def test_expansion_terms_prefer_the_rarer_of_equally_shared_terms():
    feedback = [counts("quota", "said", "ico")] * 3
    frequency = {"quota": 40, "said": 9_000, "ico": 30}
    weights = expansion_terms(feedback, set(), FEEDBACK, lambda key: frequency[key[1]], lambda field: 10_000)
    assert weights[("text", "ico")] == 1.0 and weights[("text", "ico")] > weights[("text", "quota")] > weights[("text", "said")]


def test_a_term_no_other_document_has_cannot_be_an_expansion_term():
    weights = expansion_terms([counts("sigma")] * 3, set(), FEEDBACK, lambda key: 1, lambda field: 10_000)
    assert weights == {}


def test_document_terms_are_the_analysis_terms_without_figures():
    terms = document_terms("Coffee quotas: 1987 exports fell 12 pct", "text", TERM_OF[""])
    assert terms[("text", "coffe")] == 1 and terms[("text", "quota")] == 1
    assert not any(term[1].isdigit() for term in terms)


class FakePostings:
    def __init__(self, postings):
        self.postings = postings

    def term(self, fieldname, term):
        docs, freqs = self.postings.get(term, ([], []))
        return np.array(docs, dtype=np.int64), np.array(freqs, dtype=np.float32)

    def bm25(self, fieldname, term, docs, freqs):
        return freqs.astype(np.float64)  # the term frequency stands for the score


def test_expansion_scores_find_each_candidates_postings_in_any_order():
    postings = FakePostings({"quota": ([2, 5, 9], [1, 2, 3]), "ico": ([5], [4])})
    scores = expansion_scores(postings, np.array([9, 3, 5]), {("text", "quota"): 1.0, ("text", "ico"): 0.5})
    assert scores.tolist() == [3.0, 0.0, 2.0 + 0.5 * 4]


def test_the_feedback_option_is_off_unless_given_and_sets_parameters():
    assert Feedback.from_option(False) is None and Feedback.from_option(None) is None
    assert Feedback.from_option(True) == Feedback()
    assert Feedback.from_option({"weight": 1.0}).weight == 1.0


# A search: twelve reports that name the harvest three times and talk of wheat, drought and
# farmers; then two stories that name it once, alike in length: the first written (so first in the
# first pass's order of equal scores) about something else, the second about the same harvest.
HARVEST = "The harvest report: harvest losses grew, wheat fields dried in the drought and farmers sold the harvest early."
STRANGER = "A harvest festival opened the music season in the old town with bands, dancers and lantern parades tonight."
RELATED = "A harvest of wheat was lost to the drought, farmers said, and the wheat farmers asked for drought aid now."


@pytest.fixture
def harvest_archive(db, search_index):
    for number in range(12):
        ArticleFactory(title=f"Report {number}", slug=f"report-{number}", body=HARVEST)
    ArticleFactory(title="Festival", slug="stranger", body=STRANGER, published_at=datetime(2011, 7, 1, tzinfo=timezone.utc))
    ArticleFactory(title="Losses", slug="related", body=RELATED, published_at=datetime(2011, 5, 1, tzinfo=timezone.utc))
    index_everything()
    return connections["default"].options


def ranked_slugs(backend, query_string):
    found = backend.search(query_string, end_offset=100)
    return [result.slug for result in found["results"]], found["hits"]


@pytest.mark.archive_engine
def test_feedback_moves_up_a_match_that_shares_the_best_matches_terms_and_keeps_the_matches(harvest_archive):
    on = ArchiveWhooshBackend("default", **{**harvest_archive, "FEEDBACK": True})
    off = ArchiveWhooshBackend("default", **{**harvest_archive, "FEEDBACK": False})
    first_pass, first_hits = ranked_slugs(off, "harvest")
    reranked, hits = ranked_slugs(on, "harvest")
    assert hits == first_hits == 14 and sorted(reranked) == sorted(first_pass)
    assert first_pass.index("stranger") < first_pass.index("related")  # equal scores: the older first
    assert reranked.index("related") < reranked.index("stranger")


@pytest.mark.archive_engine
def test_feedback_leaves_the_date_order_alone(harvest_archive):
    on = ArchiveWhooshBackend("default", **{**harvest_archive, "FEEDBACK": True})
    off = ArchiveWhooshBackend("default", **{**harvest_archive, "FEEDBACK": False})
    by_date = ["-published_at"]
    in_date_order = [r.slug for r in on.search("harvest", sort_by=by_date, end_offset=100)["results"]]
    assert in_date_order == [r.slug for r in off.search("harvest", sort_by=by_date, end_offset=100)["results"]]
    assert in_date_order.index("stranger") < in_date_order.index("related")  # the newer first, as without feedback


@pytest.mark.archive_engine
def test_a_repeated_search_reuses_the_expansion_terms_of_the_same_best_matches(harvest_archive, monkeypatch):
    from search.engine import rerank

    learned = []
    monkeypatch.setattr(rerank, "expansion_terms", lambda *args: learned.append(args) or {("text", "wheat"): 1.0})
    backend = ArchiveWhooshBackend("default", **{**harvest_archive, "FEEDBACK": True})
    first_page = ranked_slugs(backend, "harvest")
    assert ranked_slugs(backend, "harvest") == first_page and len(learned) == 1
    ranked_slugs(backend, "harvest drought")  # the query's own terms are left out: other terms to learn
    assert len(learned) == 2
