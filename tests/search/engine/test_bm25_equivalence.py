"""Our numpy BM25F ranks exactly as Whoosh's own search on the same on-disk index.

The engine's promise (``scoring.py``) is that only the speed differs: so the comparison is of the
full list of ranked document numbers, not only of rounded scores, over an index of the sample
archive with several segments and deleted documents, as an archive has after editors' saves.
"""

import math

import numpy as np

import pytest
from django.db import transaction
from django.test import override_settings
from haystack import connections

from articles.models import Article
from articles.sample_archive import sample_archive_load
from search.engine import scoring
from search.engine.scoring import evaluate, top_documents
from search.indexing import reindex_articles, search_backend
from search.signals import index_updates_paused
from newsarchive.settings import haystack_connection
from tests.conftest import ENGINES, index_everything

# Our engine's scoring; django_db so that pytest-django sets up the test database that the
# module's fixture fills (it sets up only the databases that collected tests ask for).
pytestmark = [pytest.mark.archive_engine, pytest.mark.django_db]

RELATIVE_TOLERANCE = 1e-4

QUERIES = [
    "anonymous",  # a common word: many documents, many equal scores
    "police",
    "zetas",  # rare words
    "stratfor",
    "méxico",  # accents fold: "México" and "Mexico" are one term
    "bogotá",  # rare, with an accent
    "police arrested",  # two words, ANDed
    "anonymous hackers police",  # three words, ANDed
    "cartel OR interpol",
    "wikileaks OR paypal OR sony",
    "NOT anonymous",
    "hackers NOT police",
    "anonymous ANDNOT police",
    "title:anonymous",  # the title field has boost 2.0
    "title:arrest AND police",
    "title:hackers OR text:hackers",  # one word in two fields
    "anonymous OR title:anonymous",
    "anonymous^3 police",
    "(anonymous OR lulzsec) AND arrest",
    "police arrested OR lulzsec",
    "(police arrested) OR wikileaks",  # an And inside an Or
    "(anonymous AND hackers) OR sony",
    "police OR NOT anonymous",  # a Not inside an Or
    "policía detenidos",  # Spanish words: the Spanish articles' own field and statistics
    "cártel OR cartel",  # both languages
    "detenidos NOT interpol",
    "anonymous OR countries:MX",  # a tag's term, weighted by the site's QUERY_WEIGHTS
    "(police arrested) OR organisations:interpol",
]


@pytest.fixture(scope="module")
def archive(django_db_setup, django_db_blocker, tmp_path_factory):
    """(backend, snapshot) of the sample archive indexed, then a fifth and a seventh of it saved
    again: three segments, with deletions. Built once for the module; the database rows are
    rolled back, the index stays on disk."""
    path = tmp_path_factory.mktemp("bm25") / "whoosh_index"
    haystack_connections = {"default": haystack_connection(f"whoosh://{path}")}  # as the site's: text read per language
    assert haystack_connections["default"]["ENGINE"] == ENGINES["archive"]
    original = connections.connections_info
    with override_settings(HAYSTACK_CONNECTIONS=haystack_connections):
        connections.connections_info = haystack_connections
        connections.reload("default")
        backend = search_backend()
        try:
            with django_db_blocker.unblock(), transaction.atomic():
                with index_updates_paused():
                    sample_archive_load()
                index_everything()
                pks = sorted(Article.objects.values_list("pk", flat=True))
                reindex_articles(pks[::5])
                reindex_articles(pks[1::7])
                transaction.set_rollback(True)
            yield backend, backend.snapshot()
        finally:
            backend.forget_snapshot()
            connections.connections_info = original
            connections.reload("default")


def whoosh_hits(snapshot, parsed, limit=None):
    """Whoosh's ranked (docnum, score) pairs of live documents.

    Whoosh 2.7.5 can return a deleted document for a ``Not``: its ``InverseMatcher._find_next``
    stops checking for deleted documents once the inner matcher is exhausted, so a deleted document
    right after the inner query's last live match comes back. Our engine never returns deleted
    documents, so those are left out of the comparison (a no-op for every other query).
    """
    reader = snapshot.reader
    return [(hit.docnum, hit.score) for hit in snapshot.searcher.search(parsed, limit=limit)
            if not reader.is_deleted(hit.docnum)]  # fmt: skip


