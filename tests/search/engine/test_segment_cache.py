"""What a process keeps of the index's segments, and every other search cache, stays within the
budget in bytes, survives a commit, and never changes an answer."""

import numpy as np
import pytest

from search.engine import segments
from search.engine.backend import caches_held_bytes
from search.engine.whoosh_internals import segment_id
from search.indexing import reindex_articles, search_backend
from search.related import related_articles
from search.signals import index_updates_paused
from articles.models import LanguageOrigin
from tests.factories import ArticleFactory
from tests.search.helpers import search, slugs

pytestmark = pytest.mark.archive_engine

WORDS = [f"word{n:03d}" for n in range(300)]


@pytest.fixture
def budget():
    """Restore the process's budget and start from an empty cache."""
    segments.set_budget(0)
    yield segments.set_budget
    segments.set_budget(search_backend().cache_bytes)


@pytest.fixture
def archive(db, search_index):
    with index_updates_paused():
        articles = [
            ArticleFactory(slug=f"story-{n}", title=f"Story {n}", body=" ".join(WORDS[n::7]) + " common")
            for n in range(40)
        ]
        reindex_articles([article.pk for article in articles])
    return articles


def test_the_cache_never_holds_more_than_its_budget(archive, budget):
    budget(20_000)
    for word in WORDS:
        search(f"q={word}")
        assert segments.held_bytes() <= 20_000
    assert segments.held_bytes() > 0


def test_every_cache_together_holds_no_more_than_the_budget(archive, budget):
    """Searches with snippets and filters, browsing and related articles fill each cache; past
    its share, each drops what it holds (the shares add up to the budget)."""
    assert sum(segments.SHARES.values()) == pytest.approx(1.0)
    budget(150_000)
    most = dict.fromkeys(segments.SHARES, 0)
    for n, word in enumerate(WORDS):
        search(f"q={word} OR common")
        search(f"q={word}&sort=newest&language=en")
        search(f"from={1990 + n % 40}-01-01")  # browsing: its facet counts are remembered
        related_articles(archive[n % len(archive)])
        held = caches_held_bytes(search_backend().snapshot())
        assert all(held[name] <= segments.share_bytes(name) for name in held), held
        assert sum(held.values()) <= 150_000, held
        most = {name: max(most[name], held[name]) for name in held}
    assert all(most.values()), f"a cache was never used: {most}"
    assert most[segments.FILTER_MASKS] > segments.share_bytes(segments.FILTER_MASKS) / 2, "the masks never came near their share"


def answers(archive) -> list:
    return [
        (slugs(found), found.total, [(facet.name, [(v.value, v.count) for v in facet.values]) for facet in found.facets])
        for found in (search(query) for word in WORDS[:40] for query in (f"q={word} OR common", f"from=19{word[-2:]}-01-01"))
    ] + [[hit.slug for hit in related_articles(article)] for article in archive[:10]]


def test_answers_are_the_same_with_a_tiny_budget_and_a_large_one(archive, budget):
    budget(64 * 2**20)
    large = answers(archive)
    budget(1)
    tiny = answers(archive)
    assert tiny == large


def test_a_commit_reads_only_the_new_segments_postings(archive, budget, monkeypatch):
    budget(64 * 2**20)
    assert search("q=common").total == 40
    read = []
    real = segments.read_leaf
    monkeypatch.setattr(segments, "read_leaf", lambda leaf, *args: read.append(segment_id(leaf)) or real(leaf, *args))
    new = ArticleFactory(slug="edited", title="Edited", body="common ground")
    reindex_articles([new.pk])
    assert search("q=common").total == 41
    live = [segment_id(leaf) for leaf, _ in search_backend().snapshot().reader.leaf_readers()]
    assert len(live) > 1 and set(read) <= set(live)
    assert len(set(read)) == 1, "the unchanged segments' postings were read again after a commit"


def test_kept_postings_cannot_be_changed(archive, budget):
    budget(64 * 2**20)
    search("q=common")
    snapshot = search_backend().snapshot()
    docs, freqs = snapshot.postings.term("text", "common")
    with pytest.raises(ValueError):
        docs[0] = 1
    assert np.all(freqs > 0)


def test_size_of_a_container_of_flat_values_is_each_ones_size():
    import datetime
    import sys

    stored = {"title": "Policía", "id": "articles.article.1", "published_at": datetime.datetime(2011, 9, 1), "n": 3, "x": None}
    assert segments.size_of(stored) == sys.getsizeof(stored) + sum(sys.getsizeof(k) + sys.getsizeof(v) for k, v in stored.items())
    words = ("oil", "petróleo", 7)
    assert segments.size_of(words) == sys.getsizeof(words) + sum(sys.getsizeof(word) for word in words)
    nested = {"a": ["x" * 1000]}
    assert segments.size_of(nested) > 1000  # a list in it is counted by its contents


