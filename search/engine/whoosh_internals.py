"""Every use of a private Whoosh or haystack attribute, in this one module.

The engine is fast because it reads Whoosh's segments a block at a time and reuses open segment
readers across index generations, which Whoosh's public API does not offer. Each function below
names the private attribute it touches, what it relies on, and the versions it was checked on;
``tests/search/engine/test_whoosh_internals.py`` has a test for each that fails if an upgrade
changes it, and ``check_versions`` refuses versions nobody checked. No method of a Whoosh object
is replaced at run time: where behaviour must change, a subclass does it (``SharedReaderSearcher``,
``ReaderSharingWriter``, ``ArchiveCodec``, ``PackedArchiveCodec``, ``InPlaceSegmentReader``).
"""

import copy
import itertools
import marshal
import os
import pickle
import queue
import struct
import threading
import zlib
from array import array
from datetime import datetime, timezone
from importlib.metadata import version

import numpy as np
import zstandard
from django.core.exceptions import ImproperlyConfigured
from haystack.backends import SPELLING_SUGGESTION_HAS_NOT_RUN
from haystack.backends.whoosh_backend import WhooshSearchBackend, WhooshSearchQuery
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3LeafMatcher,
    W3PerDocReader,
    W3PerDocWriter,
    W3PostingsWriter,
    W3TermInfo,
    W3TermsReader,
    _lenfield,
    length_to_byte,
)
from whoosh.columns import Column, PickleColumn, VarBytesColumn
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import OverlayStorage, StorageError
from whoosh.filedb.structfile import BufferFile
from whoosh.index import TOC
import whoosh.multiproc
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.reading import ReaderClosed, SegmentReader, TermNotFound
from whoosh.searching import Searcher
from whoosh.system import _INT_SIZE, pack_uint, pack_ushort
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length
from whoosh.writing import PostingPool, SegmentWriter

from newsarchive.processes import die_with_parent

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


def is_latest_generation(index, generation: int) -> bool:
    """Whether nothing was committed to the index since ``generation``: ``Searcher.up_to_date``'s
    answer from two ``stat`` calls instead of a listing of the folder: a search's snapshot took
    38-40 µs in place, 29-31 so, at 100,000 articles.

    A commit writes the next table of contents, ``TOC._filename(indexname, generation + 1)``, then
    removes every other one (``clean_files``) before it returns. So while the next one is absent
    and ours is present, none newer was committed: a newer one implies the next was written, and
    whatever commit removed the next removed ours with it (two unlinks in one folder, which on a
    POSIX file system fail for both or neither). So a commit is seen by every search that begins
    after it returns, as with the listing; one still removing files may be seen or not. Where
    ours is gone, Whoosh's listing answers. Relies on (2.7.5): ``TOC._filename``, ``FileIndex.indexname``, the writer's
    generation being the latest plus one, and ``SegmentWriter._commit_toc``'s ``clean_files``."""
    folder = getattr(index.storage, "folder", None)
    if generation is None or not isinstance(folder, str):
        return index.latest_generation() == generation  # an empty reader's, or in memory: Whoosh's answer
    if os.path.exists(os.path.join(folder, TOC._filename(index.indexname, generation + 1))):
        return False
    if os.path.exists(os.path.join(folder, TOC._filename(index.indexname, generation))):
        return True
    return index.latest_generation() == generation


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


class DeferredSpellingQuery(WhooshSearchQuery):
    """haystack's Whoosh query, whose spelling suggestion is made when it is asked for.

    haystack's engines make one with every search where ``INCLUDE_SPELLING`` is on, and a page
    asks for it only when nothing matched: a new query's suggestion cost 0.19 ms of a 2.6 ms
    rare-word search at 100,000 articles. ``spelling_suggestion()`` answers as haystack's does:
    after the query has run, the suggestion for the spelling query it ran with (or its own
    query); before, for ``preferred_query``, running the query first. The backend's ``search``
    takes ``suggest_spelling`` and it has ``spelling_suggestion_for`` (``ArchiveWhooshBackend``).
    Relies on (haystack 3.4.0): ``SearchQuery.run`` passing its keyword arguments on to the
    backend's ``search`` and setting ``_spelling_suggestion`` from its answer, which
    ``get_spelling_suggestion`` reads, with ``SPELLING_SUGGESTION_HAS_NOT_RUN`` before a run."""

    def run(self, spelling_query=None, **kwargs):
        super().run(spelling_query=spelling_query, suggest_spelling=False, **kwargs)
        self._spelled_as = spelling_query or self.spelling_query  # what haystack's run would spell
        self._spelling_suggestion = SPELLING_SUGGESTION_HAS_NOT_RUN

    def get_spelling_suggestion(self, preferred_query=None):
        if self._spelling_suggestion is SPELLING_SUGGESTION_HAS_NOT_RUN:
            if not (self.has_run() and hasattr(self, "_spelled_as")):  # not run, or run otherwise (``run_mlt``)
                self.run(spelling_query=preferred_query)
            self._spelling_suggestion = self.backend.spelling_suggestion_for(self.build_query(), self._spelled_as)
        return self._spelling_suggestion


def term_info(leaf, fieldname: str, btext: bytes):
    """The segment's ``TermInfo`` of a term (its document frequency and where its postings
    are), or None where the segment does not have it: one look-up in the segment's term table.

    Looked up through ``hash_table_value``, in one or two reads of the file where Whoosh's
    ``HashReader`` made two to four (a new word's first search looks terms up in some 15 places);
    a terms reader of another codec, its own way. Relies on (2.7.5): ``SegmentReader._terms``, a
    ``W3TermsReader``'s ``_fieldmap`` (field name to number, a key's first two bytes), its
    ``_tindex`` and ``W3TermInfo.from_bytes`` of the value, as its ``term_info`` does."""
    terms = getattr(leaf, "_terms", None)  # an EmptyReader (an empty index) has none
    if terms is None:
        return None
    if type(terms) is not W3TermsReader:
        try:
            return terms.term_info(fieldname, btext)
        except TermNotFound:
            return None
    number = terms._fieldmap.get(fieldname)
    if number is None:
        return None  # a field the segment has no term of
    value = hash_table_value(terms._tindex, pack_ushort(number) + btext)
    return None if value is None else W3TermInfo.from_bytes(value)


# A hash table's slots read at once, and the bytes read with a key for its value: most term
# infos are under 40 bytes, and a table is at most half full, so a key is mostly found (or
# known absent) within two slots.
SLOTS_READ = 4
VALUE_BYTES_GUESS = 48
HASH_LENGTHS = struct.Struct("!ii")  # a key's and its value's lengths (filetables._lengths)
HASH_POINTER = struct.Struct("!Iq")  # a slot: the key's hash and position (filetables._pointer)


def hash_table_value(table, key: bytes) -> bytes | None:
    """``table[key]`` of Whoosh's ``HashReader``, or None for a key it lacks: the same slots,
    probed in the same order, read ``SLOTS_READ`` at a time, and a key read with its value.
    Relies on (2.7.5): ``HashReader.hashfn``, ``tables`` ((position, slots) by the hash's low
    byte) and ``dbfile.get``; the layouts of ``filetables._pointer`` and ``_lengths``."""
    keyhash = table.hashfn(key)
    tablestart, numslots = table.tables[keyhash & 255]
    if not numslots:
        return None
    get = table.dbfile.get
    slot = (keyhash >> 8) % numslots
    probed = 0
    while probed < numslots:
        count = min(SLOTS_READ, numslots - slot, numslots - probed)
        slots = get(tablestart + slot * HASH_POINTER.size, count * HASH_POINTER.size)
        for offset in range(0, count * HASH_POINTER.size, HASH_POINTER.size):
            slothash, itempos = HASH_POINTER.unpack_from(slots, offset)
            if not itempos:
                return None  # an empty slot: the key is not in the table
            if slothash == keyhash:
                head = get(itempos, HASH_LENGTHS.size + len(key) + VALUE_BYTES_GUESS)
                keylen, datalen = HASH_LENGTHS.unpack_from(head)
                valuepos = HASH_LENGTHS.size + keylen
                if keylen == len(key) and head[HASH_LENGTHS.size : valuepos] == key:
                    if len(head) >= valuepos + datalen:
                        return bytes(head[valuepos : valuepos + datalen])
                    return bytes(get(itempos + valuepos, datalen))
        probed += count
        slot = (slot + count) % numslots
    return None


