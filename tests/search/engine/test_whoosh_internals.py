"""Each private Whoosh or haystack attribute that ``search/engine/whoosh_internals.py`` relies on,
checked against a real Whoosh index on disk, so that an upgrade that changes one fails here
rather than in a search; and a scan that keeps every such use in that one module.

The index is built with plain Whoosh (not our engine): four commits without merges, so several
segments, with deletions in two of them and one document replaced.
"""

import ast
import copy
import inspect
import os
import shutil
import types
import warnings
from datetime import date, datetime, timedelta, timezone
from functools import cache
from importlib import import_module
from importlib.metadata import packages_distributions, version
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
import whoosh
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import DATETIME, ID, NUMERIC, TEXT, Schema
from whoosh.index import create_in, open_dir
from whoosh.query import Term
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from search.engine import whoosh_internals
from search.engine.whoosh_internals import (
    PackedArchiveCodec,
    ReaderSharingWriter,
    SharedReaderSearcher,
    check_versions,
    deleted_docnums,
    field_length_bytes,
    haystack_from_python,
    haystack_to_python,
    index_segments,
    is_latest_generation,
    postings_blocks,
    reader_with_deletions_of,
    segment_id,
)

ROOT = Path(__file__).resolve().parents[3]
SEARCH = ROOT / "search"
INTERNALS = SEARCH / "engine" / "whoosh_internals.py"

SCHEMA = Schema(
    id=ID(stored=True, unique=True),
    tag=ID(stored=True),
    title=TEXT(stored=True, field_boost=2.0),
    body=TEXT(stored=True),
    count=NUMERIC(int, stored=True, sortable=True),
    published=DATETIME(stored=True, sortable=True),
)
BATCHES = (range(0, 300), range(300, 340), range(340, 360))  # one segment each
DELETED = ("3", "150", "298", "305")  # in the first and second segments
REPLACED = "10"  # deleted in the first segment, added again in a fourth


def document(i: int) -> dict:
    """Doc ``i``: "common" in every body (1-3 times), "rare" in doc 7 only, no body every 50th."""
    fields = {
        "id": str(i),
        "tag": f"tag{i % 4}",
        "title": "common title" if i % 2 else "other heading",
        "count": i,
        "published": datetime(2011, 1, 1) + timedelta(days=i),
    }
    if i % 50 != 49:
        fields["body"] = " ".join(["common"] * (1 + i % 3) + (["rare"] if i == 7 else []) + [f"word{i % 10}"] * (i % 5))
    return fields


@pytest.fixture
def readers():
    """Open readers through this, so that no file of the index stays open after the test."""
    opened = []

    def track(reader):
        opened.append(reader)
        return reader

    yield track
    for reader in opened:
        if not getattr(reader, "is_closed", False):  # an EmptyReader has no such flag
            reader.close()


@pytest.fixture(scope="module", params=[W3Codec, PackedArchiveCodec], ids=["whoosh-codec", "archive-codec"])
def built_index(tmp_path_factory, request):
    """Three segments, no deletions yet; built once per codec (an index written before
    ``ArchiveCodec`` and one written with it), copied for each test. Blocks of Whoosh's 128
    postings, so that a word of the first segment's 300 documents spans several."""
    path = tmp_path_factory.mktemp("built_index")
    index = create_in(str(path), SCHEMA)
    for batch in BATCHES:
        writer = index.writer(codec=request.param(blocklimit=128))
        for i in batch:
            writer.add_document(**document(i))
        writer.commit(merge=False)
    return path


@pytest.fixture
def ix(built_index, tmp_path):
    """This test's own copy of the three-segment index."""
    shutil.copytree(built_index, tmp_path / "index")
    return open_dir(str(tmp_path / "index"))


def edit(index, deleted=DELETED, replaced=REPLACED):
    """Delete ``deleted`` and replace ``replaced`` in one commit; return the global document numbers
    that the commit deleted."""
    with index.searcher() as searcher:
        docnums = {searcher.document_number(id=key) for key in (*deleted, replaced)}
    writer = index.writer(codec=index_segments(index)[0].codec())
    for key in deleted:
        writer.delete_by_term("id", key)
    writer.update_document(**{**document(int(replaced)), "body": "replaced words"})
    writer.commit(merge=False)
    return docnums


@pytest.fixture
def edited_ix(ix):
    """The index after ``edit``: four segments, deletions in the first two."""
    return ix, edit(ix)


def local_deletions(reader, global_docnums):
    """{segment id: local document numbers} of global document numbers of ``reader``."""
    found = {}
    for leaf, offset in reader.leaf_readers():
        local = {d - offset for d in global_docnums if offset <= d < offset + leaf.doc_count_all()}
        found[leaf.segment().segment_id()] = local
    return found


def walked_postings(leaf, fieldname, text):
    """A term's (docnum, weight) pairs through Whoosh's public, one-document-at-a-time matcher."""
    return [(docnum, weight) for docnum, weight in leaf.postings(fieldname, text).items_as("weight")]


def block_postings(leaf, fieldname, text):
    blocks = [(list(ids), list(weights)) for ids, weights in postings_blocks(leaf, fieldname, text)]
    pairs = [(int(d), float(w)) for ids, weights in blocks for d, w in zip(ids, weights, strict=True)]
    return blocks, pairs


# check_versions -----------------------------------------------------------------------------


def test_check_versions_passes_on_the_installed_versions():
    """The installed Whoosh-Reloaded and haystack are ones the internals were checked on."""
    check_versions()
    assert set(whoosh_internals.CHECKED_VERSIONS) == {"Whoosh-Reloaded", "django-haystack"}


def test_the_checked_package_is_the_one_imported_as_whoosh():
    """``check_versions`` asks about the distribution Whoosh-Reloaded: if another distribution (the
    original Whoosh) provided the ``whoosh`` module, the check would pass for the wrong code."""
    assert packages_distributions()["whoosh"] == ["Whoosh-Reloaded"]
    assert whoosh.versionstring() == version("Whoosh-Reloaded")


@pytest.mark.parametrize("package", ["Whoosh-Reloaded", "django-haystack"])
def test_check_versions_refuses_a_version_nobody_checked(monkeypatch, package):
    """A release missing from CHECKED_VERSIONS is refused, and the message names the package."""
    checked = {name: set(versions) for name, versions in whoosh_internals.CHECKED_VERSIONS.items()}
    checked[package] = {"0.0.1"}
    monkeypatch.setattr(whoosh_internals, "CHECKED_VERSIONS", checked)
    with pytest.raises(ImproperlyConfigured, match=package) as refused:
        check_versions()
    assert version(package) in str(refused.value)