def test_size_of_counts_arrays_and_containers():
    array = np.zeros(1000, dtype=np.int64)
    assert segments.size_of(array) >= 8000
    assert segments.size_of({"a": array, "b": array}) >= 16000
    assert segments.size_of(["word"] * 10) > segments.size_of(["word"])


def test_the_generations_arrays_take_four_bytes_an_entry(archive):
    """A worker's largest arrays outside the budget, a few entries a document: at a million
    articles each byte an entry is megabytes a worker."""
    search("q=common&sort=newest")
    search("q=word001")  # few matches: facets counted per document
    snapshot = search_backend().snapshot()
    _, docs, value_ids = snapshot.facet_postings("countries")
    by_document, starts = snapshot.values_by_document("countries")
    order = snapshot.order_by(("-published_at",))
    assert {docs.itemsize, value_ids.itemsize, by_document.itemsize, starts.itemsize, order.itemsize} == {4}


def test_frequencies_are_kept_in_a_byte_only_where_every_one_fits():
    counts = np.array([1, 3, 255, 2], dtype=np.float32)
    compact = segments.compact_frequencies(counts)
    assert compact.dtype == np.uint8 and compact.tolist() == counts.tolist()
    for kept_as_they_are in ([1.5, 2.0], [256.0, 1.0], [-1.0, 2.0]):
        freqs = np.array(kept_as_they_are, dtype=np.float32)
        assert segments.compact_frequencies(freqs) is freqs


def test_a_terms_scores_are_the_same_from_frequencies_in_a_byte(archive):
    """BM25 over the byte-sized frequencies the cache keeps equals BM25 over float32 ones, to the bit."""
    postings = search_backend().snapshot().postings
    docs, freqs = postings.term("text", "common")
    assert freqs.dtype == np.uint8
    compact = postings.bm25("text", "common", docs, freqs)
    full = postings.bm25("text", "common", docs, freqs.astype(np.float32))
    assert compact.dtype == full.dtype == np.float32 and np.array_equal(compact, full)


def test_field_lengths_are_kept_as_whooshs_bytes(archive):
    """A length a byte, as Whoosh stores it (a quarter of float32's bytes in every worker), and
    each one read back is the length Whoosh's own reader gives."""
    search("q=common")
    postings = search_backend().snapshot().postings
    lengths = postings.lengths("text")
    reader = postings.reader
    assert lengths.dtype == np.uint8 and len(lengths) == reader.doc_count_all()
    whooshs = [reader.doc_field_length(n, "text", 0) for n in range(reader.doc_count_all())]
    assert segments.LENGTH_OF_BYTE[lengths].tolist() == whooshs
    assert postings.field_documents("text") == sum(1 for length in whooshs if length)


def test_a_term_a_segment_lacks_has_no_postings_there_and_they_are_read_only(archive, budget):
    """Every segment answers for every term; one that lacks it, with empty arrays nobody may fill."""
    budget(64 * 2**20)
    snapshot = search_backend().snapshot()
    for text, found in (("word003", 1), ("zzzabsent", 0)):
        parts = snapshot.postings.term_parts("text", text)
        assert len(parts) == len(snapshot.postings.leaves)
        assert sum(len(docs) for (docs, _), _ in parts) == found == snapshot.searcher.doc_frequency("text", text)
        for (docs, freqs), _ in parts:
            assert docs.dtype == np.int32 and not docs.flags.writeable and not freqs.flags.writeable


def test_a_segment_without_a_word_in_a_field_is_not_asked_for_its_terms(archive, budget, monkeypatch):
    """A save of one Spanish article makes a segment with the only words of the Spanish fields:
    the English segments are not asked for Spanish terms (nor any segment for terms of a
    language it lacks), and searches find what Whoosh finds."""
    budget(64 * 2**20)
    with index_updates_paused():
        saved = ArticleFactory(slug="noticia", title="Noticia", body="policías detenidos common", language="es",
                               language_origin=LanguageOrigin.RECORD)  # fmt: skip
    reindex_articles([saved.pk])  # a segment of its own, as an editor's save makes
    snapshot = search_backend().snapshot()
    postings = snapshot.postings
    without_spanish, without_english = postings.empty_in("text__es"), postings.empty_in("text")
    assert len(postings.leaves) == 2 and sorted([without_spanish, without_english]) == [(False, True), (True, False)]
    assert postings.empty_in("text__other") == (True, True)
    assert postings.empty_in("countries") == (False, False)  # no lengths: always asked
    asked = []
    real_term_postings = segments.term_postings
    monkeypatch.setattr("search.engine.scoring.term_postings", lambda leaf, field, btext: asked.append((segment_id(leaf), field)) or real_term_postings(leaf, field, btext))
    for query in ("q=common", "q=policías", "q=word003", "q=detenidos"):
        found = search(query)
        assert found.total == len(snapshot.searcher.search(search_backend().parse(query[2:]), limit=None)), query
    english_only = {segment_id(leaf) for (leaf, _), empty in zip(postings.leaves, without_spanish) if empty}
    assert {field for _, field in asked} >= {"text", "text__es"} and not [field for _, field in asked if "__other" in field]
    assert not [field for segment, field in asked if (segment in english_only) == field.endswith("__es")]
    assert search("q=policías").total == 1 and search("q=common").total == 41


