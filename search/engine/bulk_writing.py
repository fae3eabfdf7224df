"""An import's index writes: analysed by processes beside the live index, added to it by a short commit.

An import wrote each batch of 500 with one commit of the live index, in the importing process
alone: Whoosh's analysis and encoding on one of the machine's cores, and its merges (17-24 s each
on Reuters) under the index's write lock, so that an editor's save waited or was owed meanwhile.

Here the documents go, as the import writes them to the database, to ``index_processes``
processes that write them into segments of a staging index in the index folder
(``IndexFolder.new_staging``), while the importing process goes on with the next batch. When a
chunk is complete, one short commit of the live index deletes the old copies of the chunk's
documents, moves its segments' files in (a rename) and lists them (``adopting``, a Whoosh
``mergetype``). The write lock is held for that commit only.

The chunks' segments are not merged with the others (a merge rewrites every document it takes,
as costly as writing it): chunks grow from ``FIRST_CHUNK`` documents, doubling up to
``LARGEST_CHUNK``, so an import of a million articles leaves about thirty segments and an import of
a few thousand is searchable within seconds. A rebuild writes one segment per process again.

A chunk's documents are searchable once it is adopted. If the import fails, the chunk's articles
are recorded as owed (``PendingIndexUpdate``); if it is killed, ``check_index --repair`` finds them,
and the next ``remove_unused`` removes the staging folder.
"""

import logging
import os
import shutil
import time

from haystack.constants import ID
from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError
from whoosh.reading import SegmentReader

from .interface import SearchUnavailable
from .merges import merge_after_a_save
from .parallel_writing import PARALLEL_FROM
from .whoosh_internals import ParallelWriter, TrainedDictionaryCodec, index_segments, segment_id

log = logging.getLogger(__name__)

FIRST_CHUNK = 5_000  # documents in an import's first adopted chunk
LARGEST_CHUNK = 100_000  # documents at most in one chunk (a segment of LARGEST_CHUNK / processes)


class StagingSchemaChanged(Exception):
    """The live generation's schema is not the one the chunk was written with (a rebuild with a
    new schema went live meanwhile): nothing was adopted, the chunk's documents are owed."""


def adopting(segments: list):
    """A Whoosh ``mergetype`` (the documented hook of ``writer.commit``) that merges the live
    index's tiny segments as a save would, then lists ``segments`` after the others."""

    def merge(writer, existing):
        return merge_after_a_save(writer, existing) + list(segments)

    return merge


def identifiers_in(reader, identifiers) -> set[str]:
    """The identifiers that are terms of the reader's ``id`` field (of deleted documents too)."""
    return {identifier for identifier in identifiers if (ID, identifier) in reader}


def move_segment_files(source: FileStorage, target: FileStorage, segments) -> None:
    """Move the files of ``segments`` (``<segment id>.<ext>``) from one storage's folder to another's."""
    prefixes = tuple(f"{segment.segment_id()}." for segment in segments)
    for name in os.listdir(source.folder):
        if name.startswith(prefixes):
            os.replace(os.path.join(source.folder, name), os.path.join(target.folder, name))