# A term's postings up to this long in a segment are read from the file at once, not a few
# bytes at a time as Whoosh asks for them (some 7 reads a block).
WHOLE_POSTINGS_BYTES = 128 * 1024


def postings_blocks(leaf, fieldname: str, btext: bytes, info=None, narrow=False):
    """A term's postings in one segment, a block (up to ``BLOCK_POSTINGS``) at a time: yields
    (document numbers, weights) as array-likes, deleted documents included; nothing for a term
    the segment does not have. ``info``: the term's ``term_info`` where the caller has it.
    ``narrow``: where a block is decoded whole, its numbers as ``whole_postings_arrays`` narrows them.

    Relies on (2.7.5): ``SegmentReader._terms`` with ``_codec`` and ``_postfile``, the codec's
    ``postings_reader`` giving a ``W3LeafMatcher`` without the deletion filter for a term info
    whose ``extent`` is (offset, length) in the postings file (``_offset`` set to move it), and
    the matcher's ``_read_ids``, ``_read_weights``, ``_ids``, ``_weights`` and ``_next_block``.
    Whoosh's public matcher walks one document at a time in Python. A segment written by
    ``ArchiveCodec`` gives numpy arrays without decoding its positions; one written by Whoosh's
    own codec (an index from before it) is read the Whoosh way.
    """
    if info is None:
        info = term_info(leaf, fieldname, btext)
    if info is None:
        return
    terms = leaf._terms
    postfile = terms._postfile
    if isinstance(terms._codec, ArchiveCodec) and not info.is_inlined():
        offset, length = info.extent()
        length = length[0] if isinstance(length, tuple) else length  # read back as a 1-tuple (2.7.5)
        if length <= WHOLE_POSTINGS_BYTES:
            raw = postfile.get(offset, length)
            blocks = whole_postings_arrays(raw, narrow)
            if blocks is not None:
                yield from blocks
                return
            postfile = BufferFile(raw)
            info = copy.copy(info)
            info._offset = 0
    matcher = terms._codec.postings_reader(postfile, info, leaf.schema[fieldname].format, term=(fieldname, btext))
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
# the document numbers (deltas), the weights (absent when all are 1.0) and the values, each
# compressed on its own when that saves space. Blocks written before ``PACKED`` (the first layout:
# uint32 deltas, float32 weights, Whoosh's values pickled) are still read: a segment keeps the
# codec class it was written with, and that class is this one.
BLOCK_HEADER = struct.Struct("<BHHI")
IDS_COMPRESSED, WEIGHTS_COMPRESSED, VALUES_COMPRESSED, WEIGHTS_ALL_ONE, PACKED, SHORT_SECTIONS = 1, 2, 4, 8, 16, 32
# With ``SHORT_SECTIONS`` (most blocks: every section under 256 bytes), the flags byte is followed
# by the three lengths as bytes instead of ``BLOCK_HEADER``'s "HHI".
SHORT_HEADER = struct.Struct("<BBBB")
COMPRESS_FROM = 64  # bytes: below this, zlib's own header and checksum cost more than they save

# With ``PACKED``, a layout byte follows the header: the width of the document number deltas
# (bits 0-1), of the weights (bits 2-3; 0 is float32, else whole numbers as unsigned integers),
# whether the values are positions packed by ``packed_positions`` (bit 4) and whether their
# per-document counts are the weights and left out (bit 5).
LAYOUT = struct.Struct("<B")
UNSIGNED = (None, np.dtype("u1"), np.dtype("<u2"), np.dtype("<u4"))  # by width code; 0 means the default
POSITIONS_PACKED, COUNTS_ARE_WEIGHTS = 16, 32
# A block's info (``W3LeafMatcher._goto`` reads Whoosh's pickled tuple) in 14 bytes instead of ~27:
# a tag no pickle starts with, the postings, the last id, the highest weight (float32, where that
# is exact), the compression level and the shortest and longest field lengths as Whoosh's bytes.
BLOCK_INFO = struct.Struct("<BHIfBBB")
COMPACT_INFO = 1  # pickle protocol 2 starts with 0x80
# A packed positions section starts with the widths of the counts (bits 0-1) and of the deltas (bits 2-3).
WIDTHS = struct.Struct("<B")


def _packed(raw: bytes, level: int, flag: int) -> tuple[bytes, int]:
    if level and len(raw) >= COMPRESS_FROM:
        packed = zlib.compress(raw, level)
        if len(packed) < len(raw):
            return packed, flag
    return raw, 0


def narrowest(values: np.ndarray) -> tuple[bytes, int]:
    """Unsigned whole numbers (below 2**32) in the narrowest of u1/u2/u4 that holds them all, and
    that width's code: most deltas and term frequencies fit a byte, and zlib does not make three
    zero bytes of every uint32 free."""
    largest = int(values.max()) if len(values) else 0
    code = 1 if largest < 2**8 else 2 if largest < 2**16 else 3
    return values.astype(UNSIGNED[code]).tobytes(), code


# Postings a block holds at most (Whoosh's codec: 128). Reading a block costs about 25 µs of
# Python whatever its length, so at 128 that was most of reading a common word; at 1,024 reading
# the 100,000-article archive's most frequent terms took 30-37 ns a posting against 132-154 ns, and
# its rebuild 159 s against 174 s (docs/performance.md). Whoosh's own matchers (phrases) skip by
# blocks and so skip more coarsely; they are used only for what the arrays cannot evaluate.
BLOCK_POSTINGS = 1024
# A term with at least this many postings in a segment is long: its first read decodes several
# blocks, so segments.py shares its arrays between processes, and its segment lists it in a file
# of its own (``LongTermsFieldWriter``) for them to be written before any search asks.
LONG_TERM_POSTINGS = 4 * BLOCK_POSTINGS
LONG_TERMS_EXT = ".lng"
SMALL_BLOCK = 32  # postings: below this a block is packed with struct, numpy's call overhead being most of the cost
UNSIGNED_FORMATS = (None, "B", "H", "I")  # struct's letters for UNSIGNED's widths


def narrowest_ints(values: list) -> tuple[bytes, int]:
    """``narrowest`` of a short list of ints, byte for byte (most blocks hold a posting or two:
    Reuters has 158,031 terms of one posting in 193,431)."""
    largest = max(values, default=0)
    code = 1 if largest < 2**8 else 2 if largest < 2**16 else 3
    return struct.pack(f"<{len(values)}{UNSIGNED_FORMATS[code]}", *values), code


def as_float32(values: list) -> tuple:
    """Python floats rounded as float32 rounds them, as ``np.asarray(values, np.float32)`` does."""
    return struct.unpack(f"<{len(values)}f", struct.pack(f"<{len(values)}f", *values))


def whole_weights(weights: np.ndarray) -> np.ndarray | None:
    """The weights as unsigned integers when all are whole numbers below 2**32 (term frequencies
    times a whole boost), else None: they are then stored exactly in fewer bytes than float32."""
    if len(weights) and weights.min() >= 0 and weights.max() < 2**32 and np.array_equal(weights, np.floor(weights)):
        return weights.astype(np.uint32)
    return None


def whoosh_positions_value(deltas: list) -> bytes:
    """A posting's value as ``formats.Positions.encode`` (2.7.5) makes it from its position deltas:
    the count, big-endian, then the list of deltas pickled with protocol 2."""
    return pack_uint(len(deltas)) + pickle.dumps(deltas, 2)