def test_a_small_fields_terms_answer_for_it_without_looking_terms_up(archive, budget, monkeypatch):
    """Where a segment holds few words of a field, its terms are held as a set: a term outside it
    is answered absent without reading the term table, and every answer (postings, document
    frequencies, searches) is the one the term table gives. Over the threshold, terms are read."""
    budget(64 * 2**20)
    with index_updates_paused():
        spanish = ArticleFactory(slug="noticia", title="Noticia de Veracruz", body="policías detenidos common", language="es",
                                 language_origin=LanguageOrigin.RECORD)  # fmt: skip
        other = ArticleFactory(slug="artikel", title="Artikel", body="Polizei common", language="de", language_origin=LanguageOrigin.RECORD)
    reindex_articles([spanish.pk, other.pk])  # a segment of its own, as an editor's save makes
    fields = ("text", "title", "text__es", "title__es", "text__other", "title__other")
    words = ["common", "word003", "word299", "story", "polic", "policias", "detenidos", "veracruz", "noticia", "polizei", "zzzabsent"]

    def answers():
        snapshot = search_backend().snapshot()
        reader = snapshot.searcher.reader()
        btexts = {field: sorted(set(reader.lexicon(field)) | {word.encode() for word in words}) for field in fields}
        return snapshot.postings, {
            (field, btext): (
                [(docs.tolist(), freqs.tolist(), offset) for (docs, freqs), offset in snapshot.postings.term_parts(field, btext)],
                snapshot.postings.document_frequency(field, btext),
                reader.doc_frequency(field, btext),
            )
            for field in fields
            for btext in btexts[field]
        }

    looked_up = []
    real_term_info = segments.term_info

    def counted(leaf, field, btext):
        looked_up.append((field, btext))
        return real_term_info(leaf, field, btext)

    monkeypatch.setattr(segments, "term_info", counted)
    monkeypatch.setattr("search.engine.scoring.term_info", counted)
    postings, held = answers()
    assert all(terms is not None for field in fields for terms in postings.known_terms(field))  # every field here is small
    assert not [key for key in looked_up if key[1] == b"zzzabsent"]
    for (field, btext), (parts, frequency, whooshs) in held.items():
        assert frequency == whooshs == sum(len(docs) for docs, _, _ in parts), (field, btext)
    assert held[("text__es", b"deten")][2] == 1 and held[("text", b"word003")][2] == 1

    monkeypatch.setattr(segments, "SMALL_FIELD_TOKENS", 0)  # every field with a word is now read term by term
    budget(0)
    budget(64 * 2**20)
    search_backend().forget_snapshot()
    looked_up.clear()
    postings, read = answers()
    assert None in postings.known_terms("text") and not [terms for terms in postings.known_terms("text") if terms]
    assert ("text", b"zzzabsent") in looked_up
    assert read == held
    assert search("q=policías").total == 1 and search("q=common").total == 42


def stored_of_every_document(snapshot) -> list:
    return [snapshot.stored_fields(docnum) for docnum in range(snapshot.size)]


def test_stored_fields_are_the_searchers_through_commits_and_a_tiny_budget(archive, budget):
    """Remembered by segment, a document's stored fields are the searcher's own after an edit
    (the new copy is another segment's document), each answer is the caller's to change, and a
    budget too small to keep one answers the same."""
    budget(64 * 2**20)
    backend = search_backend()
    before = backend.snapshot()
    first = stored_of_every_document(before)
    assert first == [before.searcher.stored_fields(docnum) for docnum in range(before.size)]
    assert caches_held_bytes(before)[segments.STORED_DOCUMENTS] > 0
    first[0]["title"] = "changed by a caller"
    assert before.stored_fields(0)["title"] != "changed by a caller"

    edited = archive[3]
    edited.title = "Story three, edited"
    edited.save()
    reindex_articles([edited.pk])
    after = backend.snapshot()
    assert after is not before and len(after.segment_ids) > len(before.segment_ids)
    stored = stored_of_every_document(after)
    assert stored == [after.searcher.stored_fields(docnum) for docnum in range(after.size)]
    live = [fields["title"] for docnum, fields in enumerate(stored) if after.live[docnum]]
    assert "Story three, edited" in live and "Story 3" not in live

    backend.optimize()  # one segment without the deleted copy: every later document is renumbered
    merged = backend.snapshot()
    assert len(merged.segment_ids) == 1 and merged.size == after.size - 1
    stored = stored_of_every_document(merged)
    assert stored == [merged.searcher.stored_fields(docnum) for docnum in range(merged.size)]

    budget(1)
    assert caches_held_bytes(merged)[segments.STORED_DOCUMENTS] == 0
    assert stored_of_every_document(merged) == stored
    assert caches_held_bytes(merged)[segments.STORED_DOCUMENTS] == 0
