"""Every use of a private Whoosh or haystack attribute, in this one module.

The engine is fast because it reads Whoosh's segments a block at a time and reuses open segment
readers across index generations, which Whoosh's public API does not offer. Each function below
names the private attribute it touches, what it relies on, and the versions it was checked on;
``tests/search/engine/test_whoosh_internals.py`` has a test for each that fails if an upgrade
changes it, and ``check_versions`` refuses versions nobody checked. No method of a Whoosh object
is replaced at run time: where behaviour must change, a subclass does it (``SharedReaderSearcher``,
``ReaderSharingWriter``, ``ArchiveCodec``, ``InPlaceSegmentReader``).
"""

import copy
import ctypes
import os
import pickle
import queue
import signal
import struct
import sys
import time
import zlib
from array import array
from datetime import datetime, timezone
from importlib.metadata import version

import numpy as np
from django.core.exceptions import ImproperlyConfigured
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3LeafMatcher,
    W3PostingsWriter,
    _lenfield,
    length_to_byte,
)
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import OverlayStorage, StorageError
from whoosh.filedb.structfile import BufferFile
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.reading import SegmentReader, TermNotFound
from whoosh.searching import Searcher
from whoosh.util import random_name
from whoosh.writing import SegmentWriter

# Checked with: Whoosh-Reloaded 2.7.5 (imported as ``whoosh``), django-haystack 3.4.0.
CHECKED_VERSIONS = {"Whoosh-Reloaded": {"2.7.5"}, "django-haystack": {"3.4.0"}}


def check_versions() -> None:
    """Refuse to start on a Whoosh-Reloaded or haystack release these functions were not checked on."""
    for package, checked in CHECKED_VERSIONS.items():
        installed = version(package)
        if installed not in checked:
            raise ImproperlyConfigured(
                f"{package} {installed} is installed; the archive engine's Whoosh internals were checked on "
                f"{', '.join(sorted(checked))} only (search/engine/whoosh_internals.py). Run its tests against "
                f"{installed} and add it there, or use SEARCH_URL=haystack+whoosh:///path meanwhile."
            )


def index_segments(index) -> list:
    """The segments of the index's latest generation: ``FileIndex._segments()`` (2.7.5), which reads
    the table of contents. ``index.reader()`` would open every segment; we open only new ones."""
    return index._segments()


def segment_id(leaf):
    """A segment reader's segment id: ``SegmentReader._segid`` (2.7.5), or None for a reader with no
    segment (``EmptyReader`` of an empty index)."""
    return getattr(leaf, "_segid", None)


def deleted_docnums(leaf):
    """A segment reader's deleted document numbers, read from its per-document reader
    (``SegmentReader._perdoc.deleted_docs()``, 2.7.5) and not from the ``deleted_docs_set`` cache."""
    perdoc = getattr(leaf, "_perdoc", None)
    return perdoc.deleted_docs() if perdoc is not None else ()


def reader_with_deletions_of(leaf, segment):
    """A copy of the segment reader ``leaf`` that shares its open files but has the deletions of
    ``segment``, a newer state of the same segment.

    Whoosh keeps a segment's deletions in the segment object of the table of contents, not in its
    files, so an edit changes only that object, and reopening the segment would copy its files into
    memory again. Relies on (2.7.5): ``SegmentReader._segment``, ``SegmentReader._perdoc`` (a
    ``W3PerDocReader`` whose ``_segment`` answers deletion queries), and the ``deleted_docs_set``
    cached_property, which must be dropped or the old deletions stay (Whoosh's own
    ``searcher.refresh()`` keeps them, and deleted documents come back).
    """
    reader = copy.copy(leaf)
    reader._segment = segment
    reader._perdoc = copy.copy(leaf._perdoc)
    reader._perdoc._segment = segment
    reader.__dict__.pop("deleted_docs_set", None)
    return reader


def postings_blocks(leaf, fieldname: str, btext: bytes):
    """A term's postings in one segment, a block (up to 128 documents) at a time: yields
    (document numbers, weights) as array-likes, deleted documents included; nothing for a term
    the segment does not have (one lookup of the term, where asking first would make two).

    Relies on (2.7.5): ``SegmentReader._terms.matcher()`` giving a ``W3LeafMatcher`` without the
    deletion filter, and its ``_read_ids``, ``_read_weights``, ``_ids``, ``_weights`` and
    ``_next_block``. Whoosh's public matcher walks one document at a time in Python. A segment
    written by ``ArchiveCodec`` gives numpy arrays without decoding its positions; one written by
    Whoosh's own codec (an index from before it) is read the Whoosh way.
    """
    terms = getattr(leaf, "_terms", None)  # an EmptyReader (an empty index) has none
    if terms is None:
        return
    try:
        matcher = terms.matcher(fieldname, btext, leaf.schema[fieldname].format)
    except TermNotFound:
        return
    arrays = isinstance(matcher, ArchiveLeafMatcher)
    while matcher.is_active():
        if arrays:
            yield matcher.block_arrays()
        else:
            matcher._read_ids()
            matcher._read_weights()
            yield matcher._ids, matcher._weights
        matcher._next_block()