def test_startup_refuses_an_unchecked_version_when_our_engine_is_configured(monkeypatch, settings):
    """The app's ``ready()`` runs the check whenever a connection uses our engine."""
    settings.HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "search.engine.backend.ArchiveWhooshEngine", "PATH": "/x"}}
    monkeypatch.setattr(whoosh_internals, "CHECKED_VERSIONS", {"Whoosh-Reloaded": {"0.0.1"}})
    with pytest.raises(ImproperlyConfigured, match="Whoosh-Reloaded"):
        apps.get_app_config("search").ready()


# index_segments and segment_id --------------------------------------------------------------


def test_index_segments_are_the_segments_a_reader_opens(edited_ix, readers):
    """Same segments, in the same order (document offsets depend on it), with the same deletions."""
    index, _ = edited_ix
    reader = readers(index.reader())
    segments = index_segments(index)
    leaves = [leaf for leaf, _ in reader.leaf_readers()]
    assert len(segments) == 4
    assert [s.segment_id() for s in segments] == [leaf.segment().segment_id() for leaf in leaves]
    assert [set(s.deleted_docs()) for s in segments] == [set(leaf.segment().deleted_docs()) for leaf in leaves]
    assert [s.doc_count_all() for s in segments] == [leaf.doc_count_all() for leaf in leaves]


def test_index_segments_reads_the_latest_commit_each_call(ix):
    """The snapshot keeps one index object for the life of a process: every call must read the
    table of contents again, not a copy cached on the index object."""
    before = index_segments(ix)
    deleted = edit(ix)
    after = index_segments(ix)
    assert len(after) == len(before) + 1
    assert sum(s.deleted_count() for s in before) == 0
    assert sum(s.deleted_count() for s in after) == len(deleted)


def test_is_latest_generation_answers_as_whooshs_up_to_date_across_commits(ix, readers):
    """Asked of a reader's generation after no commit, one, two (the second a merging one),
    and of a reader opened since: always Whoosh's own ``Searcher.up_to_date``."""
    reader = readers(ix.reader())
    searcher = Searcher(reader, fromindex=ix)
    assert is_latest_generation(ix, reader.generation()) is searcher.up_to_date() is True
    edit(ix)
    assert is_latest_generation(ix, reader.generation()) is searcher.up_to_date() is False
    writer = ix.writer()
    writer.add_document(**document(1000))
    writer.commit(optimize=True)
    assert is_latest_generation(ix, reader.generation()) is searcher.up_to_date() is False
    fresh = readers(ix.reader())
    assert fresh.generation() == reader.generation() + 2
    assert is_latest_generation(ix, fresh.generation()) is Searcher(fresh, fromindex=ix).up_to_date() is True


def test_is_latest_generation_reads_the_tables_of_contents_on_disk_each_call(ix, readers, tmp_path):
    """A commit by another index object (another process's, here the same folder opened again)
    is seen, and a table of contents left behind by a failed clean-up does not hide the next one:
    the check reads the files each time, and trusts its own table only while the next is absent."""
    reader = readers(ix.reader())
    generation = reader.generation()
    other = open_dir(ix.storage.folder)
    edit(other)
    assert not is_latest_generation(ix, generation)
    stale = os.path.join(ix.storage.folder, f"_MAIN_{generation}.toc")
    assert not os.path.exists(stale)  # the commit removed the table it replaced
    next_generation = os.path.join(ix.storage.folder, f"_MAIN_{generation + 1}.toc")
    assert os.path.exists(next_generation)
    shutil.copy(next_generation, stale)  # as if the clean-up had failed to remove it
    assert not is_latest_generation(ix, generation)


def test_is_latest_generation_of_an_empty_reader_asks_whoosh(tmp_path, readers):
    """An empty index's reader has no generation (None): Whoosh's answer, never current."""
    index = create_in(str(tmp_path), SCHEMA)
    reader = readers(index.reader())
    assert reader.generation() is None
    assert is_latest_generation(index, reader.generation()) is Searcher(reader, fromindex=index).up_to_date() is False


def test_segment_id_is_the_segments_id(edited_ix, readers):
    """Per-segment arrays are cached under this id: it must be the segment's, and differ between segments."""
    index, _ = edited_ix
    leaves = [leaf for leaf, _ in readers(index.reader()).leaf_readers()]
    assert all(isinstance(leaf, SegmentReader) for leaf in leaves)
    assert [segment_id(leaf) for leaf in leaves] == [leaf.segment().segment_id() for leaf in leaves]
    assert len({segment_id(leaf) for leaf in leaves}) == len(leaves)


def test_segment_id_is_none_for_an_empty_index(tmp_path, readers):
    """An empty index's reader is an EmptyReader; per-segment caches must not key it."""
    reader = readers(create_in(str(tmp_path), SCHEMA).reader())
    assert isinstance(reader, EmptyReader)
    assert segment_id(reader) is None


def test_segment_id_survives_a_commit_that_only_deletes(ix, readers):
    """Per-segment arrays are cached by segment id across commits (deleted documents included, the
    live mask applied later): a segment that gains deletions must keep its id."""
    first = segment_id(readers(ix.reader()).leaf_readers()[0][0])
    edit(ix)
    leaf = readers(ix.reader()).leaf_readers()[0][0]
    assert leaf.has_deletions()
    assert segment_id(leaf) == first


# deleted_docnums ----------------------------------------------------------------------------


def test_deleted_docnums_are_the_deleted_documents(edited_ix, readers):
    """The live mask is built from these: exactly the documents the commit deleted, per segment."""
    index, deleted = edited_ix
    reader = readers(index.reader())
    expected = local_deletions(reader, deleted)
    assert sum(map(len, expected.values())) == len(DELETED) + 1
    for leaf, _ in reader.leaf_readers():
        assert set(deleted_docnums(leaf)) == expected[leaf.segment().segment_id()]
        assert set(deleted_docnums(leaf)) == {d for d in range(leaf.doc_count_all()) if leaf.is_deleted(d)}


def test_deleted_docnums_reads_the_segment_not_the_cached_set(edited_ix, readers):
    """``deleted_docs_set`` is cached on first use; deleted_docnums must answer from the segment."""
    index, _ = edited_ix
    leaf = readers(index.reader()).leaf_readers()[0][0]
    assert deleted_docnums(leaf)
    stale = copy.copy(leaf)
    stale.__dict__["deleted_docs_set"] = frozenset()
    assert stale.deleted_docs_set == frozenset()
    assert set(deleted_docnums(stale)) == set(leaf.segment().deleted_docs())