KNOWN_VALUES = 65_536  # position values remembered by a writing process: most are a word's one or two positions
_deltas_of: dict[bytes, list] = {}


def position_deltas(values: list) -> list | None:
    """Each posting's position deltas, read from values that ``formats.Positions`` encoded, or None
    when any value is not a list of deltas (``Characters`` pickles tuples) of 0 to 2**32 - 1 that
    ``whoosh_positions_value`` makes again byte for byte, so that the block keeps Whoosh's values as they are.
    A value read once is remembered (read only, never changed): unpickling and pickling again were
    a seventh of a writing process's time writing a million articles' segment."""
    lists = []
    known = _deltas_of
    for value in values:
        if type(value) is not bytes:
            return None
        deltas = known.get(value)
        if deltas is None:
            deltas = read_position_deltas(value)
            if deltas is None:
                return None
            if len(known) >= KNOWN_VALUES:
                known.clear()
            known[value] = deltas
        lists.append(deltas)
    return lists


def read_position_deltas(value: bytes) -> list | None:
    try:
        deltas = pickle.loads(value[_INT_SIZE:])
    except Exception:  # noqa: BLE001 - not a pickle: not Positions' value
        return None
    if type(deltas) is not list or not all(type(delta) is int and 0 <= delta < 2**32 for delta in deltas):
        return None
    if whoosh_positions_value(deltas) != value:
        return None
    return deltas


def packed_positions(lists: list, counts: np.ndarray, counts_are_weights: bool) -> bytes:
    """Every posting's position deltas of a block, one array in the narrowest width, after the
    per-document counts (left out when they are the weights)."""
    deltas = np.fromiter((delta for each in lists for delta in each), dtype=np.int64, count=int(counts.sum()))
    delta_bytes, delta_code = narrowest(deltas)
    count_bytes, count_code = (b"", 0) if counts_are_weights else narrowest(counts)
    return WIDTHS.pack(count_code | delta_code << 2) + count_bytes + delta_bytes


def small_packed_positions(lists: list, counts: list, counts_are_weights: bool) -> bytes:
    """``packed_positions`` of a small block, byte for byte, with struct instead of numpy."""
    delta_bytes, delta_code = narrowest_ints([delta for each in lists for delta in each])
    count_bytes, count_code = (b"", 0) if counts_are_weights else narrowest_ints(counts)
    return WIDTHS.pack(count_code | delta_code << 2) + count_bytes + delta_bytes