# A block of postings in ``ArchiveCodec``'s layout, after Whoosh's own block info: a header, then
# the document numbers (uint32 deltas), the weights (float32; absent when all are 1.0) and the
# values (Whoosh's minified values, pickled), each compressed on its own when that saves space.
BLOCK_HEADER = struct.Struct("<BHHI")
IDS_COMPRESSED, WEIGHTS_COMPRESSED, VALUES_COMPRESSED, WEIGHTS_ALL_ONE = 1, 2, 4, 8
COMPRESS_FROM = 64  # bytes: below this, zlib's own header and checksum cost more than they save


def _packed(raw: bytes, level: int, flag: int) -> tuple[bytes, int]:
    if level and len(raw) >= COMPRESS_FROM:
        packed = zlib.compress(raw, level)
        if len(packed) < len(raw):
            return packed, flag
    return raw, 0


def _little_endian(values: array) -> bytes:
    """An array's bytes, little-endian as the reader's numpy dtypes say ("<u4", "<f4")."""
    if sys.byteorder != "little":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


class ArchivePostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer with the block data split in three parts, so that matching and
    ranking read document numbers and weights as arrays and never decode positions, which only
    phrase queries and highlighting by Whoosh need. Whoosh pickles the three together.

    Relies on (2.7.5): ``W3PostingsWriter._write_block`` and its state (``_ids``, ``_weights``,
    ``_maxweight``, ``_minlength``, ``_maxlength``, ``_compression``, ``_postfile``,
    ``_terminfo``, ``_blockcount``, ``_new_block``, ``_mini_values``), the block length as a
    signed int (negative for the last block), ``WHOOSH3_HEADER_MAGIC`` first, and the block info
    tuple that ``W3LeafMatcher._goto`` reads.
    """

    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids = self._ids
        level = self._compression
        deltas = array("I", ids)
        deltas[1:] = array("I", [later - earlier for earlier, later in zip(ids, ids[1:])])
        id_bytes, flags = _packed(_little_endian(deltas), level, IDS_COMPRESSED)
        weights = self._weights
        if weights.count(1.0) == len(weights):
            weight_bytes, flags = b"", flags | WEIGHTS_ALL_ONE
        else:
            weight_bytes, flag = _packed(_little_endian(weights), level, WEIGHTS_COMPRESSED)
            flags |= flag
        values = self._mini_values()
        value_bytes, flag = _packed(pickle.dumps(values, 2), level, VALUES_COMPRESSED) if values is not None else (b"", 0)
        flags |= flag
        data = BLOCK_HEADER.pack(flags, len(id_bytes), len(weight_bytes), len(value_bytes)) + id_bytes + weight_bytes + value_bytes
        info = pickle.dumps(
            (len(ids), ids[-1], self._maxweight, level, length_to_byte(self._minlength), length_to_byte(self._maxlength)), 2
        )
        length = len(info) + len(data)
        self._postfile.write_int(-length if last else length)
        self._postfile.write(info)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()


class ArchiveLeafMatcher(W3LeafMatcher):
    """Reads ``ArchivePostingsWriter``'s blocks: each of ids, weights and values is decoded only
    when asked for, and ``block_arrays`` gives ids and weights as numpy arrays.

    Relies on (2.7.5): ``W3LeafMatcher._goto`` setting ``_dataoffset``, ``_nextoffset``,
    ``_blocklength`` and clearing ``_data``, ``_ids``, ``_weights`` and ``_values``; Whoosh's
    matcher methods reading ``_ids``, ``_weights`` and ``_values`` through ``_read_ids``,
    ``_read_weights`` and ``_read_values``; and ``_fixedsize`` and ``_postfile.get``.
    """

    def _read_data(self):
        flags, id_length, weight_length, value_length = BLOCK_HEADER.unpack(
            self._postfile.get(self._dataoffset, BLOCK_HEADER.size)
        )
        start = self._dataoffset + BLOCK_HEADER.size
        self._data = (flags, start, id_length, weight_length, value_length)

    def _section(self, offset: int, length: int, compressed: bool) -> bytes:
        raw = self._postfile.get(offset, length) if length else b""
        return zlib.decompress(raw) if compressed else raw

    def _id_array(self) -> np.ndarray:
        if self._data is None:
            self._read_data()
        flags, start, id_length, _, _ = self._data
        deltas = np.frombuffer(self._section(start, id_length, flags & IDS_COMPRESSED), dtype="<u4")
        return np.cumsum(deltas, dtype=np.int64)

    def _weight_array(self) -> np.ndarray:
        if self._data is None:
            self._read_data()
        flags, start, id_length, weight_length, _ = self._data
        if flags & WEIGHTS_ALL_ONE:
            return np.ones(self._blocklength, dtype=np.float32)
        raw = self._section(start + id_length, weight_length, flags & WEIGHTS_COMPRESSED)
        return np.frombuffer(raw, dtype="<f4").astype(np.float32)

    def block_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """This block's (document numbers as int64, weights as float32), positions left unread."""
        return self._id_array(), self._weight_array()

    def _read_ids(self):
        self._ids = self._id_array().tolist()

    def _read_weights(self):
        self._weights = array("f", self._weight_array().tobytes())

    def _read_values(self):
        if self._data is None:
            self._read_data()
        flags, start, id_length, weight_length, value_length = self._data
        if value_length:
            values = pickle.loads(self._section(start + id_length + weight_length, value_length, flags & VALUES_COMPRESSED))
        else:
            values = None
        fixedsize = self._fixedsize
        if fixedsize is None or fixedsize < 0:
            self._values = values
        elif fixedsize == 0:
            self._values = (None,) * self._blocklength
        else:
            self._values = tuple(values[i : i + fixedsize] for i in range(0, len(values), fixedsize))