def test_deleted_docnums_of_an_empty_reader_is_empty(tmp_path, readers):
    """An empty index has no per-document reader; the live mask of nothing is empty."""
    assert list(deleted_docnums(readers(create_in(str(tmp_path), SCHEMA).reader()))) == []


# reader_with_deletions_of ------------------------------------------------------------------


def test_reader_with_deletions_of_has_the_new_deletions_and_the_old_reader_keeps_its_own(ix, readers):
    """A reader opened before a commit that deleted from its segment, given the segment's new state:
    deletions everywhere (is_deleted, deleted_docs_set, counts, postings) are the new ones, while
    the old reader, which requests may still be using, still answers as before."""
    old_reader = readers(ix.reader())
    leaf = old_reader.leaf_readers()[0][0]
    assert leaf.deleted_docs_set == frozenset()  # cached now, as it would be after a search
    assert "deleted_docs_set" in leaf.__dict__  # the cache that reader_with_deletions_of drops
    old_common = [d for d, _ in walked_postings(leaf, "body", "common")]

    deleted = edit(ix)
    segment = next(s for s in index_segments(ix) if s.segment_id() == leaf.segment().segment_id())
    fresh = reader_with_deletions_of(leaf, segment)
    expected = local_deletions(old_reader, deleted)[segment.segment_id()]
    assert len(expected) == 4  # "3", "150", "298" and the replaced "10"

    assert {d for d in range(fresh.doc_count_all()) if fresh.is_deleted(d)} == expected
    assert fresh.deleted_docs_set == expected
    assert fresh.has_deletions() and fresh.doc_count() == leaf.doc_count_all() - len(expected)
    assert [d for d, _ in walked_postings(fresh, "body", "common")] == [d for d in old_common if d not in expected]

    assert not any(leaf.is_deleted(d) for d in expected)
    assert leaf.deleted_docs_set == frozenset() and not leaf.has_deletions()
    assert [d for d, _ in walked_postings(leaf, "body", "common")] == old_common


def test_reader_with_deletions_of_shares_the_open_files(ix, readers):
    """Reopening a segment copies its files into memory again: the copy must use the same term
    file, storage and per-document columns, and answer reads through them."""
    leaf = readers(ix.reader()).leaf_readers()[0][0]
    lengths_before = field_length_bytes(leaf, "body")
    edit(ix)
    segment = index_segments(ix)[0]
    fresh = reader_with_deletions_of(leaf, segment)
    assert fresh._terms is leaf._terms
    assert fresh._storage is leaf._storage
    assert fresh._perdoc is not leaf._perdoc
    assert fresh._perdoc._colfiles is leaf._perdoc._colfiles
    assert field_length_bytes(fresh, "body") is lengths_before
    assert fresh.segment() is segment and leaf.segment() is not segment
    assert fresh.stored_fields(7) == leaf.stored_fields(7)
    assert not leaf.is_closed and not fresh.is_closed


def test_readers_with_new_deletions_search_as_a_freshly_opened_reader(ix, readers):
    """A searcher over the old readers given the new segments' deletions (plus newly opened
    segments, as the snapshot does) finds what a reader opened after the commit finds."""
    old_reader = readers(ix.reader())
    reusable = {leaf.segment().segment_id(): leaf for leaf, _ in old_reader.leaf_readers()}
    edit(ix)
    leaves = []
    for segment in index_segments(ix):
        leaf = reusable.get(segment.segment_id())
        if leaf is None:
            leaves.append(readers(SegmentReader(ix.storage, SCHEMA, segment)))
        else:
            leaves.append(reader_with_deletions_of(leaf, segment))
    ours = Searcher(MultiReader(leaves))
    theirs = Searcher(readers(ix.reader()))
    for text in ("common", "rare", "replaced", "word3"):
        q = Term("body", text)
        assert [(h.docnum, h.score) for h in ours.search(q, limit=None)] == [
            (h.docnum, h.score) for h in theirs.search(q, limit=None)
        ]
    assert ours.doc_count() == theirs.doc_count() == 360 - len(DELETED)


# postings_blocks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fieldname, text",
    [("body", "common"), ("body", "rare"), ("body", "word3"), ("title", "common"), ("tag", "tag1")],
)
def test_postings_blocks_are_the_terms_postings(ix, readers, fieldname, text):
    """Concatenated, the blocks are exactly the (docnum, weight) pairs of Whoosh's public matcher,
    for long lists (several blocks), a single posting, boosted fields and ID fields."""
    for leaf, _ in readers(ix.reader()).leaf_readers():
        btext = leaf.schema[fieldname].to_bytes(text)
        if (fieldname, btext) not in leaf:
            continue
        blocks, pairs = block_postings(leaf, fieldname, btext)
        assert pairs == walked_postings(leaf, fieldname, text)
        assert all(0 < len(ids) <= 128 and len(ids) == len(weights) for ids, weights in blocks)


def test_a_terms_whole_postings_decode_at_once_as_the_matcher_reads_them(ix, readers):
    """Every term of an archive-codec segment (one posting, several blocks, boosted, ID fields):
    its postings read whole and decoded in one pass are the matcher's blocks, array for array."""
    from search.engine.whoosh_internals import ArchiveCodec, whole_postings_arrays

    decoded = 0
    for leaf, _ in readers(ix.reader()).leaf_readers():
        terms = leaf._terms
        if not isinstance(terms._codec, ArchiveCodec):
            continue  # Whoosh's own codec: its matcher reads it
        for fieldname, btext in leaf.all_terms():
            info = terms.term_info(fieldname, btext)
            if info.is_inlined():
                continue
            offset, length = info.extent()
            length = length[0] if isinstance(length, tuple) else length
            blocks = whole_postings_arrays(terms._postfile.get(offset, length))
            matcher = terms._codec.postings_reader(terms._postfile, info, leaf.schema[fieldname].format)
            expected = []
            while matcher.is_active():
                expected.append(matcher.block_arrays())
                matcher._next_block()
            assert blocks is not None and len(blocks) == len(expected)
            for (ids, weights), (their_ids, their_weights) in zip(blocks, expected):
                assert ids.dtype == their_ids.dtype and weights.dtype == their_weights.dtype
                assert np.array_equal(ids, their_ids) and np.array_equal(weights, their_weights)
            decoded += 1
    if any(isinstance(leaf._terms._codec, ArchiveCodec) for leaf, _ in readers(ix.reader()).leaf_readers()):
        assert decoded > 100