def our_hits(snapshot, parsed, start=0, end=None):
    mask, scores = evaluate(parsed, snapshot, scored=True)
    return top_documents(mask & snapshot.live, scores, start, snapshot.size if end is None else end)


def first_difference(ours, theirs) -> int:
    return next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a[0] != b[0]), min(len(ours), len(theirs)))


def test_the_index_has_several_segments_and_deleted_documents(archive):
    """What makes the comparison worth having: document offsets and deletions across segments."""
    _, snapshot = archive
    assert len(snapshot.reader.leaf_readers()) >= 3
    assert 0 < (~snapshot.live).sum() < snapshot.size


@pytest.mark.parametrize("text", QUERIES)
def test_ranks_exactly_as_whoosh(archive, text):
    """The full list of ranked document numbers is Whoosh's, ties in document-number order."""
    backend, snapshot = archive
    parsed = backend.parse(text)
    theirs = whoosh_hits(snapshot, parsed)
    assert theirs, f"{text!r} should match part of the sample archive"
    ours = our_hits(snapshot, parsed)
    assert [docnum for docnum, _ in ours] == [docnum for docnum, _ in theirs], (
        f"{text!r} parsed as {parsed}; from rank {first_difference(ours, theirs)}, "
        f"ours {ours[first_difference(ours, theirs):][:3]}, Whoosh's {theirs[first_difference(ours, theirs):][:3]}"
    )


@pytest.mark.parametrize("text", QUERIES)
def test_scores_equal_whooshs(archive, text):
    backend, snapshot = archive
    parsed = backend.parse(text)
    theirs = dict(whoosh_hits(snapshot, parsed))
    ours = dict(our_hits(snapshot, parsed))
    assert ours.keys() == theirs.keys()
    different = {
        docnum: (ours[docnum], score)
        for docnum, score in theirs.items()
        if not math.isclose(ours[docnum], score, rel_tol=RELATIVE_TOLERANCE)
    }
    assert different == {}, f"{text!r} parsed as {parsed}: docnum: (ours, Whoosh's)"


@pytest.mark.parametrize("text", QUERIES)
def test_the_first_page_is_whooshs_first_page(archive, text):
    """With a limit Whoosh keeps a heap of the best documents; its first page of 10 is ours too."""
    backend, snapshot = archive
    parsed = backend.parse(text)
    # Room for the deleted documents that Whoosh's Not can return (whoosh_hits leaves them out).
    theirs = [docnum for docnum, _ in whoosh_hits(snapshot, parsed, limit=10 + int((~snapshot.live).sum()))]
    assert [docnum for docnum, _ in our_hits(snapshot, parsed, 0, 10)] == theirs[:10]


def test_whoosh_and_we_break_ties_by_document_number(archive):
    """Equal scores are common (a word once in equally long texts); both order them by document
    number. Checked on the queries above, which must include such ties."""
    backend, snapshot = archive
    ties = 0
    for text in QUERIES:
        parsed = backend.parse(text)
        for hits in (whoosh_hits(snapshot, parsed), our_hits(snapshot, parsed)):
            for (docnum, score), (next_docnum, next_score) in zip(hits, hits[1:]):
                assert next_score <= score
                if next_score == score:
                    ties += 1
                    assert docnum < next_docnum, f"{text!r}: tie of {docnum} and {next_docnum} out of order"
    assert ties >= 20


@pytest.mark.parametrize("text", ["anonymous", "title:anonymous", "lulzsec"])
def test_pages_join_up_to_the_full_ranking(archive, text):
    """Paging cuts at a score threshold that keeps ties: pages of 7 must neither repeat nor skip a
    document of Whoosh's ranking, including across runs of equal scores."""
    backend, snapshot = archive
    parsed = backend.parse(text)
    full = [docnum for docnum, _ in whoosh_hits(snapshot, parsed)]
    paged = []
    for start in range(0, len(full) + 7, 7):
        paged += [docnum for docnum, _ in our_hits(snapshot, parsed, start, start + 7)]
    assert paged == full