class ArchiveCodec(W3Codec):
    """Whoosh's codec with ``ArchivePostingsWriter``'s block layout for the postings of terms;
    term vectors keep Whoosh's own. A segment keeps the codec it was written with (``W3Segment``
    pickles it), so an index written before keeps being read by Whoosh's own matcher, and a merge
    rewrites its segments in this layout.

    Relies on (2.7.5): ``W3Codec.postings_writer``/``postings_reader`` as the only places that
    make term postings writers and readers, and ``_blocklimit``, ``_compression``, ``_inlinelimit``.
    """

    def postings_writer(self, dbfile, byteids=False):
        if byteids:
            return super().postings_writer(dbfile, byteids=True)
        return ArchivePostingsWriter(
            dbfile, blocklimit=self._blocklimit, compression=self._compression, inlinelimit=self._inlinelimit
        )

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return ArchiveLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


def field_length_bytes(leaf, fieldname: str):
    """A segment's per-document field lengths as Whoosh stores them (one byte each), or None.

    Relies on (2.7.5): ``SegmentReader._perdoc._cached_reader`` and ``whoosh.codec.whoosh3``'s
    ``_lenfield`` and ``LENGTHS_COLUMN``; the public ``doc_field_length`` reads one document a call.
    """
    perdoc = getattr(leaf, "_perdoc", None)
    if perdoc is None:
        return None
    return perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)


class SharedReaderSearcher(Searcher):
    """A searcher over readers that other searchers share: closing it leaves them open
    (``update_document`` and ``delete_by_query`` close the writer's searcher after each use)."""

    def close(self):
        pass


class ReaderSharingWriter(SegmentWriter):
    """A segment writer that finds the old copies of updated documents through readers this process
    already has open instead of opening every segment again (most of an editor's save at 100,000
    articles). ``SegmentWriter.searcher()`` (2.7.5) is what ``update_document`` and
    ``delete_by_term`` use; with keyword arguments, or once closed, Whoosh's own applies.
    """

    def __init__(self, index, shared_searcher_factory, **kwargs):
        super().__init__(index, **kwargs)
        self._shared_searcher_factory = shared_searcher_factory
        self._shared_searcher = None

    def searcher(self, **kwargs):
        if kwargs or self.is_closed or self._shared_searcher_factory is None:
            return super().searcher(**kwargs)
        if self._shared_searcher is None:
            self._shared_searcher = self._shared_searcher_factory(self)
        return self._shared_searcher