def test_a_segments_postings_as_kept_are_whooshs_postings_in_narrow_arrays(ix, readers):
    """``segments.read_leaf`` (blocks decoded narrow: int32 numbers, one-byte weights as uint8)
    gives every term's postings as Whoosh's public matcher walks them, for both codecs, in one
    block or several."""
    from search.engine.segments import read_leaf

    narrow_weights = several_blocks = 0
    for leaf, _ in readers(ix.reader()).leaf_readers():
        for fieldname, btext in leaf.all_terms():
            docs, freqs = read_leaf(leaf, fieldname, btext)
            assert docs.dtype == np.int32 and freqs.dtype in (np.uint8, np.float32)
            assert not docs.flags.writeable and not freqs.flags.writeable
            expected = [(docnum, weight) for docnum, weight in leaf.postings(fieldname, btext).items_as("weight")]
            assert list(zip(docs.tolist(), freqs.astype(np.float64).tolist())) == expected
            narrow_weights += freqs.dtype == np.uint8
            several_blocks += len(docs) > 128
    assert narrow_weights > 100 and several_blocks > 0


def test_postings_blocks_of_a_term_the_segment_lacks_is_empty(ix, readers):
    """"rare" is in the first segment only; the others give no block, and no error."""
    leaves = [leaf for leaf, _ in readers(ix.reader()).leaf_readers()]
    assert [len(block_postings(leaf, "body", b"rare")[1]) for leaf in leaves] == [1, 0, 0]
    assert [len(block_postings(leaf, "body", b"nowhere")[1]) for leaf in leaves] == [0, 0, 0]


def test_postings_blocks_reads_a_long_list_in_several_blocks(ix, readers):
    """A word in most documents spans several blocks; every block is read, in document order."""
    leaf = readers(ix.reader()).leaf_readers()[0][0]
    blocks, pairs = block_postings(leaf, "body", b"common")
    assert len(pairs) == 300 - 6  # every body but the six missing ones
    assert len(blocks) >= 3
    assert [d for d, _ in pairs] == sorted(d for d, _ in pairs)


def test_postings_blocks_weights_carry_the_field_boost(ix, readers):
    """BM25F reads the term frequency from these weights: a field boost of 2 doubles them, as in
    Whoosh's own scoring."""
    leaf = readers(ix.reader()).leaf_readers()[0][0]
    _, pairs = block_postings(leaf, "title", b"common")
    assert pairs and {w for _, w in pairs} == {2.0}
    _, pairs = block_postings(leaf, "body", b"common")
    assert {w for _, w in pairs} == {1.0, 2.0, 3.0}


def test_postings_blocks_include_deleted_documents(edited_ix, readers):
    """Postings are cached per segment across commits, so they hold deleted documents too; the
    live mask removes them. Whoosh's public matcher leaves them out."""
    index, _ = edited_ix
    for leaf, _ in readers(index.reader()).leaf_readers():
        btext = b"common"
        if ("body", btext) not in leaf:
            continue
        _, pairs = block_postings(leaf, "body", btext)
        deleted = set(deleted_docnums(leaf))
        assert [(d, w) for d, w in pairs if d not in deleted] == walked_postings(leaf, "body", "common")
        if deleted:
            assert deleted & {d for d, _ in pairs}


# field_length_bytes --------------------------------------------------------------------------


@pytest.mark.parametrize("fieldname", ["body", "title"])
def test_field_length_bytes_agree_with_doc_field_length(edited_ix, readers, fieldname):
    """One byte per document, decoded by byte_to_length as Whoosh does (0 where a document has no
    such field, where Whoosh's ``doc_field_length`` answers None)."""
    index, _ = edited_ix
    zeros = 0
    for leaf, _ in readers(index.reader()).leaf_readers():
        column = field_length_bytes(leaf, fieldname)
        stored = list(column)
        assert len(stored) == leaf.doc_count_all()
        assert all(isinstance(b, int) and 0 <= b <= 255 for b in stored)
        for docnum, byte in enumerate(stored):
            assert byte_to_length(byte) == (leaf.doc_field_length(docnum, fieldname) or 0)
        zeros += stored.count(0)
    assert zeros == (7 if fieldname == "body" else 0)  # docs 49, 99, ..., 349 have no body
    assert byte_to_length(0) == 0


def test_field_length_bytes_is_none_without_a_lengths_column(edited_ix, tmp_path, readers):
    """ID fields are not scored and store no lengths; an empty index has no segment at all."""
    index, _ = edited_ix
    leaf = readers(index.reader()).leaf_readers()[0][0]
    assert field_length_bytes(leaf, "id") is None
    (tmp_path / "empty").mkdir()
    assert field_length_bytes(readers(create_in(str(tmp_path / "empty"), SCHEMA).reader()), "body") is None


# SharedReaderSearcher ------------------------------------------------------------------------


def test_closing_a_shared_reader_searcher_leaves_its_reader_open(edited_ix, readers):
    """Whoosh closes a writer's searcher after each use (``close``, ``with``); the snapshot's
    readers it shares must stay open for the requests that use them."""
    index, _ = edited_ix
    reader = readers(index.reader())
    searcher = SharedReaderSearcher(reader, fromindex=index)
    with searcher:
        pass
    searcher.close()
    assert not reader.is_closed
    assert all(not leaf.is_closed for leaf, _ in reader.leaf_readers())
    assert reader.doc_count() == 360 - len(DELETED)
    # What the subclass prevents: Whoosh's own searcher closes the reader it was given.
    plain = readers(index.reader())
    Searcher(plain).close()
    assert plain.is_closed


def test_a_shared_reader_searcher_is_a_whoosh_searcher_of_its_reader(edited_ix, readers):
    """Whoosh's writer uses it as any searcher: it searches the reader it was given."""
    index, _ = edited_ix
    reader = readers(index.reader())
    searcher = SharedReaderSearcher(reader, fromindex=index)
    assert isinstance(searcher, Searcher)
    assert searcher.reader() is reader
    assert searcher.up_to_date()
    assert searcher.document_number(id="7") is not None


# ReaderSharingWriter -------------------------------------------------------------------------


def count_documents(index, **terms):
    with index.searcher() as searcher:
        return len(list(searcher.document_numbers(**terms)))