class BulkWriter:
    """Writes prepared documents (``backend.prepare_documents``) to the live index in chunks.

    ``add`` hands documents to the writing processes; ``finish`` adopts what is left. Before the
    first ``PARALLEL_FROM`` documents of a chunk it only keeps them: a chunk smaller than that is
    written by one ordinary commit, as starting processes for it would cost more than it saves.
    """

    def __init__(self, backend, owe):
        self.backend = backend
        self.owe = owe  # called with the identifiers of a chunk that could not be adopted
        self.chunk_limit = FIRST_CHUNK
        self.kept: list[dict] = []  # a chunk's first documents, before the processes start
        self.identifiers: set[str] = set()  # of the chunk being written
        self.staging = self.owner = self.writer = None
        self.chunks = 0

    def add(self, documents: list[dict]) -> None:
        if any(document[ID] in self.identifiers for document in documents):
            self.flush()  # an article twice in one chunk: its second copy must replace the first
        self.identifiers.update(document[ID] for document in documents)  # owed from here if we fail
        if self.writer is None:
            self.kept += documents
            if len(self.kept) >= PARALLEL_FROM:
                self.start_processes()
        else:
            for document in documents:
                self.writer.add_document(**document)
        if len(self.identifiers) >= self.chunk_limit:
            self.flush()

    def start_processes(self) -> None:
        if self.chunks == 0:
            self.backend.folder.remove_unused()  # a killed import's staging folder, among others
        self.staging, self.owner = self.backend.folder.new_staging()
        staging_index = FileStorage(self.staging).create_index(self.backend.schema)
        self.writer = ParallelWriter(
            staging_index,
            self.backend.index_processes,
            limitmb=self.backend.writer_limit_mb,
            codec=TrainedDictionaryCodec(),
        )
        for document in self.kept:
            self.writer.add_document(**document)
        self.kept = []

    def flush(self) -> None:
        """Adopt the chunk written so far into the live index."""
        if not self.identifiers:
            return
        if self.writer is None:
            self.backend.write(documents=self.kept)
        else:
            self.writer.commit()
            self.writer = None
            try:
                self.adopt(FileStorage(self.staging).open_index())
            except StagingSchemaChanged:
                self.owe(sorted(self.identifiers))  # indexed from the database by the catch-up
            finally:
                self.remove_staging()
        self.kept, self.identifiers = [], set()
        self.chunks += 1
        self.chunk_limit = min(self.chunk_limit * 2, LARGEST_CHUNK)

    def adopt(self, staging_index) -> None:
        """One commit of the live index: delete the chunk's documents' old copies, move its
        segments in and list them. Holds the write lock only for this; which documents have old
        copies is looked up before (at 100,000 articles that took up to 2 s under the lock), and
        again under it only in the segments committed meanwhile."""
        from .backend import schema_version

        segments = index_segments(staging_index)
        looked_in, present = self.live_identifiers()
        writer = self.backend.open_writer()
        locked = time.monotonic()
        try:
            if schema_version(writer.schema) != schema_version(staging_index.schema):
                raise StagingSchemaChanged(writer.schema)
            for segment in writer.segments:
                if segment.segment_id() not in looked_in:
                    with SegmentReader(writer.storage, writer.schema, segment) as reader:
                        present |= identifiers_in(reader, self.identifiers)
            for identifier in present:
                writer.delete_by_term(ID, identifier)
            if self.backend.folder is not None:
                self.backend.folder.journal_if_rebuilding(sorted(self.identifiers))
            move_segment_files(staging_index.storage, writer.storage, segments)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=adopting(segments))
        log.info("Added %d documents to the live index (%d replaced); its write lock was held for %.2f s",
                 len(self.identifiers), len(present), time.monotonic() - locked)  # fmt: skip

    def live_identifiers(self) -> tuple[set[str], set[str]]:
        """The segments this process's snapshot of the live index reads, and the chunk's
        identifiers found in them. Both come from the same reader: a table of contents read
        again could name a segment committed after the lookup, which would then go unchecked."""
        try:
            reader = self.backend.snapshot(create=True).reader
        except (FileNotFoundError, EmptyIndexError, SearchUnavailable):
            return set(), set()  # every segment is looked in under the lock
        looked_in = {segment_id(leaf) for leaf, _ in reader.leaf_readers()}
        return looked_in, identifiers_in(reader, self.identifiers)

    def remove_staging(self) -> None:
        if self.owner is not None:
            self.owner.close()
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
        self.staging = self.owner = None

    def pending_identifiers(self) -> set[str]:
        """What was added but not adopted: owed if the import stops here."""
        return set(self.identifiers)

    def cancel(self) -> None:
        if self.writer is not None:
            self.writer.cancel()
            self.writer = None
        self.remove_staging()
        self.kept, self.identifiers = [], set()

    def finish(self) -> None:
        self.flush()