class UTCDatetimesForWhoosh:
    """For a subclass of haystack's ``WhooshSearchBackend``: aware datetimes are stored as naive UTC.

    Whoosh's DATETIME orders and compares naive datetimes. haystack converts every value it
    indexes or puts in a query through the backend's private ``_from_python`` (django-haystack
    3.4.0: ``update`` and ``WhooshSearchQuery.build_query_fragment`` call ``backend._from_python``),
    so this is where the conversion must be extended.
    """

    def _from_python(self, value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return super()._from_python(value)


def haystack_from_python(backend, value):
    """A Python value as the backend indexes it: ``backend._from_python`` (django-haystack 3.4.0)."""
    return backend._from_python(value)


def haystack_to_python(backend, value):
    """A stored Whoosh value back in Python: ``WhooshSearchBackend._to_python`` (django-haystack 3.4.0)."""
    return backend._to_python(value)


def parse_date_text(field, text: str):
    """Whoosh's parse of a date in a query into an ``adatetime`` with ``floor()``/``ceil()``:
    ``DATETIME._parse_datestring`` (2.7.5), which Whoosh's own ``parse_range`` uses."""
    return field._parse_datestring(text)


class MemoryViewReader:
    """The sequential reads Whoosh's ``StructFile`` makes of a sub-file (``read``, ``seek``,
    ``tell``), served from a memoryview of the segment's mmap without copying it."""

    def __init__(self, view: memoryview):
        self._view = view
        self._position = 0

    def read(self, size: int = -1) -> bytes:
        start = self._position
        end = len(self._view) if size is None or size < 0 else min(len(self._view), start + size)
        self._position = end
        return self._view[start:end].tobytes()

    def readline(self, size: int = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(len(self._view), self._position + size)
        chunk = self._view[self._position : end].tobytes()
        newline = chunk.find(b"\n")
        line = chunk if newline < 0 else chunk[: newline + 1]
        self._position += len(line)
        return line

    def seek(self, position: int, whence: int = 0) -> int:
        self._position = position + (0, self._position, len(self._view))[whence]
        return self._position

    def tell(self) -> int:
        return self._position

    def flush(self):
        pass

    def close(self):
        pass


class InPlaceBufferFile(BufferFile):
    """Whoosh's ``BufferFile`` over a sub-file of a segment's mmap, read in place.

    Whoosh's (2.7.5) wraps the memoryview in a ``BytesIO``, which copies it: every process held a
    private copy of every segment file it opened (81 MB per gunicorn worker at Reuters size,
    docs/memory.md), where the mmap's pages are the operating system's page cache, shared by
    every worker. Relies on (2.7.5): ``BufferFile`` reading positioned data from ``_buf``
    (``get``, ``get_array``) and sequential data through ``file``; ``subset`` copying."""

    def __init__(self, buf, name=None, onclose=None):
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = buf
        self.file = MemoryViewReader(buf)

    def subset(self, position, length, name=None):
        return InPlaceBufferFile(self._buf[position : position + length], name=name or self._name)


class InPlaceCompoundStorage(CompoundStorage):
    """A compound segment file whose sub-files are read in place from its mmap (``InPlaceBufferFile``).
    Relies on (2.7.5): ``CompoundStorage._source`` (the mmap, None where mmap is unavailable),
    ``range(name)`` and ``is_closed``."""

    def open_file(self, name, *args, **kwargs):
        if self._source is None:
            return super().open_file(name, *args, **kwargs)
        if self.is_closed:
            raise StorageError("Storage was closed")
        offset, length = self.range(name)
        return InPlaceBufferFile(memoryview(self._source)[offset : offset + length], name=name)


class InPlaceSegmentReader(SegmentReader):
    """Whoosh's ``SegmentReader``, opening a compound segment with ``InPlaceCompoundStorage``.
    Relies on (2.7.5): ``SegmentReader.__init__``'s steps, repeated here with the one change (the
    compound file as ``Segment.open_compound_file`` opens it, in ``InPlaceCompoundStorage``)."""

    def __init__(self, storage, schema, segment, generation=None, codec=None):
        self.schema = schema
        self.is_closed = False
        self._segment = segment
        self._segid = segment.segment_id()
        self._gen = generation
        if segment.is_compound():
            compound = storage.open_file(segment.make_filename(segment.COMPOUND_EXT))
            self._storage = OverlayStorage(InPlaceCompoundStorage(compound, use_mmap=storage.supports_mmap), storage)
        else:
            self._storage = storage
        self._codec = codec if codec else segment.codec()
        self._terms = self._codec.terms_reader(self._storage, segment)
        self._perdoc = self._codec.per_document_reader(self._storage, segment)


# Several writing processes ------------------------------------------------------------------------

JOB_DOCUMENTS = 200  # documents per job file: small enough to share the work evenly
POLL_SECONDS = 0.5  # how often a waiting parent checks that its processes are alive
RESULT_SECONDS = 600.0  # the longest a finished process may take to hand over its segment


class ParallelWriteFailed(Exception):
    """A writing process died or never reported its segment; nothing was committed."""



PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent ends: a rebuild killed (SIGKILL) must not
    leave writers behind, holding its locks' inherited descriptors and waiting for jobs forever."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent's cancel() still stops them
        return
    if os.getppid() != parent:  # the parent ended before the request was made
        os._exit(1)


class WriterProcess(SubWriterTask):
    """Whoosh's writing process, that ends with its parent."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent = os.getpid()

    def run(self):
        die_with_parent(self.parent)
        super().run()


class ParallelWriter(MpWriter, ReaderSharingWriter):
    """Whoosh's ``MpWriter`` with a segment per process (parallel_writing.py says when), that never
    waits on a dead process, and whose processes end with it.

    Updates and deletions are the parent's (``SegmentWriter.update_document`` deletes the old
    copy, then hands the new one on); like ``ReaderSharingWriter``, it finds old copies through
    ``shared_searcher_factory``'s readers where one is given. ``MpWriter.__init__`` calls
    ``SegmentWriter.__init__`` itself, so ``ReaderSharingWriter``'s state is set here.

    Relies on (Whoosh-Reloaded 2.7.5): ``MpWriter``'s ``tasks``, ``jobqueue``, ``resultqueue``,
    ``docbuffer``, ``subargs``, ``multisegment`` and ``SubWriterTask`` (a forked process that reads job files of
    ``(0, fields)`` pickles and puts ``(run name, field names, segment)`` on the result queue when it
    reads ``None``), and ``SegmentWriter``'s ``_merge_segments``, ``_finalize_segment``,
    ``_close_segment``, ``_commit_toc`` and ``_finish``.
    """

    def __init__(self, index, processes: int, shared_searcher_factory=None, **writer_options):
        super().__init__(index, procs=processes, batchsize=JOB_DOCUMENTS, multisegment=True, **writer_options)
        self._shared_searcher_factory = shared_searcher_factory
        self._shared_searcher = None

    def _new_task(self):
        task = WriterProcess(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task

    def _enqueue(self):
        """The buffered documents as one job file, handed to the next free process."""
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as job:
            for item in self.docbuffer:
                pickle.dump(item, job, 2)
        if len(self.tasks) < self.procs:
            self._new_task()
        self._put((filename, len(self.docbuffer)))
        self.docbuffer = []

    def _put(self, job) -> None:
        """Put ``job`` on the bounded job queue, waiting while the processes are busy but not
        while one of them is dead (nothing would ever take it)."""
        while True:
            self._check_processes()
            try:
                self.jobqueue.put(job, timeout=POLL_SECONDS)
                return
            except queue.Full:
                continue

    def _check_processes(self) -> None:
        failed = [task.exitcode for task in self.tasks if task.exitcode not in (None, 0)]
        if failed:
            raise ParallelWriteFailed(f"a writing process ended with exit code {failed[0]}")

    def _results(self) -> list:
        """Each process's (run, field names, segment), as each finishes."""
        results, deadline = [], time.monotonic() + RESULT_SECONDS
        while len(results) < len(self.tasks):
            try:
                results.append(self.resultqueue.get(timeout=POLL_SECONDS))
            except queue.Empty:
                self._check_processes()
                if all(task.exitcode is not None for task in self.tasks) and self.resultqueue.empty():
                    raise ParallelWriteFailed("a writing process ended without reporting its segment") from None
                if time.monotonic() > deadline:
                    raise ParallelWriteFailed(f"no segment reported in {RESULT_SECONDS:g} s") from None
        return results

    def _commit(self, mergetype, optimize, merge):
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self._put(None)  # each process finishes its segment when it reads this
        segments = self._merge_segments(mergetype, optimize, merge)
        results = self._results()  # before joining: a process exits once its result is read
        for task in self.tasks:
            task.join()
        segments += [segment for _, _, segment in results]
        if self._added:
            segments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(segments)
        self._finish()

    def commit(self, mergetype=None, optimize=None, merge=None):
        try:
            super().commit(mergetype=mergetype, optimize=optimize, merge=merge)
        except BaseException:
            self.cancel()
            raise

    def cancel(self):
        """Stop the processes (Whoosh's ``cancel`` only flags its own copies of them), then cancel."""
        for task in self.tasks:
            if task.exitcode is None:
                task.terminate()
        for task in self.tasks:
            task.join()
        if not self.is_closed:
            super(MpWriter, self).cancel()