def test_reader_sharing_writer_finds_old_copies_through_the_factorys_searcher(edited_ix, readers):
    """update_document and delete_by_term ask ``searcher()``, which asks the factory once; the
    documents are replaced and deleted, and the shared reader is still open after the commit."""
    index, _ = edited_ix
    shared = readers(index.reader())
    calls = []

    def factory(writer):
        calls.append(writer)
        # What our backend's factory reads of the writer (backend.py, shared_searcher).
        assert [s.segment_id() for s in writer.segments] == [s.segment_id() for s in index_segments(index)]
        assert writer.generation - 1 == index.latest_generation()
        assert writer.storage is index.storage and writer.schema is not None
        return SharedReaderSearcher(shared, fromindex=index)

    writer = ReaderSharingWriter(index, factory)
    writer.update_document(**{**document(20), "body": "first replacement"})
    writer.update_document(**{**document(330), "body": "second replacement"})
    writer.delete_by_term("id", "21")
    assert writer.searcher() is writer.searcher()
    writer.commit(merge=False)

    assert calls == [writer]
    assert not shared.is_closed and all(not leaf.is_closed for leaf, _ in shared.leaf_readers())
    assert shared.stored_fields(shared.leaf_readers()[0][1] + 7)["id"] == "7"
    assert count_documents(index, id="20") == 1 and count_documents(index, body="first") == 1
    assert count_documents(index, id="330") == 1 and count_documents(index, body="second") == 1
    assert count_documents(index, id="21") == 0
    with index.searcher() as searcher:
        assert searcher.doc_count() == 360 - len(DELETED) - 1
        assert searcher.stored_fields(searcher.document_number(id="20"))["body"] == "first replacement"


def test_reader_sharing_writer_without_a_factory_uses_whooshs_own_searcher(edited_ix):
    """A background writer opens its own readers (``writes_open_their_own_readers``): no factory."""
    index, _ = edited_ix
    writer = ReaderSharingWriter(index, None)
    searcher = writer.searcher()
    assert type(searcher) is Searcher and not isinstance(searcher, SharedReaderSearcher)
    writer.update_document(**{**document(20), "body": "replacement"})
    writer.commit(merge=False)
    assert count_documents(index, id="20") == 1 and count_documents(index, body="replacement") == 1


def test_reader_sharing_writer_leaves_searchers_with_options_to_whoosh(edited_ix, readers):
    """A searcher asked for with options is not the shared one (it would ignore them)."""
    index, _ = edited_ix
    calls = []
    writer = ReaderSharingWriter(index, lambda w: calls.append(w) or SharedReaderSearcher(readers(index.reader())))
    try:
        searcher = writer.searcher(weighting=BM25F())
        assert not isinstance(searcher, SharedReaderSearcher)
        searcher.close()
        assert calls == []
    finally:
        writer.cancel()


# haystack_from_python and haystack_to_python --------------------------------------------------


@pytest.fixture
def backend(search_index):
    from haystack import connections

    return connections["default"].get_backend()


@pytest.mark.parametrize(
    "value, stored",
    [
        (datetime(2011, 3, 4, 5, 6, 7), datetime(2011, 3, 4, 5, 6, 7)),  # Whoosh's DATETIME takes datetimes
        (date(2011, 3, 4), datetime(2011, 3, 4)),
        (True, "true"),
        (False, "false"),
        (["MX", "US"], "MX,US"),  # make_result splits multi-valued fields on commas
        (("a",), "a"),
        (5, 5),
        (2.5, 2.5),
        ("México", "México"),
    ],
)
def test_haystack_from_python_converts_as_haystack_does(backend, value, stored):
    """What our engine stores for each Python type, as haystack 3.4.0's Whoosh engine stores it."""
    assert haystack_from_python(backend, value) == stored
    assert type(haystack_from_python(backend, value)) is type(stored)


@pytest.mark.parametrize(
    "stored, value",
    [
        ("true", True),
        ("false", False),
        ("2011-03-04T05:06:07", datetime(2011, 3, 4, 5, 6, 7)),
        (datetime(2011, 3, 4, 5, 6, 7), datetime(2011, 3, 4, 5, 6, 7)),
        ("5", 5),
        ("[1, 2]", [1, 2]),
        ("MX,US", "MX,US"),
        ("plain words", "plain words"),
    ],
)
def test_haystack_to_python_converts_as_haystack_does(backend, stored, value):
    """How stored values come back in search results, as haystack 3.4.0's Whoosh engine reads them."""
    assert haystack_to_python(backend, stored) == value
    assert type(haystack_to_python(backend, stored)) is type(value)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from('[]{}",:.-+eE0123456789 \t\n\rtruefalsnNaIiyTZ_/aé'), max_size=24) | st.text(max_size=24))
@example("articles.article.5")
@example(" [1, 2]")
@example("\n5")
@example("NaN")
@example("-Infinity")
@example("2011-03-04T05:06:07")
def test_a_string_comes_back_as_haystacks_own_conversion_gives_it(backend, text):
    """The strings given back without trying haystack's conversions are those it gives back as they are."""
    expected = backend._to_python(text)
    found = haystack_to_python(backend, text)
    assert type(found) is type(expected)
    assert found == expected or (expected != expected and found != found)  # NaN


@pytest.mark.parametrize("value", [datetime(2012, 2, 29, 23, 59, 59), True, False, ["MX", "US"], 7, "words"])
def test_haystack_conversions_round_trip(backend, value):
    """A value stored and read back is the value (lists come back joined; make_result splits them)."""
    back = haystack_to_python(backend, haystack_from_python(backend, value))
    assert back == (",".join(value) if isinstance(value, list) else value)
    assert type(back) is (str if isinstance(value, list) else type(value))


def test_haystack_conversions_are_haystacks_methods():
    """They call haystack's private methods by name: a rename must fail here, not at indexing."""
    from haystack.backends.whoosh_backend import WhooshSearchBackend

    assert callable(WhooshSearchBackend._from_python) and callable(WhooshSearchBackend._to_python)


@pytest.mark.archive_engine
def test_haystack_queries_convert_values_through_our_backends_from_python(backend):
    """Our backend extends ``_from_python`` to store aware datetimes as naive UTC; that matters only
    because haystack's query builder converts filter values through ``backend._from_python``."""
    from haystack import connections

    query = connections["default"].get_query()
    assert query.backend._from_python.__func__ is type(backend)._from_python
    at = datetime(2011, 3, 4, 12, 0, 0, tzinfo=timezone(timedelta(hours=2)))
    fragment = query.build_query_fragment("published_at", "gte", at)
    assert "20110304100000" in fragment, fragment


# The rule: private attributes only in whoosh_internals.py, no Whoosh method replaced ---------

