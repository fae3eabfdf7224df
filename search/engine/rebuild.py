"""A rebuild beside the live index, switched to atomically, that loses no write made meanwhile.

1. Under the rebuild lock, a new generation is created and every registered ``SearchIndex``'s
   objects are written to it (read in batches, one commit a SearchIndex), while search keeps
   answering from the live generation.
2. Writers of the live index journal what they write while the rebuild runs; the rebuild writes
   those objects again, as the database has them then.
3. Holding the live index's write lock (so no write falls between), it replays the rest of the
   journal, checks that the new generation holds every document it wrote, and switches.

Killed at any point, it leaves the live generation serving; the next rebuild removes its folder.
"""

import logging
import shutil
import time
from collections import defaultdict

from haystack.constants import ID
from haystack.utils import get_identifier
from haystack.utils.app_loading import haystack_get_model
from whoosh.filedb.filestore import FileStorage

from .interface import SearchUnavailable
from .parallel_writing import writing_processes
from .segments import write_long_postings
from .snapshot import open_searcher
from .whoosh_internals import CommitWriter, ParallelWriter, TrainedDictionaryCodec

log = logging.getLogger(__name__)

SWITCH_LOCK_WAIT = 300.0  # seconds to wait for an import's commit before the switch


class RebuildCheckFailed(Exception):
    """The new generation does not hold what was written to it; the live one stays."""


def rebuild_aside(backend, *, batch_size: int, progress=None) -> dict:
    from haystack import connections

    if not backend.setup_complete:
        backend.setup()
    folder = backend.folder
    unified_index = connections[backend.connection_alias].get_unified_index()
    started = time.monotonic()
    with folder.rebuilding():
        folder.remove_unused()
        target = folder.generation_name()
        folder.start_journal(target)  # before the folder exists and before the database is read
        hold = None
        try:
            folder.new_generation(backend.schema_version, target)
            hold = folder.hold(target)
            index = FileStorage(folder.generation_path(target)).create_index(backend.schema)
            present: set[str] = set()
            for model, search_index in unified_index.get_indexes().items():
                write_all(backend, index, model, search_index, batch_size, present, progress)
            replayed, offset = replay(backend, index, unified_index, folder.read_journal(target), present)
            legacy = folder.current_name() is None and folder.has_legacy_index()
            live_writer = None if legacy else backend_writer(backend)
            try:
                more, _ = replay(backend, index, unified_index, folder.read_journal(target, offset), present)
                check(index, present)
                share_long_postings(index)
                folder.switch_to(target)
            finally:
                if live_writer is not None:
                    live_writer.cancel()
            if legacy:
                folder.remove_legacy_files()
        except BaseException:
            # Interrupted after the switch (Ctrl-C, a failed cleanup), the new generation is live.
            if folder.current_name() != target:
                shutil.rmtree(folder.generation_path(target), ignore_errors=True)
            raise
        finally:
            if hold is not None:
                hold.close()
            folder.end_journal(target)
    backend.forget_snapshot()
    removed = folder.remove_unused()
    return {
        "generation": target,
        "documents": len(present),
        "replayed": replayed + more,
        "removed_generations": removed,
        "seconds": time.monotonic() - started,
    }


def backend_writer(backend):
    """The live index's writer, held so that no write falls between the last replay and the switch."""
    with backend.lock_wait(SWITCH_LOCK_WAIT):
        try:
            return backend.open_writer()
        except SearchUnavailable:
            return None  # no live index that anyone could write to


def write_all(backend, index, model, search_index, batch_size, present, progress) -> None:
    """Every object of one SearchIndex, in primary-key order, read in batches and written by one
    commit, so that the new generation has one segment per writing process: each segment more is
    a lookup more for every word of every search (20 segments of 5,000 articles, when each batch
    was a commit). From ``parallel_writing.PARALLEL_FROM`` objects, ``backend.index_processes`` processes analyse
    and write them (parallel_writing.py). Whoosh's writers spill to disk past their memory limit
    (``WRITER_LIMIT_MB`` each)."""
    queryset = search_index.build_queryset(using=backend.connection_alias).order_by("pk")
    total = queryset.count()
    done, last_pk, written = 0, None, set()
    options = {"limitmb": backend.writer_limit_mb, "codec": TrainedDictionaryCodec()}
    processes = writing_processes(backend.index_processes, total)
    if processes > 1:
        # A forked writer would hold the rebuild lock with its parent, and a killed rebuild would
        # look running until its writers had died too.
        writer = ParallelWriter(index, processes, close_in_processes=[backend.folder.rebuild_lock_descriptor], **options)
    else:
        writer = CommitWriter(index, **options)
    try:
        while True:
            batch = list((queryset.filter(pk__gt=last_pk) if last_pk is not None else queryset)[:batch_size])
            if not batch:
                break
            for document in backend.prepare_documents(search_index, batch):
                writer.add_document(**document)  # a new generation: nothing to replace
                written.add(document[ID])
            done += len(batch)
            last_pk = batch[-1].pk
            if progress:
                progress(model._meta.label, done, total)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    present.update(written)


def write(backend, index, search_index, objects, identifiers_to_remove, present) -> None:
    documents = backend.prepare_documents(search_index, objects) if objects else []
    skipped = {get_identifier(obj) for obj in objects} - {document[ID] for document in documents}
    writer = CommitWriter(index, limitmb=backend.writer_limit_mb, codec=TrainedDictionaryCodec())
    try:
        for document in documents:
            writer.update_document(**document)
        for identifier in [*identifiers_to_remove, *skipped]:
            writer.delete_by_term(ID, identifier)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    present.update(document[ID] for document in documents)
    present.difference_update(identifiers_to_remove)
    present.difference_update(skipped)


def replay(backend, index, unified_index, journal, present) -> tuple[int, int]:
    """Write again, as the database has them now, the objects journaled by the live index's writers."""
    identifiers, offset = journal
    by_model = defaultdict(set)
    for identifier in set(identifiers):
        app_label, model_name, pk = identifier.split(".", 2)
        by_model[(app_label, model_name)].add(pk)
    for (app_label, model_name), pks in by_model.items():
        model = haystack_get_model(app_label, model_name)
        search_index = unified_index.get_index(model)
        objects = list(search_index.build_queryset(using=backend.connection_alias).filter(pk__in=pks))
        found = {str(obj.pk) for obj in objects}
        gone = [f"{app_label}.{model_name}.{pk}" for pk in sorted(pks - found)]
        write(backend, index, search_index, objects, gone, present)
    return len(set(identifiers)), offset


def share_long_postings(index) -> None:
    """Write the new generation's shared postings of its long terms (``segments.write_long_postings``)
    before it goes live: every worker's first search of a common word then maps them. A failure
    costs only that: the searches decode and write them, as for an index written before."""
    started = time.monotonic()
    try:
        with open_searcher(index) as searcher:
            terms = write_long_postings(searcher.reader())
    except Exception:
        log.exception("The new index's long terms' postings were not shared; searches will share them")
        return
    log.info("Shared the postings of %d long terms in %.1f s", terms, time.monotonic() - started)


def check(index, present) -> None:
    """The new generation opens and holds exactly the documents written to it."""
    with index.searcher() as searcher:
        count = searcher.doc_count()
    if count != len(present):
        raise RebuildCheckFailed(f"the new index holds {count} documents, {len(present)} were written")
