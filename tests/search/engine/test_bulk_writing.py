"""An import's documents, written by processes beside the live index and added to it in chunks
(search/engine/bulk_writing.py), answer every query, score and facet as a rebuild of the same
articles does; the write lock is free between chunks; nothing is lost when a process dies."""

import json
import multiprocessing
import os
import subprocess
import sys

import pytest
from haystack.query import SearchQuerySet
from whoosh.multiproc import SubWriterTask

from articles.importing.records import read_paths
from articles.importing.service import articles_import
from articles.models import Article
from search.engine import bulk_writing, whoosh_internals
from search.engine.generations import IndexFolder
from search.engine.whoosh_internals import ParallelWriteFailed, index_segments
from search.indexing import index_pending, search_backend, search_maintenance
from search.models import PendingIndexUpdate
from tests.search.helpers import MIXED_WORDS, index_answers, mixed_records, search

pytestmark = [pytest.mark.archive_engine, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def live_segment_sizes() -> list[int]:
    search_backend().forget_snapshot()
    return [segment.doc_count_all() for segment in index_segments(search_backend().snapshot().index)]


@pytest.fixture
def small_chunks(monkeypatch, search_index):
    """Chunks of 40, 80, 160 documents, processes from the tenth, jobs of 7: a small import goes
    through every path a large one does."""
    monkeypatch.setattr(bulk_writing, "FIRST_CHUNK", 40)
    monkeypatch.setattr(bulk_writing, "PARALLEL_FROM", 10)
    monkeypatch.setattr(whoosh_internals, "JOB_DOCUMENTS", 7)
    search_backend().index_processes = 2
    return search_index


def test_an_import_in_chunks_answers_as_a_rebuild(tmp_path, small_chunks):
    path = write_jsonl(tmp_path / "news.jsonl", mixed_records(150))
    summary = articles_import(read_paths([path]), batch_size=25)
    assert summary.created == 150
    sizes = live_segment_sizes()
    assert sum(sizes) == 150 and len(sizes) >= 4  # chunks of 40, 80 and 30, two processes each
    imported = index_answers()

    search_backend().index_processes = 1
    search_maintenance().rebuild(batch_size=50)
    assert live_segment_sizes() == [150]
    assert imported == index_answers()
    assert imported["total"] == 150 and all(imported[word] for word in MIXED_WORDS)


def test_a_reimport_replaces_the_old_copies(tmp_path, small_chunks):
    articles_import(read_paths([write_jsonl(tmp_path / "first.jsonl", mixed_records(120))]), batch_size=25)
    summary = articles_import(read_paths([write_jsonl(tmp_path / "again.jsonl", mixed_records(120, edition=" revised"))]), batch_size=25)
    assert summary.updated == 120
    assert search("").total == 120
    assert search_backend().snapshot().reader.doc_count() == 120
    assert SearchQuerySet().auto_query("revised").count() == 120


def test_an_article_twice_in_one_chunk_is_indexed_as_its_last_copy(tmp_path, small_chunks):
    rows = mixed_records(30)
    rows.append(dict(rows[3], title="Second thoughts about wheat", body="A corrected story about wheat."))
    articles_import(read_paths([write_jsonl(tmp_path / "news.jsonl", rows)]), batch_size=10)
    assert search("").total == 30
    found = [result.object.title for result in SearchQuerySet().auto_query("corrected")]
    assert found == ["Second thoughts about wheat"]
    assert search_backend().snapshot().reader.doc_count() == 30


class LockProbe:
    """An import's progress callback that, between batches, writes to the live index as an
    editor's save does, allowed to wait 0.2 s for the lock."""

    def __init__(self):
        self.waits = []

    def update(self, count):
        from search.indexing import reindex_articles

        article = Article.objects.order_by("pk").first()
        with search_maintenance().lock_wait(0.2):
            reindex_articles([article.pk])  # raises IndexBusy if the import held the lock
        self.waits.append(count)


def test_an_editors_save_does_not_wait_for_an_import(tmp_path, small_chunks, monkeypatch):
    started = []
    original = bulk_writing.BulkWriter.start_processes
    monkeypatch.setattr(bulk_writing.BulkWriter, "start_processes", lambda writer: started.append(1) or original(writer))
    probe = LockProbe()
    articles_import(read_paths([write_jsonl(tmp_path / "news.jsonl", mixed_records(150))]), batch_size=10, progress=probe)
    assert len(probe.waits) == 15 and len(started) == 3  # each batch saved once, while processes wrote chunks
    assert search("").total == 150


def test_a_process_that_dies_leaves_its_chunk_owed_and_nothing_behind(tmp_path, small_chunks, monkeypatch):
    original = SubWriterTask._process_file

    def dies_once_a_chunk_is_live(task, *job):  # in the forked processes
        return os._exit(3) if live_segment_files(small_chunks) else original(task, *job)

    monkeypatch.setattr(SubWriterTask, "_process_file", dies_once_a_chunk_is_live)
    with pytest.raises(ParallelWriteFailed, match="exit code 3"):
        articles_import(read_paths([write_jsonl(tmp_path / "news.jsonl", mixed_records(150))]), batch_size=10)
    assert Article.objects.count() > 40  # the database has every batch written before the failure
    assert search("").total == 40  # the first chunk
    owed = set(PendingIndexUpdate.objects.values_list("article_id", flat=True))
    indexed = {int(result.pk) for result in SearchQuerySet().all()}
    assert owed == set(Article.objects.values_list("pk", flat=True)) - indexed
    assert not list(small_chunks.glob("staging-*"))
    assert multiprocessing.active_children() == []
    index_pending()
    assert search("").total == Article.objects.count()


def live_segment_files(index_path) -> list[str]:
    if not (index_path / "current").exists():
        return []  # no chunk adopted yet: the live index is created by the first
    live = index_path / os.readlink(index_path / "current")
    return [name for name in os.listdir(live) if name.endswith(".seg")]


def test_a_killed_imports_staging_folder_is_removed_once_its_owner_is_gone(tmp_path):
    folder = IndexFolder(str(tmp_path))
    path, owner = folder.new_staging()
    assert folder.remove_unused() == [] and os.path.isdir(path)  # its owner still writes it
    owner.close()
    code = f"import sys; sys.path.insert(0, {os.getcwd()!r}); from search.engine.generations import IndexFolder; IndexFolder({str(tmp_path)!r}).new_staging(); import os; os._exit(0)"
    subprocess.run([sys.executable, "-c", code], check=True)  # exits without removing its folder
    left = [name for name in os.listdir(tmp_path) if name.startswith("staging-")]
    assert len(left) == 2
    assert sorted(folder.remove_unused()) == sorted(left)
    assert not [name for name in os.listdir(tmp_path) if name.startswith("staging-")]


class RebuildMidway:
    """An import's progress callback that runs a whole rebuild after the fourth batch, while the
    import's chunk is half written by its processes."""

    def __init__(self):
        self.batches = 0
        self.report = None

    def update(self, count):
        self.batches += 1
        if self.batches == 4:
            self.report = search_maintenance().rebuild(batch_size=25)


def test_a_chunk_written_across_a_rebuild_joins_the_new_generation_once(tmp_path, small_chunks):
    probe = RebuildMidway()
    articles_import(read_paths([write_jsonl(tmp_path / "news.jsonl", mixed_records(150))]), batch_size=10, progress=probe)
    assert probe.report is not None and probe.report["documents"] == 40  # the rebuild read what the database had
    assert os.readlink(small_chunks / "current") == probe.report["generation"]  # the chunk went to the new one
    assert search_backend().snapshot().reader.doc_count() == 150 == search("").total  # no article twice
    imported = index_answers()
    search_backend().index_processes = 1
    search_maintenance().rebuild(batch_size=50)
    assert index_answers() == imported


def test_a_save_between_the_lookup_and_the_lock_is_replaced_not_doubled(tmp_path, small_chunks, monkeypatch):
    """The chunk's old copies are looked up before the write lock is taken; a copy that an
    editor's save commits after that lookup is found under the lock, in the segment it made."""
    from search.indexing import reindex_articles

    saved = []
    lookup = bulk_writing.BulkWriter.live_identifiers

    def lookup_then_a_save(writer):
        found = lookup(writer)
        article = Article.objects.order_by("-pk").first()  # of the chunk being adopted
        reindex_articles([article.pk])  # an editor's save, committed before the adoption's lock
        saved.append(article.pk)
        return found

    monkeypatch.setattr(bulk_writing.BulkWriter, "live_identifiers", lookup_then_a_save)
    articles_import(read_paths([write_jsonl(tmp_path / "news.jsonl", mixed_records(150))]), batch_size=10)
    assert len(saved) == 3  # one per chunk
    search_backend().forget_snapshot()
    assert search_backend().snapshot().reader.doc_count() == 150 == search("").total