FOREIGN = ("whoosh", "haystack")
# Django documents Model._meta as its public API; not Whoosh's or haystack's.
DOCUMENTED_PRIVATE = {"_meta"}


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def is_self(node) -> bool:
    return isinstance(node, ast.Name) and node.id in ("self", "cls")


def package_sources(package: str):
    return sorted(Path(import_module(package).__file__).parent.rglob("*.py"))


def self_assigned(tree) -> set[str]:
    """Names assigned as ``self._x``/``cls._x`` anywhere in ``tree``, tuple targets included."""
    names = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            for sub in ast.walk(target) if target is not None else ():
                if isinstance(sub, ast.Attribute) and is_self(sub.value):
                    names.add(sub.attr)
    return names


@cache
def foreign_names() -> tuple[frozenset, frozenset]:
    """(every private name that Whoosh's or haystack's code defines or uses, the names of their
    classes' methods, properties left out)."""
    private, methods = set(), set()
    for package in FOREIGN:
        for path in package_sources(package):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # old escape sequences in their sources
                tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and is_private(node.attr):
                    private.add(node.attr)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and is_private(node.name):
                    private.add(node.name)
                if isinstance(node, ast.ClassDef):
                    methods |= {
                        item.name
                        for item in node.body
                        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                        and not any(isinstance(d, (ast.Name, ast.Attribute)) and "property" in ast.unparse(d)
                                    or ast.unparse(d).endswith(".setter") for d in item.decorator_list)
                    }  # fmt: skip
    return frozenset(private), frozenset(methods)


def foreign_private_names() -> frozenset:
    return foreign_names()[0]


def foreign_method_names() -> frozenset:
    return foreign_names()[1]


def our_sources():
    return sorted(SEARCH.rglob("*.py"))


@cache
def our_names() -> frozenset:
    """Private names our own code defines under search/: ``self._x = ...``, methods, module names."""
    names = set()
    for path in our_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= self_assigned(tree)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
        for node in tree.body:
            for target in node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]:
                if isinstance(target, ast.Name):
                    names.add(target.id)
    return frozenset(n for n in names if is_private(n))


def foreign_classes(cls) -> list:
    return [base for base in cls.__mro__ if base.__module__.split(".")[0] in FOREIGN]


@cache
def foreign_members(cls) -> frozenset:
    """Private names that the Whoosh or haystack classes ``cls`` inherits from define: attributes of
    the classes and ``self._x`` assigned in their code."""
    names = set()
    for base in foreign_classes(cls):
        names |= {name for name in vars(base) if is_private(name)}
        try:
            names |= {n for n in self_assigned(ast.parse(inspect.getsource(base))) if is_private(n)}
        except (OSError, TypeError, IndentationError):
            pass
    return frozenset(names)


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def classes_by_node(tree, module) -> dict:
    """{id(ast node) of every node inside a top-level class: the class object}."""
    enclosing = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and module is not None and isinstance(getattr(module, node.name, None), type):
            for sub in ast.walk(node):
                enclosing[id(sub)] = getattr(module, node.name)
    return enclosing


def private_uses(source: str, filename: str, module=None) -> list[str]:
    """Reads and writes of private Whoosh or haystack attributes in ``source``."""
    tree = ast.parse(source, filename)
    enclosing = classes_by_node(tree, module)
    found = []

    def check(node, base, name):
        if not is_private(name) or name in DOCUMENTED_PRIVATE:
            return
        if is_self(base):
            cls = enclosing.get(id(node))
            if cls is None or not foreign_classes(cls) or name in vars(cls):
                return  # our own class's attribute (an override of a foreign one: see the next test)
            if name in foreign_members(cls):
                found.append(f"{filename}:{node.lineno}: {ast.unparse(base)}.{name} "
                             f"({cls.__name__} inherits it from Whoosh/haystack)")  # fmt: skip
            return
        if name in our_names() and name not in foreign_private_names():
            return
        found.append(f"{filename}:{node.lineno}: {ast.unparse(base)}.{name}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            check(node, node.value, node.attr)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            check(node, node.args[0], node.args[1].value)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in FOREIGN:
            found += [f"{filename}:{node.lineno}: from {node.module} import {alias.name}"
                      for alias in node.names if is_private(alias.name)]  # fmt: skip
    return found


def private_overrides(source: str, filename: str, module) -> list[str]:
    """Private methods and class attributes of our subclasses of Whoosh or haystack classes that
    replace ones those classes define."""
    found = []
    for node in ast.parse(source, filename).body:
        cls = getattr(module, node.name, None) if isinstance(node, ast.ClassDef) else None
        if not isinstance(cls, type) or not foreign_classes(cls):
            continue
        inherited = foreign_members(cls)
        for item in node.body:
            names = [item.name] if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) else []
            if isinstance(item, ast.Assign):
                names = [t.id for t in item.targets if isinstance(t, ast.Name)]
            found += [f"{filename}:{item.lineno}: {cls.__name__}.{name} overrides Whoosh/haystack's"
                      for name in names if is_private(name) and name in inherited]  # fmt: skip
    return found


def is_data(value) -> bool:
    """A literal (a string, a number, a collection display): never a method."""
    return isinstance(value, (ast.Constant, ast.JoinedStr, ast.List, ast.Tuple, ast.Set, ast.Dict,
                              ast.ListComp, ast.SetComp, ast.DictComp))  # fmt: skip


# Whoosh's ``Token`` is a record of data attributes (its docstring lists them), filled in by every
# tokenizer and filter; a method elsewhere that shares one of these names makes no difference.
TOKEN_DATA = frozenset({"text", "pos", "boost", "startchar", "endchar", "stopped", "original"})


def method_replacements(source: str, filename: str) -> list[str]:
    """Assignments of a method (a Whoosh, haystack or our method's name, or any function) to an
    attribute of an object other than ``self``."""
    tree = ast.parse(source, filename)
    ours = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    methods = foreign_method_names() | {name for path in our_sources() for name in our_method_names(path)} | ours
    methods -= TOKEN_DATA
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            for target in targets:
                for sub in [target, *getattr(target, "elts", [])]:
                    if not isinstance(sub, ast.Attribute):
                        continue
                    if is_self(sub.value):
                        continue
                    if isinstance(value, ast.Lambda) or (sub.attr in methods and not is_data(value)):
                        found.append(f"{filename}:{node.lineno}: {ast.unparse(sub)} = ...")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
            if len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and node.args[1].value in methods:
                found.append(f"{filename}:{node.lineno}: {ast.unparse(node)}")
    return found


@cache
def our_method_names(path: Path) -> frozenset:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(
        item.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        for item in node.body
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
    )


