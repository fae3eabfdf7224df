"""The snapshot's arrays are written once into the generation's folder and mapped by every
process; the answers are those of arrays each process computes for itself, whatever state the
files are in."""

import os
import threading
from datetime import datetime, timezone

import numpy as np
import pytest

from search.engine import backend as engine_backend
from search.engine import segments, shared_arrays, whoosh_internals, snapshot as snapshot_module
from search.engine.shared_arrays import SET_PREFIX, SEGMENT_PREFIX, SharedArrays
from search.indexing import reindex_articles, search_backend, search_maintenance
from search.related import related_articles
from search.signals import index_updates_paused
from tests.factories import ArticleFactory, OrganisationFactory
from tests.search.helpers import search

pytestmark = pytest.mark.archive_engine

QUERIES = ["", "q=common", "q=common&sort=newest", "q=common&sort=oldest", "q=word003", "from=1995-01-01",
           "q=common&country=MX", "q=word001 OR word002&sort=newest", "to=1999-12-31&sort=oldest"]  # fmt: skip


# SharedArrays alone -------------------------------------------------------------------------


def test_arrays_are_computed_once_and_a_second_process_maps_them(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return np.arange(5, dtype=np.int32), np.array(["mx", "cl"])

    first = SharedArrays(str(tmp_path)).get("g-abc-facet-countries", compute, 2)
    second = SharedArrays(str(tmp_path)).get("g-abc-facet-countries", compute, 2)  # another process's
    assert calls == [1]
    assert second[0].tolist() == [0, 1, 2, 3, 4] and second[1].tolist() == ["mx", "cl"]
    for array in (*first, *second):
        assert not array.flags.writeable
        assert not array.flags.owndata  # a view of the file's map, not a private copy


def test_a_damaged_or_truncated_file_is_computed_again(tmp_path):
    arrays = SharedArrays(str(tmp_path))
    arrays.get("g-abc-keys-date", lambda: (np.arange(1000, dtype=np.uint64),), 1)
    path = tmp_path / "arrays" / "g-abc-keys-date.0.npy"
    with open(path, "r+b") as file:
        file.truncate(os.path.getsize(path) // 2)
    again = SharedArrays(str(tmp_path)).get("g-abc-keys-date", lambda: (np.arange(1000, dtype=np.uint64),), 1)
    assert again[0].tolist() == list(range(1000))
    assert np.load(path).tolist() == list(range(1000))  # written whole again
    path.write_bytes(b"not an array")
    assert SharedArrays(str(tmp_path)).get("g-abc-keys-date", lambda: (np.arange(3, dtype=np.uint64),), 1)[0].tolist() == [0, 1, 2]


def test_a_folder_that_cannot_be_written_leaves_the_process_its_own_arrays(tmp_path):
    (tmp_path / "arrays").write_text("a file where the folder should be")
    found = SharedArrays(str(tmp_path)).get("s-seg1-lengths-text", lambda: (np.ones(4, dtype=np.float32),), 1)
    assert found[0].tolist() == [1, 1, 1, 1]
    assert not found[0].flags.writeable
    with pytest.raises(ValueError, match="2 arrays computed, 1 expected"):
        SharedArrays(str(tmp_path)).get("s-seg1-keys-date", lambda: (np.ones(1), np.ones(1)), 1)


def test_processes_writing_the_same_file_at_once_each_read_a_whole_one(tmp_path):
    found, barrier = [], threading.Barrier(6)

    def work():
        arrays = SharedArrays(str(tmp_path))  # one per process
        barrier.wait()
        found.append(arrays.get("g-abc-order-x", lambda: (np.arange(200_000, dtype=np.int32),), 1)[0])

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 6 and all(np.array_equal(array, np.arange(200_000)) for array in found)
    assert sorted(os.listdir(tmp_path / "arrays")) == ["g-abc-order-x.0.npy"]  # no temporary file left


def test_retain_removes_only_other_segments_and_segment_lists(tmp_path):
    arrays = SharedArrays(str(tmp_path))
    for key in ("s-seg1-keys-date", "s-seg2-keys-date", "s-seg10-keys-date", "g-old-keys-date", "g-new-keys-date"):
        arrays.get(key, lambda: (np.zeros(2),), 1)
    arrays.retain(["seg1"], {"new"})
    assert sorted(os.listdir(tmp_path / "arrays")) == ["g-new-keys-date.0.npy", "s-seg1-keys-date.0.npy"]
    assert arrays.mapped_keys() == ["g-new-keys-date", "s-seg1-keys-date"]


# Through the engine ---------------------------------------------------------------------------


@pytest.fixture
def archive(db, search_index):
    police = OrganisationFactory(name="Policía Federal")
    with index_updates_paused():
        articles = [
            ArticleFactory(slug=f"story-{n}", title=f"Story {n}", body=f"common word{n % 7:03d} word{n % 3:03d}",
                           published_at=datetime(1990 + n % 10, n % 9 + 1, 15, 10, tzinfo=timezone.utc),
                           countries=["MX"] if n % 2 else ["MX", "CL"], organisations=[police] if n % 3 == 0 else [])
            for n in range(30)
        ]  # fmt: skip
        reindex_articles([article.pk for article in articles])
    return articles


def as_new_process():
    """Forget everything this process holds of the index, as a worker that has just started
    (once this one has written what it left for later, as a worker's exit waits for it)."""
    shared_arrays.wait_for_writes()
    engine_backend._snapshots.clear()
    shared_arrays._registry.clear()
    segments.clear_caches()


def answers(archive):
    found = {}
    for query in QUERIES:
        result = search(query)
        found[query] = ([hit.slug for hit in result.hits], result.total,
                        [(facet.name, [(value.value, value.count) for value in facet.values]) for facet in result.facets])  # fmt: skip
    found["related"] = [[article.slug for article in related_articles(article)] for article in archive[:5]]
    return found


def arrays_folder() -> str:
    return search_backend().snapshot().arrays.folder


def test_answers_equal_those_of_arrays_each_process_computes(archive, monkeypatch):
    shared = answers(archive)
    names = os.listdir(arrays_folder())
    assert any(name.startswith(SET_PREFIX) for name in names) and any(name.startswith(SEGMENT_PREFIX) for name in names)
    as_new_process()
    assert answers(archive) == shared  # from the files the first "process" wrote
    monkeypatch.setattr(snapshot_module, "arrays_of", lambda storage: None)
    as_new_process()
    assert search_backend().snapshot().arrays is None
    assert answers(archive) == shared


def test_a_second_process_maps_the_arrays_without_reading_the_segments(archive, monkeypatch):
    answers(archive)
    as_new_process()

    def never(*args):
        raise AssertionError("computed again")

    monkeypatch.setattr(segments, "read_leaf", never)  # facet postings come from the files
    for query in ("", "from=1995-01-01&sort=newest", "country=MX&sort=oldest"):
        search(query)
    snapshot = search_backend().snapshot()
    _, docs, value_ids = snapshot.facet_postings("countries")
    assert not docs.flags.owndata and not docs.flags.writeable and not value_ids.flags.owndata
    assert not snapshot.order_by(("-published_at",)).flags.owndata


def test_damaged_files_are_computed_again_with_the_same_answers(archive):
    shared = answers(archive)
    folder = arrays_folder()
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        with open(path, "r+b") as file:
            file.truncate(os.path.getsize(path) // 2)
    as_new_process()
    assert answers(archive) == shared


def test_an_index_folder_that_cannot_be_written_still_answers(archive, monkeypatch):
    shared = answers(archive)
    folder = arrays_folder()
    for name in os.listdir(folder):
        os.unlink(os.path.join(folder, name))
    os.rmdir(folder)
    with open(folder, "w") as file:
        file.write("not a folder")
    as_new_process()
    assert answers(archive) == shared


def test_a_commit_leaves_only_the_files_of_the_segments_it_keeps(archive):
    answers(archive)
    before = search_backend().snapshot()
    old_digest, old_segments = before.segments_digest, set(before.segment_ids)
    article = archive[4]
    article.body = "common word005 edited"
    article.save()
    reindex_articles([article.pk])
    search_backend().optimize()  # one segment: every earlier segment's files go
    answers(archive)
    after = search_backend().snapshot()
    assert after.segments_digest != old_digest and not set(after.segment_ids) & old_segments
    names = os.listdir(after.arrays.folder)
    assert names and not [name for name in names if old_digest in name or any(segment in name for segment in old_segments)]
    assert search("q=edited").total == 1


# Long terms' postings, decoded once per generation -------------------------------------------------


def postings_files(folder: str) -> list[str]:
    return [name for name in os.listdir(folder) if "-postings-" in name]


def test_long_terms_postings_are_decoded_once_and_mapped_with_the_same_answers(archive, monkeypatch):
    monkeypatch.setattr(segments, "SHARED_POSTINGS_FROM", 10**9)  # no term is long: every process decodes
    decoded = answers(archive)
    assert postings_files(arrays_folder()) == []
    monkeypatch.setattr(segments, "SHARED_POSTINGS_FROM", 5)  # "common" (30 documents) and word000-word006 are
    as_new_process()
    assert answers(archive) == decoded  # decoded, then written
    assert postings_files(arrays_folder())
    as_new_process()
    read = []
    real_read_leaf = segments.read_leaf
    monkeypatch.setattr(segments, "read_leaf", lambda leaf, field, btext, *info: read.append((field, btext)) or real_read_leaf(leaf, field, btext, *info))
    assert answers(archive) == decoded  # mapped
    long = [(field, btext) for field, btext in read if search_backend().snapshot().reader.doc_frequency(field, btext) >= 5]
    assert long == []  # no process decoded a long term again
    docs, freqs = segments.term_postings(search_backend().snapshot().reader.leaf_readers()[0][0], "text", b"common")
    assert not docs.flags.owndata and not docs.flags.writeable and not freqs.flags.writeable


def test_mapped_postings_are_kept_within_the_budget(archive, monkeypatch):
    monkeypatch.setattr(segments, "SHARED_POSTINGS_FROM", 5)
    answers(archive)
    as_new_process()
    segments.set_budget(0)  # nothing fits: every search maps again, and answers the same
    try:
        shared = answers(archive)
        assert segments.held_bytes() == 0 and not [key for key in search_backend().snapshot().arrays.mapped_keys() if "postings" in key]
        segments.set_budget(segments.DEFAULT_BUDGET_BYTES)
        as_new_process()
        assert answers(archive) == shared
    finally:
        segments.set_budget(segments.DEFAULT_BUDGET_BYTES)


def long_terms_by_reader(reader, at_least: int) -> dict[str, list]:
    """Each segment's terms with ``at_least`` postings, by Whoosh's public reading of its terms."""
    return {
        leaf.segment().segment_id(): sorted(term for term in leaf.all_terms() if leaf.doc_frequency(*term) >= at_least)
        for leaf, _ in reader.leaf_readers()
    }


@pytest.mark.parametrize("processes", [1, 2])
def test_a_segment_lists_its_long_terms(archive, monkeypatch, processes):
    """Its writer lists exactly the terms with ``LONG_TERM_POSTINGS`` or more postings in it, and
    a segment written without the list (an index from before it) has none to give."""
    from search.engine import parallel_writing

    monkeypatch.setattr(whoosh_internals, "LONG_TERM_POSTINGS", 5)
    monkeypatch.setattr(parallel_writing, "PARALLEL_FROM", 1)
    monkeypatch.setattr(whoosh_internals, "JOB_DOCUMENTS", 7)  # both processes write a segment
    search_backend().index_processes = processes
    search_maintenance().rebuild(batch_size=10)
    reader = search_backend().snapshot().reader
    expected = long_terms_by_reader(reader, 5)
    assert len(expected) == processes and any(expected.values())  # a segment of a few documents may have none
    assert {leaf.segment().segment_id(): sorted(whoosh_internals.long_terms(leaf)) for leaf, _ in reader.leaf_readers()} == expected

    monkeypatch.setattr(whoosh_internals, "LONG_TERMS_EXT", ".none")  # as a segment written before the list
    assert [whoosh_internals.long_terms(leaf) for leaf, _ in reader.leaf_readers()] == [None] * processes


def test_a_rebuild_writes_its_long_terms_postings_before_any_search(archive, monkeypatch):
    """The new generation goes live with its long terms' postings written: a worker's first search
    of them maps them and decodes none, with the answers of postings each process decodes."""
    monkeypatch.setattr(whoosh_internals, "LONG_TERM_POSTINGS", 5)
    monkeypatch.setattr(segments, "SHARED_POSTINGS_FROM", 5)
    monkeypatch.setattr(shared_arrays, "write_behind", lambda task: pytest.fail("a write was left for later"))
    search_maintenance().rebuild(batch_size=100)
    as_new_process()
    reader = search_backend().snapshot().reader
    long = [term for terms in long_terms_by_reader(reader, 5).values() for term in terms]
    assert (("text", b"common") in long) and len(postings_files(arrays_folder())) == 2 * len(long)  # ids and frequencies

    read, facets = [], []  # a term's postings decoded; the facets' arrays being made (each value's documents)
    real_read_leaf, real_facet_postings = segments.read_leaf, segments.facet_postings

    def facet_postings(*args):
        facets.append(1)
        try:
            return real_facet_postings(*args)
        finally:
            facets.pop()

    def read_leaf(leaf, field, btext, *info):
        if not facets:
            read.append((field, btext))
        return real_read_leaf(leaf, field, btext, *info)

    monkeypatch.setattr(segments, "facet_postings", facet_postings)
    monkeypatch.setattr(segments, "read_leaf", read_leaf)
    mapped = answers(archive)
    assert read and not set(read) & set(long)  # other terms were decoded, no long one
    monkeypatch.setattr(segments, "SHARED_POSTINGS_FROM", 10**9)
    as_new_process()
    assert answers(archive) == mapped  # as each process decodes them


def test_a_rebuild_whose_long_terms_cannot_be_shared_still_goes_live(archive, monkeypatch, caplog):
    from search.engine import rebuild

    def fail(reader):
        raise OSError("disk full")

    monkeypatch.setattr(rebuild, "write_long_postings", fail)
    report = search_maintenance().rebuild(batch_size=100)
    assert search_backend().snapshot().arrays.generation_folder.endswith(report["generation"])
    assert "long terms' postings were not shared" in caplog.text
    assert search("q=common").total == 30


def hold_writes_left_for_later(monkeypatch) -> threading.Event:
    """The writes left for later start once the event is set; a request's own writes go on."""
    release = threading.Event()
    real_write_behind = shared_arrays.write_behind

    def held(task):
        assert release.wait(30), "never released"
        task()

    monkeypatch.setattr(shared_arrays, "write_behind", lambda task: real_write_behind(lambda: held(task)))
    return release


def test_a_search_leaves_writing_long_postings_for_later_and_they_are_written(archive, monkeypatch):
    """The request that decodes a long term answers without waiting for the disk; the writing
    thread writes the files after it, and the next process maps them."""
    monkeypatch.setattr(segments, "SHARED_POSTINGS_FROM", 10**9)
    decoded = answers(archive)
    monkeypatch.setattr(segments, "SHARED_POSTINGS_FROM", 5)
    as_new_process()
    release = hold_writes_left_for_later(monkeypatch)
    assert answers(archive) == decoded  # answered while every write left for later waits
    assert postings_files(arrays_folder()) == []
    release.set()
    shared_arrays.wait_for_writes()
    assert postings_files(arrays_folder())
    as_new_process()
    monkeypatch.setattr(segments, "read_leaf", lambda *args: pytest.fail("a long term was decoded again"))
    docs, _ = segments.term_postings(search_backend().snapshot().reader.leaf_readers()[0][0], "text", b"common")
    assert len(docs) and not docs.flags.owndata


def test_a_generation_forgotten_before_its_writes_gets_none_of_them(archive, monkeypatch):
    """Once a process lets a generation go, another may remove its folder: what was left to write
    for it is not written, and the folder is not made again."""
    monkeypatch.setattr(segments, "SHARED_POSTINGS_FROM", 10**9)
    answers(archive)  # every other array written
    monkeypatch.setattr(segments, "SHARED_POSTINGS_FROM", 5)
    as_new_process()
    release = hold_writes_left_for_later(monkeypatch)
    answers(archive)
    snapshot = search_backend().snapshot()
    shared_arrays.forget(snapshot.arrays.generation_folder)
    release.set()
    shared_arrays.wait_for_writes()
    assert postings_files(arrays_folder()) == []


@pytest.mark.parametrize(
    "array",
    [np.arange(7, dtype=np.int32), np.array([3, 1], dtype=np.uint8), np.linspace(0, 1, 5, dtype=np.float32),
     np.array(["mx", "cl", "zz"]), np.zeros(0, dtype=np.int32), np.zeros(0, dtype="<U1"),
     np.arange(12, dtype=np.uint64).reshape(3, 4), np.asfortranarray(np.arange(6, dtype=np.int16).reshape(2, 3)),
     np.arange(70_000, dtype=np.int64)],
)  # fmt: skip
def test_a_mapped_file_is_the_array_numpy_loads_read_only(tmp_path, array):
    path = str(tmp_path / "a.npy")
    np.save(path, array, allow_pickle=False)
    found, loaded = shared_arrays.mapped(path), np.load(path, allow_pickle=False)
    assert found.dtype == loaded.dtype and found.shape == loaded.shape and np.array_equal(found, loaded)
    assert not found.flags.writeable and found.flags.c_contiguous == loaded.flags.c_contiguous
    if array.size:
        assert not found.flags.owndata


def test_a_file_that_is_not_a_whole_array_is_refused(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, np.arange(100, dtype=np.int32))
    whole = path.read_bytes()
    for damaged in (whole[: len(whole) - 1], whole[:40], b"", b"not an array at all"):
        path.write_bytes(damaged)
        with pytest.raises((ValueError, OSError)):
            shared_arrays.mapped(str(path))
    np.save(path, np.array([{"an": "object"}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError):
        shared_arrays.mapped(str(path))