def test_plain_words_search_the_boosted_title_too(archive):
    """A word with no field searches the text and the title (boosted in ArticleIndex), in each
    language's fields; a word that names its field searches that field only."""
    backend, _ = archive
    fields = {name for name, _ in backend.parse("anonymous").iter_all_terms()}
    assert {"text", "title", "text__es", "title__es"} <= fields
    assert {name for name, _ in backend.parse("title:anonymous").iter_all_terms()} & {"text", "text__es"} == set()


def test_a_tags_term_counts_its_query_weight(archive):
    """The site's QUERY_WEIGHTS weigh a tag's term (a search naming an entity ORs its tag in). A
    tag scores its weight, 1.0, as Whoosh scores an unscorable field's term; weighted, each tagged
    document gains the weight less 1.0 more, the others nothing, and what matches is the same."""
    backend, snapshot = archive
    weight = backend.query_weights["countries"]
    assert weight > 1
    weighted = backend.parse("countries:MX OR zetas")
    unweighted = backend.parse_in_languages("countries:MX OR zetas")  # what parse weighs
    assert {term.boost for term in weighted.leaves() if term.fieldname == "countries"} == {weight}
    tagged, _ = evaluate(backend.parser.parse("countries:MX"), snapshot, scored=False)
    mask, scores = evaluate(weighted, snapshot, scored=True)
    plain_mask, plain_scores = evaluate(unweighted, snapshot, scored=True)
    assert (mask == plain_mask).all()
    mask &= snapshot.live  # a deleted copy of a document is never a result
    tagged &= mask
    assert tagged.any() and (mask & ~tagged).any()
    assert scores[tagged] - plain_scores[tagged] == pytest.approx(weight - 1.0, rel=RELATIVE_TOLERANCE)
    assert (scores[mask & ~tagged] == plain_scores[mask & ~tagged]).all()


@pytest.mark.parametrize("chunk", [1, 3, 10**9])
@pytest.mark.parametrize("text", ["anonymous", "police arrested", "title:anonymous", "policía detenidos", "countries:(MX)"])
def test_a_term_scored_by_segment_and_chunk_gives_its_whole_postings_scores_to_the_bit(archive, monkeypatch, text, chunk):
    """``Postings.add_term`` (each segment's postings, a few at a time, into views) against the
    term's postings joined and scored whole, as the arrays were before it."""
    backend, snapshot = archive
    monkeypatch.setattr(scoring, "SCORE_CHUNK", chunk)
    postings, size = snapshot.postings, snapshot.size
    assert len(postings.leaves) > 1
    across_segments = False
    for fieldname, term_text in backend.parse(text).iter_all_terms():
        docs, freqs = postings.term(fieldname, term_text)
        across_segments |= sum(bool(len(part)) for (part, _), _ in postings.term_parts(fieldname, term_text)) > 1
        expected_mask = np.zeros(size, dtype=bool)
        expected_mask[docs] = True
        expected_scores = np.zeros(size, dtype=np.float32)
        expected_scores[docs] = postings.bm25(fieldname, term_text, docs, freqs) * 1.7
        mask, scores = np.zeros(size, dtype=bool), np.zeros(size, dtype=np.float32)
        postings.add_term(fieldname, term_text, mask, scores, 1.7)
        assert np.array_equal(mask, expected_mask) and np.array_equal(scores, expected_scores), (fieldname, term_text)
        unscored = np.zeros(size, dtype=bool)
        postings.add_term(fieldname, term_text, unscored, None, 1.7)
        assert np.array_equal(unscored, expected_mask)
    if text != "countries:(MX)":
        assert across_segments, "no term of the query is in two segments: the comparison proved little"