def test_the_scans_notice_what_they_look_for():
    """The scans below must be able to fail: each finds a planted example and passes ours."""
    planted = (
        "from whoosh.codec.whoosh3 import _lenfield\n"
        "def read(leaf, searcher):\n"
        "    leaf._terms.matcher('body', b'x', None)\n"
        "    getattr(leaf, '_segid', None)\n"
        "    searcher.close = lambda: None\n"
        "    leaf.postings = read\n"
    )
    uses = private_uses(planted, "planted.py")
    assert any("_lenfield" in use for use in uses)
    assert any("leaf._terms" in use for use in uses)
    assert any("leaf._segid" in use for use in uses)
    replaced = method_replacements(planted, "planted.py")
    assert [r.split(": ", 1)[1] for r in replaced] == ["searcher.close = ...", "leaf.postings = ..."]
    subclass = (
        "from haystack.backends.whoosh_backend import WhooshSearchBackend\n"
        "from whoosh.fields import DATETIME\n"
        "class Dates(DATETIME):\n"
        "    def parse(self, text):\n"
        "        return self._parse_datestring(text)\n"
        "class Backend(WhooshSearchBackend):\n"
        "    def _from_python(self, value):\n"
        "        return value\n"
        "    def mine(self):\n"
        "        self._own = self._from_python(1)\n"
    )
    module = types.ModuleType("planted")
    exec(compile(subclass, "planted.py", "exec"), module.__dict__)  # noqa: S102 - our own constant
    assert [use.split(": ", 1)[1].split(" ")[0] for use in private_uses(subclass, "planted.py", module)] == [
        "self._parse_datestring"
    ]
    assert [o.split(": ", 1)[1] for o in private_overrides(subclass, "planted.py", module)] == [
        "Backend._from_python overrides Whoosh/haystack's"
    ]
    ours = (
        "class Mine:\n"
        "    def __init__(self):\n"
        "        self._lock = None\n"
        "    def go(self, other):\n"
        "        return self._lock, other.name\n"
    )
    assert private_uses(ours, "ours.py") == []
    assert method_replacements(ours, "ours.py") == []


def test_only_whoosh_internals_reads_or_writes_private_whoosh_or_haystack_attributes():
    """Private attributes change without notice between releases; one module holds every use, so
    that its tests and the version check cover all of them."""
    found = []
    for path in our_sources():
        if path == INTERNALS:
            continue
        module = import_module(module_name(path))
        found += private_uses(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)), module)
    assert found == [], "private Whoosh/haystack attributes outside whoosh_internals.py:\n" + "\n".join(found)


def test_no_class_outside_whoosh_internals_overrides_a_private_whoosh_or_haystack_member():
    """Overriding a private method relies on the library still calling it by that name: that is a
    private attribute too, and belongs with the others in whoosh_internals.py."""
    found = []
    for path in our_sources():
        if path == INTERNALS:
            continue
        module = import_module(module_name(path))
        found += private_overrides(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)), module)
    assert found == [], "private Whoosh/haystack members overridden outside whoosh_internals.py:\n" + "\n".join(found)


