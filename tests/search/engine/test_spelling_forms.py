"""A known word's written form is read from the first live article with it, found a segment and a
few postings at a time: the same article as in the term's whole postings joined. A correction's
document frequency is read from the segments' term tables: Whoosh's count, deleted documents in."""

import pytest

from search.engine.spelling import first_live_document
from search.indexing import reindex_articles, search_backend
from search.signals import index_updates_paused
from tests.factories import ArticleFactory

pytestmark = pytest.mark.archive_engine


def test_the_first_live_document_is_that_of_the_joined_postings(db, search_index):
    articles = []
    for batch in range(3):  # a segment each
        with index_updates_paused():
            made = [ArticleFactory(slug=f"s{batch}-{n}", body="common" + (" rare" if n % 4 == 3 else "")) for n in range(10)]
            reindex_articles([article.pk for article in made])
        articles += made
    deleted = [article.pk for article in articles[:13]]  # the first segment's and the next one's first three
    with index_updates_paused():
        for article in articles[:13]:
            article.delete()
    reindex_articles(deleted)  # drops them from the index
    snapshot = search_backend().snapshot()
    assert len(snapshot.postings.leaves) > 1
    docs, _ = snapshot.postings.term("text", "common")
    assert len(docs) == 30 and int(snapshot.live[docs].sum()) == 17  # deleted, not yet merged away
    for term in ["common", "rare", "absent"]:
        docs, _ = snapshot.postings.term("text", term)
        live = docs[snapshot.live[docs]]
        expected = int(live[0]) if len(live) else None
        assert (expected is None) == (term == "absent")
        for chunk in (1, 2, 256):
            assert first_live_document(snapshot, "text", term, chunk) == expected
        # A candidate's document frequency, read from the term tables, is Whoosh's and the postings'.
        frequency = snapshot.postings.document_frequency("text", term)
        assert frequency == snapshot.reader.doc_frequency("text", term) == len(docs)