def unpacked_positions(raw: bytes, postings: int, counts: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """``packed_positions``'s (per-document counts, position deltas) of a block of ``postings``;
    ``counts`` are the weights when the counts were left out."""
    (widths,) = WIDTHS.unpack_from(raw)
    offset = WIDTHS.size
    if counts is None:
        count_type = UNSIGNED[widths & 3]
        counts = np.frombuffer(raw, dtype=count_type, count=postings, offset=offset)
        offset += postings * count_type.itemsize
    return counts.astype(np.int64), np.frombuffer(raw, dtype=UNSIGNED[widths >> 2 & 3], offset=offset)


def block_info(postings: int, last_id: int, max_weight: float, level: int, min_length: int, max_length: int) -> bytes:
    """The block info ``W3PostingsWriter._write_block`` (2.7.5) pickles, as ``BLOCK_INFO`` where
    every value fits it exactly (most blocks: whole weights), else pickled as Whoosh does."""
    if postings < 2**16 and last_id < 2**32 and float(np.float32(max_weight)) == max_weight:
        return BLOCK_INFO.pack(COMPACT_INFO, postings, last_id, max_weight, level, min_length, max_length)
    return pickle.dumps((postings, last_id, max_weight, level, min_length, max_length), 2)


class PositionsValues:
    """A block's values as ``formats.Positions`` stored them, each made when asked for: Whoosh's
    matcher reads ``_values[_i]`` in ``value()`` only (2.7.5), and a phrase asks it only of the
    documents where all its words are, where making the whole block's cost twice Whoosh's unpickling."""

    def __init__(self, counts: np.ndarray, deltas: np.ndarray):
        self._counts = counts.tolist()
        self._ends = np.cumsum(counts).tolist()
        self._deltas = deltas

    def __len__(self) -> int:
        return len(self._counts)

    def __getitem__(self, index: int) -> bytes:
        end = self._ends[index]
        return whoosh_positions_value(self._deltas[end - self._counts[index] : end].tolist())


class ArchivePostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer with the block data split in three parts, so that matching and
    ranking read document numbers and weights as arrays and never decode positions, which only
    phrase queries and highlighting by Whoosh need; and each part in few bytes: deltas and whole
    weights in the narrowest unsigned width, positions as deltas in one array (Whoosh pickles the
    three together, each posting's positions as a pickled list of its own).

    Relies on (2.7.5): ``W3PostingsWriter._write_block`` and its state (``_ids``, ``_weights``,
    ``_maxweight``, ``_minlength``, ``_maxlength``, ``_compression``, ``_postfile``,
    ``_terminfo``, ``_blockcount``, ``_new_block``, ``_mini_values``), the block length as a
    signed int (negative for the last block), ``WHOOSH3_HEADER_MAGIC`` first, the block info
    tuple that ``W3LeafMatcher._goto`` reads, and ``formats.Positions.encode`` making the values
    that ``whoosh_positions_value`` makes (checked on every value written, else they stay pickled).
    """

    def finish_postings(self):
        self.finished = super().finish_postings()  # the term's info, for ``LongTermsFieldWriter``
        return self.finished

    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids = self._ids
        level = self._compression
        if len(ids) < SMALL_BLOCK:
            id_bytes, layout = narrowest_ints([ids[0], *(later - earlier for earlier, later in zip(ids, ids[1:]))])
            weights = as_float32(self._weights)
        else:
            id_bytes, layout = narrowest(np.diff(np.asarray(ids, dtype=np.int64), prepend=0))
            weights = np.asarray(self._weights, dtype=np.float32)
        id_bytes, flags = _packed(id_bytes, level, IDS_COMPRESSED)
        weight_bytes, weight_code, flag = self._weight_section(weights, level)
        flags |= flag | PACKED
        layout |= weight_code << 2
        value_bytes, value_layout, flag = self._value_section(weights, level)
        flags |= flag
        layout |= value_layout
        lengths = (len(id_bytes), len(weight_bytes), len(value_bytes))
        if max(lengths) < 2**8:
            header = SHORT_HEADER.pack(flags | SHORT_SECTIONS, *lengths)
        else:
            header = BLOCK_HEADER.pack(flags, *lengths)
        data = (
            header
            + LAYOUT.pack(layout)
            + id_bytes
            + weight_bytes
            + value_bytes
        )
        info = block_info(len(ids), ids[-1], self._maxweight, level, length_to_byte(self._minlength), length_to_byte(self._maxlength))
        self._append_block(info, data, last)

    def _append_block(self, info: bytes, data: bytes, last: bool) -> None:
        """The block's length (negative for the last), its info and its data, as Whoosh reads them."""
        length = len(info) + len(data)
        self._postfile.write_int(-length if last else length)
        self._postfile.write(info)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()

    @staticmethod
    def _weight_section(weights, level: int) -> tuple[bytes, int, int]:
        """(bytes, width code, flags): nothing when all are 1.0, whole numbers as unsigned integers,
        else float32. ``weights`` are float32: an array, or ``as_float32``'s tuple for a small block."""
        if isinstance(weights, tuple):
            if all(weight == 1.0 for weight in weights):
                return b"", 0, WEIGHTS_ALL_ONE
            if not all(0 <= weight < 2**32 and weight == int(weight) for weight in weights):
                weights = np.asarray(weights, dtype=np.float32)
            else:
                raw, code = narrowest_ints([int(weight) for weight in weights])
                packed, flag = _packed(raw, level, WEIGHTS_COMPRESSED)
                return packed, code, flag
        if (weights == 1.0).all():
            return b"", 0, WEIGHTS_ALL_ONE
        whole = whole_weights(weights)
        raw, code = narrowest(whole) if whole is not None else (weights.astype("<f4").tobytes(), 0)
        packed, flag = _packed(raw, level, WEIGHTS_COMPRESSED)
        return packed, code, flag

    def _value_section(self, weights: np.ndarray, level: int) -> tuple[bytes, int, int]:
        """(bytes, layout bits, flags): positions packed where every value of the block is one that
        ``formats.Positions`` encoded, else Whoosh's minified values pickled (other formats: a
        fixed size joins them, Existence has none)."""
        values = self._mini_values()
        if values is None:
            return b"", 0, 0
        lists = position_deltas(values) if isinstance(values, tuple) and len(values) == len(self._ids) else None
        if lists is None:
            packed, flag = _packed(pickle.dumps(values, 2), level, VALUES_COMPRESSED)
            return packed, 0, flag
        if isinstance(weights, tuple):  # a small block: lists and struct
            counts = [len(deltas) for deltas in lists]
            counts_are_weights = all(count == weight for count, weight in zip(counts, weights))
            raw = small_packed_positions(lists, counts, counts_are_weights)
        else:
            counts = np.fromiter((len(deltas) for deltas in lists), dtype=np.int64, count=len(lists))
            counts_are_weights = np.array_equal(counts, weights)
            raw = packed_positions(lists, counts, counts_are_weights)
        packed, flag = _packed(raw, level, VALUES_COMPRESSED)
        return packed, POSITIONS_PACKED | (COUNTS_ARE_WEIGHTS if counts_are_weights else 0), flag


BLOCK_LENGTH = struct.Struct("!i")  # before each block: its length, negative for the last (``write_int``)


def block_ids(section: bytes, layout: int, dtype=np.int64) -> np.ndarray:
    """A block's document numbers (int64, or ``dtype``) from its ids section, decompressed:
    deltas in the width ``layout`` gives (bits 0-1; 0 is the first layout's uint32)."""
    # ``np.add.accumulate`` is ``np.cumsum`` without its dispatch: 1.5 µs against 2.5-2.9 a block.
    return np.add.accumulate(np.frombuffer(section, dtype=UNSIGNED[layout & 3] or "<u4"), dtype=dtype)


def block_weights(section: bytes, layout: int, narrow: bool = False) -> np.ndarray:
    """A block's weights (float32) from its weights section, decompressed: whole numbers in the
    width ``layout`` gives (bits 2-3), or float32 where that is 0. ``narrow``: whole numbers of
    one byte stay uint8 (read-only, over ``section``)."""
    width = layout >> 2 & 3
    weights = np.frombuffer(section, dtype=UNSIGNED[width] or "<f4")
    return weights if narrow and width == 1 else weights.astype(np.float32)


# A block's weights where every one is 1, narrowed: views of one read-only array, not a new one a block.
ONE_BYTES = np.ones(BLOCK_POSTINGS, dtype=np.uint8)
ONE_BYTES.flags.writeable = False


def whole_postings_arrays(raw: bytes, narrow: bool = False) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """``ArchiveLeafMatcher.block_arrays`` of every block of a term's postings read whole
    (``raw``, from Whoosh's header on), decoded in one pass over the bytes; None where a block's
    info is pickled (the first layout, or a value that did not fit), which the matcher reads.
    The matcher took 25 µs for a rare word's one block, most of it Python calls reading a few
    bytes each; this takes 4 (``/tmp/fb/s33/lean.py``, 141 terms at 100,000 articles).

    ``narrow``: document numbers as int32 and weights that are whole numbers of one byte as
    uint8, as the segment cache keeps them (``segments.read_leaf``), without converting twice."""
    if raw[: len(WHOOSH3_HEADER_MAGIC)] != WHOOSH3_HEADER_MAGIC:
        return None
    blocks = []
    position = len(WHOOSH3_HEADER_MAGIC)
    while True:
        (length,) = BLOCK_LENGTH.unpack_from(raw, position)
        start = position + BLOCK_LENGTH.size
        if raw[start] != COMPACT_INFO:
            return None
        postings = BLOCK_INFO.unpack_from(raw, start)[1]
        data = start + BLOCK_INFO.size
        header = SHORT_HEADER if raw[data] & SHORT_SECTIONS else BLOCK_HEADER
        flags, id_length, weight_length, _ = header.unpack_from(raw, data)
        section = data + header.size
        layout = 0
        if flags & PACKED:
            (layout,) = LAYOUT.unpack_from(raw, section)
            section += LAYOUT.size
        ids = raw[section : section + id_length]
        ids = block_ids(zlib.decompress(ids) if flags & IDS_COMPRESSED else ids, layout, np.int32 if narrow else np.int64)
        if flags & WEIGHTS_ALL_ONE:
            weights = ONE_BYTES[:postings] if narrow and postings <= len(ONE_BYTES) else np.ones(postings, dtype=np.uint8 if narrow else np.float32)
        else:
            weights = raw[section + id_length : section + id_length + weight_length]
            weights = block_weights(zlib.decompress(weights) if flags & WEIGHTS_COMPRESSED else weights, layout, narrow)
        blocks.append((ids, weights))
        if length < 0:
            return blocks
        position = start + length


class ArchiveLeafMatcher(W3LeafMatcher):
    """Reads ``ArchivePostingsWriter``'s blocks, of either layout: each of ids, weights and values
    is decoded only when asked for, and ``block_arrays`` gives ids and weights as numpy arrays.
    Packed positions are given to Whoosh as the values ``formats.Positions`` would have stored.

    Relies on (2.7.5): ``W3LeafMatcher._goto`` setting ``_dataoffset``, ``_nextoffset``,
    ``_blocklength``, ``_maxid``, ``_maxweight``, ``_compression``, ``_minlength``, ``_maxlength``,
    ``_lastblock``, ``_i`` and clearing ``_data``, ``_ids``, ``_weights`` and ``_values`` (ours does
    the same for a compact block info); ``StructFile.get_int`` reading ``write_int``'s; Whoosh's
    matcher methods reading ``_ids``, ``_weights`` and ``_values`` through ``_read_ids``,
    ``_read_weights`` and ``_read_values``; and ``_fixedsize`` and ``_postfile.get``.
    """

    def _goto(self, position):
        """``W3LeafMatcher._goto``'s steps (2.7.5) for a block whose info is ``BLOCK_INFO``; Whoosh's
        own for one whose info is pickled (the first layout's, and where a value did not fit)."""
        postfile = self._postfile
        start = position + _INT_SIZE
        if postfile.get_byte(start) != COMPACT_INFO:
            super()._goto(position)
            return
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        length = postfile.get_int(position)
        if length < 0:
            self._lastblock = True
            length = -length
        self._nextoffset = start + length
        _, self._blocklength, self._maxid, self._maxweight, self._compression, shortest, longest = BLOCK_INFO.unpack(
            postfile.get(start, BLOCK_INFO.size)
        )
        self._minlength, self._maxlength = byte_to_length(shortest), byte_to_length(longest)
        self._dataoffset = start + BLOCK_INFO.size

    def _read_data(self):
        header = SHORT_HEADER if self._postfile.get_byte(self._dataoffset) & SHORT_SECTIONS else BLOCK_HEADER
        flags, id_length, weight_length, value_length = header.unpack(self._postfile.get(self._dataoffset, header.size))
        start = self._dataoffset + header.size
        layout = 0
        if flags & PACKED:
            (layout,) = LAYOUT.unpack(self._postfile.get(start, LAYOUT.size))
            start += LAYOUT.size
        self._data = (flags, layout, start, id_length, weight_length, value_length)

    def _section(self, offset: int, length: int, compressed: bool) -> bytes:
        raw = self._postfile.get(offset, length) if length else b""
        return zlib.decompress(raw) if compressed else raw

    def _id_array(self) -> np.ndarray:
        if self._data is None:
            self._read_data()
        flags, layout, start, id_length, _, _ = self._data
        return block_ids(self._section(start, id_length, flags & IDS_COMPRESSED), layout)

    def _weight_array(self) -> np.ndarray:
        if self._data is None:
            self._read_data()
        flags, layout, start, id_length, weight_length, _ = self._data
        if flags & WEIGHTS_ALL_ONE:
            return np.ones(self._blocklength, dtype=np.float32)
        return block_weights(self._section(start + id_length, weight_length, flags & WEIGHTS_COMPRESSED), layout)

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
        flags, layout, start, id_length, weight_length, value_length = self._data
        raw = self._section(start + id_length + weight_length, value_length, flags & VALUES_COMPRESSED) if value_length else b""
        if layout & POSITIONS_PACKED:
            self._values = self._positions_values(raw, layout)
            return
        values = pickle.loads(raw) if value_length else None
        fixedsize = self._fixedsize
        if fixedsize is None or fixedsize < 0:
            self._values = values
        elif fixedsize == 0:
            self._values = (None,) * self._blocklength
        else:
            self._values = tuple(values[i : i + fixedsize] for i in range(0, len(values), fixedsize))

    def _positions_values(self, raw: bytes, layout: int) -> "PositionsValues":
        """Each posting's value as ``formats.Positions`` stored it, from the packed positions."""
        weights = self._weight_array() if layout & COUNTS_ARE_WEIGHTS else None
        return PositionsValues(*unpacked_positions(raw, self._blocklength, weights))


class ArchiveCodec(W3Codec):
    """Whoosh's codec with ``ArchivePostingsWriter``'s block layout for the postings of terms;
    term vectors keep Whoosh's own. A segment keeps the codec it was written with (``W3Segment``
    pickles it), so an index written before keeps being read by Whoosh's own matcher, and a merge
    rewrites its segments in this layout.

    Relies on (2.7.5): ``W3Codec.postings_writer``/``postings_reader`` as the only places that
    make term postings writers and readers, and ``_blocklimit``, ``_compression``, ``_inlinelimit``.
    """

    def field_writer(self, storage, segment):
        return LongTermsFieldWriter(self, storage, segment)

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


class LongTermsFieldWriter(W3FieldWriter):
    """Whoosh's field writer that also lists the segment's long terms (``LONG_TERM_POSTINGS``), as
    (field name, term bytes), in the segment's ``LONG_TERMS_EXT`` file (pickled): the segment's
    writer knows them for nothing, where finding them in its term table afterwards took 13 s for
    a segment of 500,000 articles. Relies on (2.7.5): ``W3FieldWriter.finish_term`` ending each
    term of ``_fieldname`` and ``_btext`` with ``_postwriter``, ``close`` ending the segment's
    terms, and ``_create_file`` making a file of the segment (in its compound file)."""

    def __init__(self, codec, storage, segment):
        super().__init__(codec, storage, segment)
        self._long_terms: list[tuple[str, bytes]] = []

    def finish_term(self):
        super().finish_term()
        info = getattr(self._postwriter, "finished", None)  # a byte-ids writer (Whoosh's) has none
        if info is not None and info.doc_frequency() >= LONG_TERM_POSTINGS:
            self._long_terms.append((self._fieldname, self._btext))

    def close(self):
        super().close()
        listing = self._create_file(LONG_TERMS_EXT)
        listing.write(pickle.dumps(self._long_terms, protocol=4))
        listing.close()


def long_terms(leaf) -> list[tuple[str, bytes]] | None:
    """The long terms a segment's writer listed (``LongTermsFieldWriter``), or None for a segment
    written without the list. Relies on (2.7.5): ``SegmentReader._storage`` and ``_segment``."""
    storage, segment = getattr(leaf, "_storage", None), getattr(leaf, "_segment", None)
    if storage is None or segment is None:
        return None
    name = segment.make_filename(LONG_TERMS_EXT)
    if not storage.file_exists(name):
        return None
    listing = storage.open_file(name)
    try:
        return pickle.loads(listing.read())
    finally:
        listing.close()


ZLIB_WINDOW = 32768  # bytes: the most of a preset dictionary that zlib uses
DICTIONARY_DOCUMENTS = 64  # the documents a segment's stored-fields dictionary is made of
DICTIONARY_LENGTH = struct.Struct("<I")


def primed_compressor(dictionary: bytes):
    """A compressor with ``dictionary`` preset, to be copied for each value: presetting hashes the
    whole dictionary, 160 µs a document with 32 kB, where a copy and the compression take 100."""
    return zlib.compressobj(6, zdict=dictionary) if dictionary else zlib.compressobj(6)


def compressed_with(value: bytes, primed) -> bytes:
    """``value`` compressed on its own, with ``primed``'s dictionary; ``primed`` is left as it was."""
    compressor = primed.copy()
    return compressor.compress(value) + compressor.flush()


def decompressed_with(value: bytes, dictionary: bytes) -> bytes:
    decompressor = zlib.decompressobj(zdict=dictionary) if dictionary else zlib.decompressobj()
    return decompressor.decompress(value) + decompressor.flush()


class DictionaryColumn(Column):
    """Byte strings each compressed on its own, so that a document is still read alone, with a
    dictionary made from the segment's first values and stored (packed) at the end of the column,
    its length last. Subclasses say how many first values, and how they compress and decompress.

    Relies on (2.7.5): ``columns.VarBytesColumn``'s writer (``add``, ``finish``, ``_dbfile``) and
    reader (``__getitem__``, ``__iter__``) over ``(basepos, length)``, which ours narrows to leave the
    dictionary out.
    """

    def first_values(self) -> int:
        """How many of the segment's first values the dictionary is made from."""
        raise NotImplementedError

    def compressor(self, first: list[bytes]) -> tuple:
        """(compress(value), the packed dictionary) for values like ``first``."""
        raise NotImplementedError

    def decompressor(self, packed: bytes):
        """decompress(value), from the packed dictionary."""
        raise NotImplementedError

    def writer(self, dbfile):
        return self.Writer(self, dbfile)

    def reader(self, dbfile, basepos, length, doccount):
        return self.Reader(self, dbfile, basepos, length, doccount)

    class Writer(VarBytesColumn.Writer):
        def __init__(self, column, dbfile):
            super().__init__(dbfile)
            self._column = column
            self._first = []  # (docnum, value) until the dictionary is made from them
            self._compress = None
            self._packed = b""

        def add(self, docnum, value):
            if self._compress is not None:
                super().add(docnum, self._compress(value))
                return
            self._first.append((docnum, value))
            if len(self._first) == self._column.first_values():
                self._start()

        def _start(self):
            self._compress, self._packed = self._column.compressor([value for _, value in self._first])
            first, self._first = self._first, []
            for docnum, value in first:
                self.add(docnum, value)

        def finish(self, doccount):
            if self._compress is None:
                self._start()
            super().finish(doccount)
            self._dbfile.write(self._packed)
            self._dbfile.write(DICTIONARY_LENGTH.pack(len(self._packed)))

    class Reader(VarBytesColumn.Reader):
        def __init__(self, column, dbfile, basepos, length, doccount):
            (packed_length,) = DICTIONARY_LENGTH.unpack(dbfile.get(basepos + length - DICTIONARY_LENGTH.size, DICTIONARY_LENGTH.size))
            values_length = length - DICTIONARY_LENGTH.size - packed_length
            self.packed_dictionary_length = packed_length
            self._decompress = column.decompressor(bytes(dbfile.get(basepos + values_length, packed_length)))
            super().__init__(dbfile, basepos, values_length, doccount)

        def __getitem__(self, docnum):
            value = super().__getitem__(docnum)
            return self._decompress(value) if value else value

        def __iter__(self):
            for value in super().__iter__():
                yield self._decompress(value) if value else value

        def load(self):
            return list(self)


class SharedDictionaryColumn(DictionaryColumn):
    """zlib, with a preset dictionary of the segment's first ``DICTIONARY_DOCUMENTS`` documents
    (``PackedArchiveCodec``'s stored fields). Stored fields repeat field names, sources, URL and
    date prefixes in every document, which zlib cannot share between documents compressed one by
    one (Whoosh's ``STORED_COLUMN``)."""

    def first_values(self) -> int:
        return DICTIONARY_DOCUMENTS

    def compressor(self, first):
        dictionary = b"".join(first)[-ZLIB_WINDOW:]  # zlib prefers matches near the end
        primed = primed_compressor(dictionary)
        return (lambda value: compressed_with(value, primed)), zlib.compress(dictionary, 6)

    def decompressor(self, packed):
        dictionary = zlib.decompress(packed)
        return lambda value: decompressed_with(value, dictionary)


ZSTD_LEVEL = 9  # with a trained dictionary, 37 µs a 1.4 kB document, where zlib's level 6 took 63
TRAINING_DOCUMENTS = 512  # a segment's first documents, which its dictionary is trained on
DICTIONARY_BYTES = 65536  # at most; an eighth of the training documents' bytes where that is less
PACKED_DICTIONARY_LEVEL = 19  # the dictionary as stored: 64 kB in 26, decompressed once a segment


def trained_dictionary(samples: list[bytes]) -> zstandard.ZstdCompressionDict | None:
    """zstd's dictionary for values like ``samples``, or None where they are too few to train
    on (fewer than ``TRAINING_DOCUMENTS``: a small segment, an editor's save, which a merge
    rewrites): a dictionary trained on ten documents is larger than what it would save."""
    if len(samples) < TRAINING_DOCUMENTS:
        return None
    size = min(DICTIONARY_BYTES, sum(map(len, samples)) // 8)
    try:
        return zstandard.train_dictionary(size, samples, level=ZSTD_LEVEL)
    except zstandard.ZstdError:  # samples zstd cannot train on (too short or too alike)
        return None


class TrainedDictionaryColumn(DictionaryColumn):
    """zstd frames, with a dictionary that zstd trains on the segment's first
    ``TRAINING_DOCUMENTS`` values (none in a smaller segment). Against ``SharedDictionaryColumn``
    on the stored fields of 100,000 articles: 15% smaller, and a document decompressed in 2.3 µs
    instead of 18, because zlib loads its 32 kB dictionary into every decompression
    (``docs/performance.md``). A reader keeps a decompressor per thread (one is not to be shared).
    """

    def first_values(self) -> int:
        return TRAINING_DOCUMENTS

    def compressor(self, first):
        dictionary = trained_dictionary(first)
        compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=dictionary, write_dict_id=False, write_content_size=True)
        packed = zstandard.ZstdCompressor(level=PACKED_DICTIONARY_LEVEL).compress(dictionary.as_bytes()) if dictionary else b""
        return compressor.compress, packed

    def decompressor(self, packed):
        dictionary = zstandard.ZstdCompressionDict(zstandard.ZstdDecompressor().decompress(packed)) if packed else None
        local = threading.local()

        def decompress(value: bytes) -> bytes:
            this_threads = getattr(local, "zstd", None)
            if this_threads is None:
                this_threads = local.zstd = zstandard.ZstdDecompressor(dict_data=dictionary)
            return this_threads.decompress(value)

        return decompress


STORED_FIELDS_COLUMN = PickleColumn(SharedDictionaryColumn())
TRAINED_STORED_FIELDS_COLUMN = PickleColumn(TrainedDictionaryColumn())
STORED_FIELDS = "_stored"  # the column's name in a segment (Whoosh's)


class SharedDictionaryPerDocWriter(W3PerDocWriter):
    """Whoosh's per-document writer with the stored fields in its codec's ``stored_column``.
    Relies on (2.7.5): ``W3PerDocWriter`` making every column through ``_create_column``, with its
    codec as ``_codec`` from the start, and the stored fields' column under the name ``"_stored"``."""

    def _create_column(self, fieldname, column):
        super()._create_column(fieldname, self._codec.stored_column if fieldname == STORED_FIELDS else column)


class SharedDictionaryPerDocReader(W3PerDocReader):
    """Reads ``SharedDictionaryPerDocWriter``'s stored fields (in ``stored_column``, its codec's)
    as ``W3PerDocReader.stored_fields`` (2.7.5) reads Whoosh's, through ``_cached_reader``.

    It also remembers which columns its segment has. ``W3PerDocReader.has_column`` (2.7.5) asks the
    storage whether the file exists, and a commit asks ``doc_field_length`` once per posting: for a
    field with no lengths column (IDs, keywords) that was a file-system check per posting, 13 of
    the 121 s a profiled Reuters import spent writing postings. A segment's files never change.
    """

    def __init__(self, storage, segment, stored_column=STORED_FIELDS_COLUMN):
        super().__init__(storage, segment)
        self._stored_column = stored_column
        self._column_presence = {}

    def has_column(self, fieldname):
        present = self._column_presence.get(fieldname)
        if present is None:
            present = self._column_presence[fieldname] = super().has_column(fieldname)
        return present

    def stored_fields(self, docnum):
        return self._cached_reader(STORED_FIELDS, self._stored_column)[docnum] or {}


class CommitLengthsReader(SharedDictionaryPerDocReader):
    """The per-document reader of the segment a commit is writing, whose field lengths the commit
    asks once per posting (``FieldWriter.add_postings``, 2.7.5): each field's lengths are read once,
    as ``W3PerDocReader.doc_field_length`` gives them, instead of through the column on every ask.
    Only a commit's own reader does this; readers that searches keep stay lean."""

    def __init__(self, storage, segment, stored_column=STORED_FIELDS_COLUMN):
        super().__init__(storage, segment, stored_column)
        self._lengths = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        if fieldname not in self._lengths:
            column = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            self._lengths[fieldname] = None if column is None else [
                byte_to_length(b) if b else None for b in map(column.__getitem__, range(self._doccount))
            ]
        lengths = self._lengths[fieldname]
        if lengths is None and docnum <= self._doccount:
            return default  # the field keeps no lengths
        if lengths is not None and 0 <= docnum < len(lengths):
            return lengths[docnum]
        return super().doc_field_length(docnum, fieldname, default)


class PackedArchiveCodec(ArchiveCodec):
    """``ArchiveCodec``'s postings, and stored fields compressed with a dictionary per segment
    (``stored_column``: zlib's, ``SharedDictionaryColumn``), under a class of its own. A segment
    pickles its codec's class, so a release from before, which has no such class, cannot open the
    index (503, "cannot be opened") instead of reading packed blocks as its first layout and
    answering wrongly; this release reads segments of every codec.

    Relies on (2.7.5): ``W3Codec.per_document_writer``/``per_document_reader`` as the only places
    that make per-document writers and readers."""

    stored_column = STORED_FIELDS_COLUMN

    def __init__(self, blocklimit=BLOCK_POSTINGS, **kwargs):
        super().__init__(blocklimit=blocklimit, **kwargs)

    def per_document_writer(self, storage, segment):
        return SharedDictionaryPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        return SharedDictionaryPerDocReader(storage, segment, self.stored_column)


class TrainedDictionaryCodec(PackedArchiveCodec):
    """The codec this release writes segments with: ``PackedArchiveCodec``'s, with the stored
    fields as zstd frames and a dictionary trained per segment (``TrainedDictionaryColumn``).
    Segments of ``PackedArchiveCodec`` keep being read with zlib; a merge or a rebuild rewrites
    them. A release from before has no such class and cannot open the index, as above."""

    stored_column = TRAINED_STORED_FIELDS_COLUMN


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


class CommitWriter(SegmentWriter):
    """Whoosh's segment writer, with its postings pool spilling into chunked runs
    (``ChunkedPostingPool``) and, where the segment is ``PackedArchiveCodec``'s, its commit reading
    each field's lengths once (``CommitLengthsReader``) instead of through the column for every
    posting: 6% of a rebuild's writing process, py-spy at 100,000 articles, 2026-12-04. Every
    writer of this engine is one: a rebuild's, an import's and an editor's save's.

    Relies on (2.7.5): ``SegmentWriter.pool``, empty until the first document is added, and
    ``per_document_reader`` as what ``_flush_segment`` asks for the new segment's lengths.
    """

    def __init__(self, index, **kwargs):
        super().__init__(index, **kwargs)
        pool = self.pool
        assert type(pool) is PostingPool and not pool.current and not pool.runs, "a new writer's empty pool"
        self.pool = ChunkedPostingPool(pool.tempstore, pool.segment, limitmb=pool.limit / (1024 * 1024))

    def per_document_reader(self):
        if not isinstance(self.codec, PackedArchiveCodec) or not self.perdocwriter.is_closed:
            return super().per_document_reader()
        return CommitLengthsReader(self.storage, self.get_segment(), self.codec.stored_column)


class ReaderSharingWriter(CommitWriter):
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

    def add_postings_to_pool(self, reader, startdoc, docmap):
        """A merged segment's postings, read a block at a time (``segment_postings``) where it has
        no deletions; ``SegmentWriter.add_postings_to_pool`` (2.7.5) otherwise. Its
        ``_process_posts`` renumbers them as Whoosh does."""
        if not isinstance(reader, SegmentReader) or reader.has_deletions():
            super().add_postings_to_pool(reader, startdoc, docmap)
            return
        add_post = self.pool.add
        for item in self._process_posts(segment_postings(reader), startdoc, docmap):
            add_post(item)


def segment_postings(leaf):
    """``IndexReader.iter_postings`` (2.7.5) of a segment without deletions: every posting as
    (fieldname, btext, docnum, weight, value), in the same order, with ``ArchiveLeafMatcher``'s
    blocks read whole (``_read_ids``, ``_read_weights``, ``_read_values``, ``_next_block``) instead
    of three method calls per posting, which were a third of a Reuters import's merges.
    A segment of Whoosh's own codec is walked the Whoosh way. Relies on ``SegmentReader._terms``.
    """
    schema = leaf.schema
    for fieldname, btext in leaf.all_terms():
        field = schema[fieldname]
        matcher = leaf._terms.matcher(fieldname, field.to_bytes(btext), field.format)
        if not isinstance(matcher, ArchiveLeafMatcher):
            while matcher.is_active():
                yield fieldname, btext, matcher.id(), matcher.weight(), matcher.value()
                matcher.next()
            continue
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            matcher._read_values()
            for docnum, weight, value in zip(matcher._ids, matcher._weights, matcher._values, strict=True):
                yield fieldname, btext, docnum, weight, value
            matcher._next_block()


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


_HAYSTACK_TO_PYTHON = WhooshSearchBackend._to_python

# What a string must start with for ``_to_python`` (3.4.0) to make anything but the string of it:
# JSON (after JSON's whitespace, which ``json.loads`` skips; NaN and Infinity as Python reads
# them), "true", "false", or a date, which starts with a digit.
CONVERTIBLE_STARTS = frozenset('[{"-0123456789tfnNI \t\n\r')


def haystack_to_python(backend, value):
    """A stored Whoosh value back in Python: ``WhooshSearchBackend._to_python`` (django-haystack 3.4.0).
    A string that cannot be one of its conversions is given back at once: every result's
    "articles.article.5" cost a failed ``json.loads`` (an exception raised and caught)."""
    if type(value) is str and value and value[0] not in CONVERTIBLE_STARTS and type(backend)._to_python is _HAYSTACK_TO_PYTHON:
        return value
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


class SegmentFile:
    """An open segment file that views read by position; closed when no view is left, so that
    a view never reads another file that took its descriptor number."""

    def __init__(self, fd: int):
        self.fd = fd

    def __del__(self):
        os.close(self.fd)


class PositionalView:
    """A range of a segment file, sliced as Whoosh's ``BufferFile`` slices its buffer
    (``_buf[a:b]``); each slice is read with ``os.pread``.

    The bytes come from the operating system's page cache, as through a map, but are never mapped
    into the process: a worker's memory does not grow with the index it has read (at a million
    articles, 445 MB of mapped index pages after 600 searches in one process, docs/memory.md).
    Reading by position needs no seek, so threads may share a view."""

    __slots__ = ("file", "start", "length")

    def __init__(self, file: SegmentFile, start: int, length: int):
        self.file, self.start, self.length = file, start, length

    def __len__(self) -> int:
        return self.length

    def read(self, position: int, size: int) -> bytes:
        """``size`` bytes from ``position``, fewer only at the end of the range."""
        position = min(max(position, 0), self.length)
        size = max(0, min(size, self.length - position))
        data = os.pread(self.file.fd, size, self.start + position)
        if len(data) != size:
            raise OSError(f"segment file ended {size - len(data)} bytes early at {self.start + position}")
        return data

    def __getitem__(self, key):
        if isinstance(key, slice):
            start, stop, step = key.indices(self.length)
            if step != 1:
                raise ValueError("segment files are read in steps of one byte")
            return memoryview(self.read(start, stop - start))
        position = key + self.length if key < 0 else key
        if not 0 <= position < self.length:
            raise IndexError("segment file index out of range")
        return self.read(position, 1)[0]

    def view(self, position: int, length: int) -> "PositionalView":
        position = min(max(position, 0), self.length)
        return PositionalView(self.file, self.start + position, max(0, min(length, self.length - position)))

    def tobytes(self) -> bytes:
        return self.read(0, self.length)


class PositionalReader(MemoryViewReader):
    """``MemoryViewReader``'s sequential reads over a ``PositionalView``, a chunk read at a time:
    Whoosh reads varints and pickles a byte or a few at a time."""

    CHUNK = 64 * 1024

    def __init__(self, view: PositionalView):
        super().__init__(view)
        self._chunk, self._chunk_start = b"", 0

    def _bytes(self, start: int, end: int) -> bytes:
        chunk_end = self._chunk_start + len(self._chunk)
        if not (self._chunk_start <= start and end <= chunk_end):
            if end - start >= self.CHUNK:
                return self._view.read(start, end - start)
            self._chunk, self._chunk_start = self._view.read(start, self.CHUNK), start
        return self._chunk[start - self._chunk_start : end - self._chunk_start]

    def read(self, size: int = -1) -> bytes:
        start = self._position
        end = len(self._view) if size is None or size < 0 else min(len(self._view), start + size)
        self._position = max(start, end)
        return self._bytes(start, end) if end > start else b""

    def readline(self, size: int = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(len(self._view), self._position + size)
        line = b""
        while self._position < end:
            piece = self._bytes(self._position, min(end, self._position + self.CHUNK))
            newline = piece.find(b"\n")
            piece = piece if newline < 0 else piece[: newline + 1]
            line += piece
            self._position += len(piece)
            if newline >= 0:
                break
        return line


class InPlaceBufferFile(BufferFile):
    """Whoosh's ``BufferFile`` over a sub-file of a segment, read in place: by position from the
    file (``PositionalView``), or where ``os.pread`` is missing from the segment's mmap.

    Whoosh's (2.7.5) wraps the memoryview of its mmap in a ``BytesIO``, which copies it: every
    process held a private copy of every segment file it opened (81 MB per gunicorn worker at
    Reuters size, docs/memory.md). Relies on (2.7.5): ``BufferFile`` reading positioned data from
    ``_buf`` (``get``, ``get_array``) and sequential data through ``file``; ``subset`` copying."""

    def __init__(self, buf, name=None, onclose=None):
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = buf
        self.file = PositionalReader(buf) if isinstance(buf, PositionalView) else MemoryViewReader(buf)

    def get(self, position, length):
        if isinstance(self._buf, PositionalView):
            return self._buf.read(position, length)  # one copy, not a memoryview copied again
        return super().get(position, length)

    def subset(self, position, length, name=None):
        if isinstance(self._buf, PositionalView):
            return InPlaceBufferFile(self._buf.view(position, length), name=name or self._name)
        return InPlaceBufferFile(self._buf[position : position + length], name=name or self._name)


class InPlaceCompoundStorage(CompoundStorage):
    """A compound segment file whose sub-files are read in place (``InPlaceBufferFile``): by
    position from the file where the system has ``os.pread``, otherwise from Whoosh's mmap of it.
    Relies on (2.7.5): ``CompoundStorage.__init__`` keeping the file it was given in ``_file``
    when it makes no map, ``_source`` (the map, or None), ``range(name)`` and ``is_closed``."""

    def __init__(self, dbfile, use_mmap=True, basepos=0):
        positional = hasattr(os, "pread") and hasattr(dbfile, "fileno")
        super().__init__(dbfile, use_mmap=use_mmap and not positional, basepos=basepos)
        self._segment_file = SegmentFile(os.dup(self._file.fileno())) if positional else None

    def open_file(self, name, *args, **kwargs):
        if self._segment_file is None and self._source is None:
            return super().open_file(name, *args, **kwargs)
        if self.is_closed:
            raise StorageError("Storage was closed")
        offset, length = self.range(name)
        if self._segment_file is not None:
            return InPlaceBufferFile(PositionalView(self._segment_file, offset, length), name=name)
        return InPlaceBufferFile(memoryview(self._source)[offset : offset + length], name=name)


class InPlaceSegmentReader(SegmentReader):
    """Whoosh's ``SegmentReader``, opening a compound segment with ``InPlaceCompoundStorage``.
    Relies on (2.7.5): ``SegmentReader.__init__``'s steps, repeated here with the one change (the
    compound file as ``Segment.open_compound_file`` opens it, in ``InPlaceCompoundStorage``)."""

    def __init__(self, storage, schema, segment, generation=None, codec=None, shared_arrays=None):
        self.shared_arrays = shared_arrays  # the generation's SharedArrays, for segments.py's arrays
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

    def stored_fields(self, docnum):
        """Whoosh's, with the stored names checked against the schema's fields in one comparison
        of key sets, not one ``Schema.__contains__`` call for each of a result's 17 (11.6 → 8.4-9.4
        µs a document at 100,000 articles). A name that is not one of the schema's own fields (a
        removed field, or one of a dynamic field's) goes through Whoosh's check. Relies on
        (2.7.5): ``Schema._fields``, ``SegmentReader._perdoc``."""
        if self.is_closed:
            raise ReaderClosed
        assert docnum >= 0
        stored = self._perdoc.stored_fields(docnum)
        if self.schema._fields.keys() >= stored.keys():
            return dict(stored)
        return super().stored_fields(docnum)


# The postings pool's runs ---------------------------------------------------------------------

RUN_CHUNK = 10_000  # postings marshalled at once into a run: about 1.5 MB
RUN_CHUNK_LENGTH = struct.Struct("<Q")  # before each chunk, its length in bytes


class ChunkedPostingPool(PostingPool):
    """Whoosh's postings pool (a writer's external sort), with runs written and read in chunks.

    A writer past its memory limit (``WRITER_LIMIT_MB``) sorts what it holds and writes it to a
    run file, and the segment is written from a merge of the runs. Whoosh pickles and unpickles
    every posting with a call of its own: in a million-article rebuild that was 31% of a writing
    process's time (py-spy, 2026-12-03). Here a run is a sequence of marshalled lists, each of
    ``RUN_CHUNK`` postings after its length in bytes, and reads back the same postings in the same
    order. A chunk is read whole and then unmarshalled from memory: ``marshal.load`` from a file
    reads each object's bytes with calls of its own (3 µs a posting, against 0.24 µs from bytes;
    17% of a writing process's time at 100,000 articles, py-spy, 2026-12-04). A run is read only
    by the pool that wrote it (``multisegment`` writers: each process writes its own segment).

    Relies on (2.7.5): ``SortingPool.save``, ``reduce_to`` and ``items`` writing runs only through
    ``_write_run(f, items)`` and reading them only through ``_read_run(path)``, ``_open_run`` and
    ``_remove_run``; and ``SegmentWriter.pool``, empty until the first document is added.
    """

    def _write_run(self, f, items):
        items = iter(items)
        try:
            while chunk := list(itertools.islice(items, RUN_CHUNK)):
                data = marshal.dumps(chunk)
                f.write(RUN_CHUNK_LENGTH.pack(len(data)))
                f.write(data)
        finally:
            f.close()

    def _read_run(self, path):
        f = self._open_run(path)
        try:
            while header := f.read(RUN_CHUNK_LENGTH.size):
                (length,) = RUN_CHUNK_LENGTH.unpack(header)
                data = f.read(length)
                if len(data) != length:
                    raise EOFError(f"run {path} ends inside a chunk: {len(data)} of {length} bytes")
                yield from marshal.loads(data)
        finally:
            f.close()
            self._remove_run(path)


# Several writing processes ------------------------------------------------------------------------

JOB_DOCUMENTS = 200  # documents per job file: small enough to share the work evenly
POLL_SECONDS = 0.5  # how often a waiting parent checks that its processes are alive


class ParallelWriteFailed(Exception):
    """A writing process died or never reported its segment; nothing was committed."""


class WriterProcess(SubWriterTask):
    """Whoosh's writing process, that ends with its parent and closes the descriptors it must not
    share with it (``close_in_process``: a lock the parent holds)."""

    def __init__(self, *args, close_in_process=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.parent = os.getpid()
        self.close_in_process = tuple(close_in_process)

    def run(self):
        die_with_parent(self.parent)
        for descriptor in self.close_in_process:
            os.close(descriptor)
        # SubWriterTask.run (2.7.5) makes its writer from whoosh.multiproc's SegmentWriter; this
        # runs in the writing process alone, so the parent's module is untouched.
        whoosh.multiproc.SegmentWriter = CommitWriter
        super().run()


class ParallelWriter(MpWriter):
    """Whoosh's ``MpWriter`` with a segment per process (parallel_writing.py says when), that never
    waits on a dead process, and whose processes end with it. For a new generation: it adds, and
    finds no old copies to replace.

    Relies on (Whoosh-Reloaded 2.7.5): ``MpWriter``'s ``tasks``, ``jobqueue``, ``resultqueue``,
    ``docbuffer``, ``subargs``, ``multisegment`` and ``SubWriterTask`` (a forked process that reads job files of
    ``(0, fields)`` pickles and puts ``(run name, field names, segment)`` on the result queue when it
    reads ``None``), and ``SegmentWriter``'s ``_merge_segments``, ``_finalize_segment``,
    ``_close_segment``, ``_commit_toc`` and ``_finish``.
    """

    def __init__(self, index, processes: int, close_in_processes=(), **writer_options):
        self.close_in_processes = tuple(close_in_processes)
        super().__init__(index, procs=processes, batchsize=JOB_DOCUMENTS, multisegment=True, **writer_options)

    def _new_task(self):
        task = WriterProcess(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment,
                             close_in_process=self.close_in_processes)  # fmt: skip
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
        """Each process's (run, field names, segment), as each finishes: however long its last
        segment takes (a million articles' is minutes), but never from a process that is gone."""
        results = []
        while len(results) < len(self.tasks):
            try:
                results.append(self.resultqueue.get(timeout=POLL_SECONDS))
            except queue.Empty:
                self._check_processes()
                if all(task.exitcode is not None for task in self.tasks) and self.resultqueue.empty():
                    raise ParallelWriteFailed("a writing process ended without reporting its segment") from None
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