def test_no_module_replaces_a_method_of_another_object():
    """Where Whoosh's behaviour must change, a subclass or an object of ours does it; a method
    replaced on a Whoosh object at run time changes it for every other user of that object."""
    found = []
    for path in our_sources():
        found += method_replacements(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == [], "\n".join(found)


# Segment files read in place ----------------------------------------------------------------------


def test_an_in_place_segment_reader_reads_what_whooshs_own_reads(edited_ix, readers):
    from search.engine.whoosh_internals import InPlaceSegmentReader

    edited_ix, _ = edited_ix

    for segment in index_segments(edited_ix):
        theirs = readers(SegmentReader(edited_ix.storage, edited_ix.schema, segment))
        ours = readers(InPlaceSegmentReader(edited_ix.storage, edited_ix.schema, segment))
        assert ours.doc_count_all() == theirs.doc_count_all() and ours.doc_count() == theirs.doc_count()
        assert list(ours.all_stored_fields()) == list(theirs.all_stored_fields())
        for fieldname in ("title", "body", "tag"):
            assert list(ours.lexicon(fieldname)) == list(theirs.lexicon(fieldname))
            kind = "weight" if fieldname == "tag" else "positions"
            for term in theirs.lexicon(fieldname):
                assert list(ours.postings(fieldname, term).items_as(kind)) == list(theirs.postings(fieldname, term).items_as(kind))
        assert [ours.doc_field_length(n, "body") for n in range(ours.doc_count_all())] == [
            theirs.doc_field_length(n, "body") for n in range(theirs.doc_count_all())
        ]


def test_an_in_place_segment_reader_leaves_out_stored_names_the_schema_lacks_as_whoosh_does(tmp_path, readers):
    """Stored fields are those of the schema the reader is opened with: a field removed since, or
    one of a dynamic field's names, is read as Whoosh reads it."""
    from whoosh.fields import STORED

    from search.engine.whoosh_internals import InPlaceSegmentReader

    written = Schema(title=TEXT(stored=True), extra=ID(stored=True))
    written.add("*_s", STORED, glob=True)
    index = create_in(str(tmp_path), written)
    with index.writer() as writer:
        writer.add_document(title="one", extra="gone", note_s="kept")
        writer.add_document(title="two")
    dynamic = Schema(title=TEXT(stored=True))
    dynamic.add("*_s", STORED, glob=True)
    for schema in (written, Schema(title=TEXT(stored=True)), dynamic):
        for segment in index_segments(index):
            theirs = readers(SegmentReader(index.storage, schema, segment))
            ours = readers(InPlaceSegmentReader(index.storage, schema, segment))
            assert list(ours.all_stored_fields()) == list(theirs.all_stored_fields())
    assert ours.stored_fields(0) == {"title": "one", "note_s": "kept"}, "the dynamic field's name is kept, the removed field's is not"


def test_an_in_place_segment_reader_neither_copies_nor_maps_the_segment_files(edited_ix, readers):
    """Each sub-file is read by position from the segment file: the same bytes as Whoosh's own
    sub-files, no private copy, and nothing of the index mapped into the process."""
    from whoosh.filedb.compound import CompoundStorage

    from search.engine.whoosh_internals import InPlaceBufferFile, InPlaceCompoundStorage, PositionalReader, PositionalView

    edited_ix, _ = edited_ix
    segment = index_segments(edited_ix)[0]
    assert segment.is_compound()
    filename = segment.make_filename(segment.COMPOUND_EXT)

    def maps_of_the_file() -> list[str]:
        with open("/proc/self/maps") as maps:
            return [line for line in maps if filename in line]

    mapped_before = maps_of_the_file()  # the fixture's own Whoosh readers may map it
    compound = InPlaceCompoundStorage(edited_ix.storage.open_file(filename))
    whooshs = CompoundStorage(edited_ix.storage.open_file(filename), use_mmap=False)  # mapping nothing either
    opened = []
    try:
        for name in compound.list():
            ours, theirs = compound.open_file(name), whooshs.open_file(name)
            assert isinstance(ours, InPlaceBufferFile) and isinstance(ours.file, PositionalReader)
            assert isinstance(ours._buf, PositionalView) and ours._buf.file is compound._segment_file
            expected = theirs.read()
            assert ours.read() == expected and ours.get(3, 20) == expected[3:23]
            assert ours.subset(2, 10).read() == expected[2:12]
            opened.append((ours, expected))
        assert maps_of_the_file() == mapped_before, "the segment file is mapped into the process"
    finally:
        compound.close()
        whooshs.close()
    for ours, expected in opened:  # still the same file after the storage closed, whatever took its number
        with open(__file__, "rb"):
            ours.seek(0)
            assert ours.read() == expected


def test_a_positional_reader_reads_as_a_bytes_io_does(tmp_path, monkeypatch):
    import io

    from search.engine.whoosh_internals import PositionalReader, PositionalView, SegmentFile

    data = b"header" + b"first line\nsecond line\n" * 5 + b"no newline at the end" + b"trailer"
    path = tmp_path / "segment"
    path.write_bytes(data)
    inner = data[6:-7]
    monkeypatch.setattr(PositionalReader, "CHUNK", 7)  # chunks end inside lines and reads
    view = PositionalView(SegmentFile(os.open(path, os.O_RDONLY)), 6, len(inner))
    ours, theirs = PositionalReader(view), io.BytesIO(inner)
    steps = [("read", 5), ("readline", -1), ("tell",), ("seek", 3), ("read", 30), ("readline", -1), ("seek", -4, 2),
             ("read", 10), ("seek", 0), ("readline", 4), ("readline", -1), ("seek", 2, 1), ("readline", -1), ("read", 0),
             ("read", -1), ("read", 3), ("seek", 1), ("read", -1)]  # fmt: skip
    for name, *args in steps:
        assert getattr(ours, name)(*args) == getattr(theirs, name)(*args), (name, args)
    assert bytes(view[2:9]) == inner[2:9] and view[-1] == inner[-1] and view.view(4, 100).tobytes() == inner[4:104]
    assert view.view(len(inner) - 3, 100).tobytes() == inner[-3:]


def test_a_memory_view_reader_reads_as_a_bytes_io_does():
    import io

    from search.engine.whoosh_internals import MemoryViewReader

    data = b"first line\nsecond line\nno newline at the end"
    ours, theirs = MemoryViewReader(memoryview(data)), io.BytesIO(data)
    steps = [("read", 5), ("readline", -1), ("tell",), ("seek", 3), ("read", -1), ("seek", -4, 2), ("read", 10),
             ("seek", 0), ("readline", 4), ("readline", -1), ("seek", 2, 1), ("readline", -1), ("read", 0)]  # fmt: skip
    for name, *args in steps:
        assert getattr(ours, name)(*args) == getattr(theirs, name)(*args), (name, args)


# Term look-ups --------------------------------------------------------------------------------


def test_term_info_is_whooshs_for_every_term_and_none_for_terms_a_segment_lacks(edited_ix, readers):
    """``term_info`` (``hash_table_value`` over the segment's term table) gives the TermInfo that
    Whoosh's ``term_info`` gives for every term of every segment, read by Whoosh's reader and in
    place, and None wherever Whoosh finds no term: another text, a field without terms, a field
    the schema lacks."""
    from whoosh.reading import TermNotFound

    from search.engine.whoosh_internals import InPlaceSegmentReader, term_info

    edited_ix, _ = edited_ix
    found_terms = absent_terms = 0
    for segment in index_segments(edited_ix):
        for reader_class in (SegmentReader, InPlaceSegmentReader):
            leaf = readers(reader_class(edited_ix.storage, edited_ix.schema, segment))
            terms = list(leaf.all_terms())
            others = [(fieldname, btext + b"x") for fieldname, btext in terms]
            others += [("body", b"nowhere"), ("count", b"common"), ("missing_field", b"common"), ("body", b"")]
            for fieldname, btext in terms + others:
                try:
                    expected = leaf._terms.term_info(fieldname, btext)
                except TermNotFound:
                    expected = None
                found = term_info(leaf, fieldname, btext)
                if expected is None:
                    assert found is None, (fieldname, btext)
                    absent_terms += 1
                else:
                    assert type(found) is type(expected) and vars(found) == vars(expected), (fieldname, btext)
                    found_terms += 1
    assert found_terms > 500 and absent_terms > 500


@settings(max_examples=60, deadline=None)
@given(
    keys=st.sets(st.binary(min_size=1, max_size=10), min_size=0, max_size=1500),
    probes=st.lists(st.binary(max_size=10), max_size=50),
    slots_read=st.sampled_from([1, 2, 3, 4, 16]),
    value_guess=st.sampled_from([0, 5, 48]),
)
@example(keys={b"k%d" % n for n in range(3000)}, probes=[b"absent%d" % n for n in range(1000)], slots_read=3, value_guess=5)
def test_hash_table_value_is_whooshs_hash_reader_lookup(tmp_path_factory, keys, probes, slots_read, value_guess):
    """``hash_table_value`` against Whoosh's ``HashReader.get`` on tables Whoosh wrote: every key
    found with its value (some longer than the bytes read with the key), every other key absent,
    whatever number of slots is read at once (runs of slots wrap around a table's end)."""
    from unittest import mock

    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.filetables import HashReader, HashWriter

    from search.engine import whoosh_internals as internals

    storage = FileStorage(str(tmp_path_factory.mktemp("hash")))
    writer = HashWriter(storage.create_file("table"))
    values = {key: key * (1 + len(key) % 9) for key in keys}
    for key, value in values.items():
        writer.add(key, value)
    writer.close()
    reader = HashReader.open(storage, "table")
    try:
        with mock.patch.object(internals, "SLOTS_READ", slots_read), mock.patch.object(internals, "VALUE_BYTES_GUESS", value_guess):
            for key in [*values, *probes]:
                expected = reader.get(key)
                found = internals.hash_table_value(reader, key)
                assert (None if expected is None else bytes(expected)) == found
    finally:
        reader.close()
