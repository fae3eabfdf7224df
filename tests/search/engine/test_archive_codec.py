"""``ArchiveCodec``: Whoosh's codec with each postings block split into ids, weights and values.

The same documents are indexed with Whoosh's own codec and with ours, in both of our block layouts
(the first, whose blocks segments written before keep, and the packed one written now). Whoosh's
public API (matchers, searches, phrases, highlights, merges) must not tell them apart; only the
block layout differs, and ``postings_blocks`` reads ours as arrays without decoding positions.
"""

import io
import pickle
import random
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from array import array
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import highlight
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3LeafMatcher, W3PerDocReader, W3TermInfo, _lenfield
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.filedb.structfile import BufferFile, StructFile
from whoosh.formats import Characters, Existence, Frequency, PositionBoosts, Positions
from whoosh.index import create_in
from whoosh.qparser import QueryParser
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter
from whoosh.system import pack_uint
from whoosh.util.numeric import length_to_byte

from search.engine import whoosh_internals
from search.engine.whoosh_internals import (
    BLOCK_HEADER,
    BLOCK_POSTINGS,
    IDS_COMPRESSED,
    POSITIONS_PACKED,
    VALUES_COMPRESSED,
    WEIGHTS_ALL_ONE,
    WEIGHTS_COMPRESSED,
    ArchiveCodec,
    ArchiveLeafMatcher,
    ArchivePostingsWriter,
    CommitLengthsReader,
    PackedArchiveCodec,
    STORED_FIELDS,
    TRAINED_STORED_FIELDS_COLUMN,
    ReaderSharingWriter,
    SharedDictionaryColumn,
    SharedDictionaryPerDocReader,
    TrainedDictionaryCodec,
    TrainedDictionaryColumn,
    postings_blocks,
)


class FirstLayoutPostingsWriter(ArchivePostingsWriter):
    """``ArchivePostingsWriter._write_block`` as commit 450d1fe wrote it (uint32 id deltas, float32
    weights, Whoosh's values pickled), for the blocks that segments written before keep."""

    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids, level = self._ids, self._compression
        deltas = array("I", ids)
        deltas[1:] = array("I", [later - earlier for earlier, later in zip(ids, ids[1:])])
        id_bytes, flags = whoosh_internals._packed(deltas.tobytes(), level, IDS_COMPRESSED)
        weights = self._weights
        if weights.count(1.0) == len(weights):
            weight_bytes, flags = b"", flags | WEIGHTS_ALL_ONE
        else:
            weight_bytes, flag = whoosh_internals._packed(weights.tobytes(), level, WEIGHTS_COMPRESSED)
            flags |= flag
        values = self._mini_values()
        value_bytes, flag = whoosh_internals._packed(pickle.dumps(values, 2), level, VALUES_COMPRESSED) if values is not None else (b"", 0)
        flags |= flag
        data = BLOCK_HEADER.pack(flags, len(id_bytes), len(weight_bytes), len(value_bytes)) + id_bytes + weight_bytes + value_bytes
        info = pickle.dumps(
            (len(ids), ids[-1], self._maxweight, level, length_to_byte(self._minlength), length_to_byte(self._maxlength)), 2
        )
        self._append_block(info, data, last)


class FirstLayoutCodec(ArchiveCodec):
    """``ArchiveCodec`` writing the first block layout; its segments are read by ``ArchiveLeafMatcher``."""

    def postings_writer(self, dbfile, byteids=False):
        if byteids:
            return super().postings_writer(dbfile, byteids=True)
        return FirstLayoutPostingsWriter(
            dbfile, blocklimit=self._blocklimit, compression=self._compression, inlinelimit=self._inlinelimit
        )


SCHEMA = Schema(
    id=ID(stored=True, unique=True),
    body=TEXT(stored=True, phrase=True),
    chars=TEXT(chars=True),  # Characters: values our layout does not pack, kept as Whoosh's
    title=TEXT(stored=True, field_boost=2.0),
    plain=TEXT(phrase=False),
    tags=KEYWORD(commas=True, scorable=True),
    count=NUMERIC(int, stored=True),
)
WORDS = ["alpha", "beta", "gamma", "delta", "cartel", "zetas", "unmask", "arrest", "police", "chile"]


def documents(count=700, seed=3):
    rng = random.Random(seed)
    for i in range(count):
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(0, 40)))
        yield {
            "id": str(i),
            "body": body or None,
            "title": " ".join(rng.sample(WORDS, 3)),
            "plain": body or None,
            "chars": body or None,
            "tags": ",".join(rng.sample(WORDS, rng.randrange(0, 4))),
            "count": i * 7,
        }


def build(path, codec, batches=((0, 300), (300, 650), (650, 700)), merge=False):
    index = create_in(str(path), SCHEMA)
    docs = list(documents(count=max(end for _, end in batches)))
    for start, end in batches:
        writer = index.writer(codec=codec)
        for doc in docs[start:end]:
            writer.add_document(**{key: value for key, value in doc.items() if value is not None})
        if start == 300:
            writer.delete_by_term("id", "5")
        writer.commit(merge=merge)
    return index


@pytest.fixture(scope="module")
def whooshs_index(tmp_path_factory):
    return build(tmp_path_factory.mktemp("w3"), W3Codec())


@pytest.fixture(
    scope="module",
    params=[TrainedDictionaryCodec, PackedArchiveCodec, FirstLayoutCodec],
    ids=["trained-dictionary", "packed-layout", "first-layout"],
)
def pair(request, whooshs_index, tmp_path_factory):
    """The same commits with Whoosh's codec and with ours (each of our layouts), in blocks of
    Whoosh's size (128 postings), so that blocks, skips and block statistics compare one to one.
    Stored fields' dictionaries are trained from 100 documents: the segments of 300 and 350
    documents have one, the last of 50 none."""
    with patch.object(whoosh_internals, "TRAINING_DOCUMENTS", 100):
        return whooshs_index, build(tmp_path_factory.mktemp("archive"), request.param(blocklimit=128))


def stored_fields_column(leaf, column):
    """The segment's stored fields' column reader, under Whoosh's ``PickleColumn``."""
    return leaf._perdoc._cached_reader(STORED_FIELDS, column)._child


def every_term(reader):
    return [(fieldname, text) for fieldname, text in reader.all_terms()]


def walked(matcher, with_values):
    items = []
    while matcher.is_active():
        items.append((matcher.id(), matcher.weight(), matcher.value() if with_values else None))
        matcher.next()
    return items


def test_segments_keep_the_codec_they_were_written_with(pair):
    whooshs, ours = pair
    assert all(type(segment.codec()) is W3Codec for segment in whooshs._segments())
    assert all(isinstance(segment.codec(), ArchiveCodec) for segment in ours._segments())


def test_every_terms_postings_ids_weights_and_values_are_whooshs(pair):
    whooshs, ours = pair
    with whooshs.reader() as theirs, ours.reader() as mine:
        terms = every_term(theirs)
        assert terms == every_term(mine)
        for (leaf_theirs, _), (leaf_mine, _) in zip(theirs.leaf_readers(), mine.leaf_readers(), strict=True):
            for fieldname, text in terms:
                if (fieldname, text) not in leaf_theirs:
                    continue
                fmt = leaf_theirs.schema[fieldname].format
                m_theirs = leaf_theirs._terms.matcher(fieldname, text, fmt)
                m_mine = leaf_mine._terms.matcher(fieldname, text, fmt)
                assert isinstance(m_mine, ArchiveLeafMatcher) and type(m_theirs) is W3LeafMatcher
                assert walked(m_mine, True) == walked(m_theirs, True), (fieldname, text)


def test_skipping_and_block_statistics_are_whooshs(pair):
    """Whoosh's searches skip blocks by their last id and quality; both are the same."""
    whooshs, ours = pair
    with whooshs.reader() as theirs, ours.reader() as mine:
        leaf_t, leaf_m = theirs.leaf_readers()[1][0], mine.leaf_readers()[1][0]
        fmt = SCHEMA["body"].format
        for target in (0, 5, 130, 131, 200, 257, 349):
            m_t, m_m = leaf_t._terms.matcher("body", b"cartel", fmt), leaf_m._terms.matcher("body", b"cartel", fmt)
            m_t.skip_to(target), m_m.skip_to(target)
            assert (m_m.is_active(), m_m.is_active() and m_m.id()) == (m_t.is_active(), m_t.is_active() and m_t.id())
            if m_m.is_active():
                assert m_m.block_max_id() == m_t.block_max_id()
                assert m_m.block_max_weight() == m_t.block_max_weight()
                assert m_m.block_max_length() == m_t.block_max_length()


@pytest.mark.parametrize(
    "text",
    ['cartel', 'cartel zetas', '"zetas cartel"', '"police arrest chile"', 'title:unmask OR body:alpha',
     'cartel NOT police', 'tags:zetas', 'count:[70 TO 700]', 'arr*', '"cartel police"~3'],
)
def test_searches_rank_phrases_and_highlight_as_with_whooshs_codec(pair, text):
    whooshs, ours = pair
    answers = []
    for index in (whooshs, ours):
        with index.searcher() as searcher:
            parsed = QueryParser("body", SCHEMA).parse(text)
            hits = searcher.search(parsed, limit=None, terms=True)
            hits.formatter = highlight.UppercaseFormatter()
            answers.append([(hit["id"], round(hit.score, 5), hit.highlights("body") if hit.get("body") else "") for hit in hits])
    assert answers[0] and answers[1] == answers[0]


def test_postings_blocks_are_arrays_for_our_codec_and_the_same_postings(pair):
    whooshs, ours = pair
    with whooshs.reader() as theirs, ours.reader() as mine:
        for (leaf_t, _), (leaf_m, _) in zip(theirs.leaf_readers(), mine.leaf_readers(), strict=True):
            for fieldname, text in every_term(leaf_t):
                blocks_m = list(postings_blocks(leaf_m, fieldname, text))
                blocks_t = list(postings_blocks(leaf_t, fieldname, text))
                assert all(ids.dtype == np.int64 and weights.dtype == np.float32 for ids, weights in blocks_m)
                assert [(list(map(int, i)), list(map(float, w))) for i, w in blocks_m] == [
                    (list(i), list(w)) for i, w in blocks_t
                ]


class CountingFile:
    """A postings file that counts the reads of positioned bytes."""

    def __init__(self, file):
        self.file, self.reads = file, 0

    def get(self, position, length):
        self.reads += 1
        return self.file.get(position, length)

    def __getattr__(self, name):
        return getattr(self.file, name)


def test_short_postings_are_read_at_once_with_the_same_blocks(pair, monkeypatch):
    """A term's postings up to ``WHOLE_POSTINGS_BYTES`` are one read of the file, not some for
    every block, and give the same blocks as read piece by piece."""
    _, ours = pair

    def listed(leaf, fieldname, text):
        return [(ids.tolist(), weights.tolist()) for ids, weights in postings_blocks(leaf, fieldname, text)]

    several_blocks_read_at_once = []
    with ours.reader() as mine:
        for leaf, _ in mine.leaf_readers():
            counting = CountingFile(leaf._terms._postfile)
            monkeypatch.setattr(leaf._terms, "_postfile", counting)
            at_once = {term: listed(leaf, *term) for term in every_term(leaf)}
            counting.reads = 0
            blocks = len(listed(leaf, "body", b"cartel"))
            at_once_reads = counting.reads
            with monkeypatch.context() as piecewise:
                piecewise.setattr(whoosh_internals, "WHOLE_POSTINGS_BYTES", 0)
                assert {term: listed(leaf, *term) for term in every_term(leaf)} == at_once
                counting.reads = 0
                listed(leaf, "body", b"cartel")
                piecewise_reads = counting.reads
            if blocks >= 2:
                assert at_once_reads == 1 and piecewise_reads > 2 * blocks
                several_blocks_read_at_once.append(blocks)
    assert several_blocks_read_at_once


def test_the_codec_writes_blocks_of_block_postings_with_whooshs_postings(tmp_path):
    """The codec this release writes with: a long list in blocks of ``BLOCK_POSTINGS``, the last
    one shorter, and the same postings, positions and skips as Whoosh's codec in its own blocks."""
    batches = ((0, 2600), (2600, 2700))
    (tmp_path / "ours").mkdir(), (tmp_path / "whooshs").mkdir()
    ours = build(tmp_path / "ours", PackedArchiveCodec(), batches)
    whooshs = build(tmp_path / "whooshs", W3Codec(), batches)
    with ours.reader() as mine, whooshs.reader() as theirs:
        leaf_m, leaf_t = mine.leaf_readers()[0][0], theirs.leaf_readers()[0][0]
        lengths = [len(ids) for ids, _ in postings_blocks(leaf_m, "body", b"cartel")]
        assert lengths[:-1] == [BLOCK_POSTINGS] * (len(lengths) - 1) and 0 < lengths[-1] <= BLOCK_POSTINGS
        assert len(lengths) >= 2
        for fieldname, text in every_term(theirs):
            if (fieldname, text) in leaf_t:
                fmt = leaf_t.schema[fieldname].format
                m_m, m_t = leaf_m._terms.matcher(fieldname, text, fmt), leaf_t._terms.matcher(fieldname, text, fmt)
                assert walked(m_m, True) == walked(m_t, True), (fieldname, text)
        fmt = SCHEMA["body"].format
        for target in (0, 5, 1023, 1024, 1500, 2047, 2048, 2599):
            m_m, m_t = leaf_m._terms.matcher("body", b"cartel", fmt), leaf_t._terms.matcher("body", b"cartel", fmt)
            m_m.skip_to(target), m_t.skip_to(target)
            assert (m_m.is_active(), m_m.is_active() and m_m.id()) == (m_t.is_active(), m_t.is_active() and m_t.id())


def test_reading_ids_and_weights_leaves_the_positions_undecoded(pair, monkeypatch):
    _, ours = pair
    decoded = []
    monkeypatch.setattr("search.engine.whoosh_internals.pickle.loads", lambda raw: decoded.append(raw))
    monkeypatch.setattr("search.engine.whoosh_internals.unpacked_positions", lambda *args: decoded.append(args))
    with ours.reader() as mine:
        leaf = mine.leaf_readers()[0][0]
        assert sum(len(ids) for ids, _ in postings_blocks(leaf, "body", b"cartel")) > 128
    assert decoded == []


@pytest.mark.parametrize("before", [W3Codec, FirstLayoutCodec], ids=["whooshs-codec", "first-layout"])
def test_a_merge_rewrites_segments_written_before_in_the_packed_layout(tmp_path, before):
    """An index written before (by Whoosh's codec, or by ours in its first layout) keeps working,
    and a merge moves it to the packed layout."""
    index = build(tmp_path, before(), batches=((0, 300), (300, 650)))
    writer = index.writer(codec=PackedArchiveCodec())
    for doc in list(documents())[650:]:
        writer.add_document(**{key: value for key, value in doc.items() if value is not None})
    writer.commit(optimize=True)
    assert [type(segment.codec()) for segment in index._segments()] == [PackedArchiveCodec]
    (tmp_path / "reference").mkdir()
    reference = build(tmp_path / "reference", W3Codec())
    for text in ("cartel", '"zetas cartel"'):
        found = []
        for ix in (reference, index):
            with ix.searcher() as searcher:
                found.append(sorted(hit["id"] for hit in searcher.search(QueryParser("body", SCHEMA).parse(text), limit=None)))
        assert found[0] and found[1] == found[0]


def block_flags(index, fieldname, text):
    """The header flags and layout byte of each of a term's blocks in the first segment."""
    with index.reader() as reader:
        leaf = reader.leaf_readers()[0][0]
        matcher = leaf._terms.matcher(fieldname, text, SCHEMA[fieldname].format)
        found = []
        while matcher.is_active():
            matcher._read_data()
            found.append(matcher._data[:2])
            matcher._next_block()
        return found


def test_positions_are_packed_and_values_of_other_formats_kept_as_whooshs(tmp_path):
    index = build(tmp_path, PackedArchiveCodec())
    assert all(layout & POSITIONS_PACKED for _, layout in block_flags(index, "body", b"cartel"))
    assert all(layout & POSITIONS_PACKED for _, layout in block_flags(index, "title", b"cartel"))
    assert not any(layout & POSITIONS_PACKED for _, layout in block_flags(index, "chars", b"cartel"))


# One block written by ArchivePostingsWriter and read back by ArchiveLeafMatcher, against what
# Whoosh's own format encodes for the same postings.
position_lists = st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=40, unique=True).map(sorted)
block_postings = st.lists(
    st.tuples(st.integers(1, 2**20), position_lists, st.sampled_from([None, 1.0, 2.0, 0.5, 3.25, 1e9, 0.1])),
    min_size=1,
    max_size=300,
)
FORMATS = [Positions(), Positions(field_boost=2.0), PositionBoosts(), Characters(), Frequency(), Existence()]


def written_and_read(format_, postings, compression=3):
    """Postings through ArchivePostingsWriter into bytes, then read with ArchiveLeafMatcher."""
    buffer = io.BytesIO()
    writer = ArchivePostingsWriter(StructFile(buffer), blocklimit=128, compression=compression)
    writer.start_postings(format_, W3TermInfo())
    for docnum, weight, value in postings:
        writer.add_posting(docnum, weight, value, length=3)
    info = writer.finish_postings()
    offset, length = info.extent()
    matcher = ArchiveLeafMatcher(BufferFile(buffer.getvalue()), offset, length, format_)
    return walked(matcher, True), matcher


def whooshs_postings(format_, raw):
    """(docnum, weight, value) as Whoosh's format encodes them; a weight of None is the term's frequency."""
    postings, docnum = [], 0
    for gap, positions, weight in raw:
        docnum += gap
        if isinstance(format_, Characters):
            value = format_.encode([(pos, pos * 2, pos * 2 + 1) for pos in positions])
        elif isinstance(format_, PositionBoosts):
            value = format_.encode([(pos, 1.5) for pos in positions])
        elif isinstance(format_, Positions):
            value = format_.encode(positions)
        elif isinstance(format_, Frequency):
            value = pack_uint(len(positions))  # as Frequency.word_values encodes it
        else:
            value = b""
        frequency = len(positions) * format_.field_boost
        postings.append((docnum, float(np.float32(frequency if weight is None else weight)), value))
    return postings


@settings(max_examples=60, deadline=None)
@given(raw=block_postings, format_=st.sampled_from(FORMATS), compression=st.sampled_from([0, 3]))
def test_a_block_reads_back_the_ids_weights_and_values_whooshs_format_encoded(raw, format_, compression):
    postings = whooshs_postings(format_, raw)
    read, _ = written_and_read(format_, postings, compression)
    expected_values = [value for _, _, value in postings] if format_.fixed_value_size() != 0 else [None] * len(postings)
    assert [(docnum, weight) for docnum, weight, _ in read] == [(docnum, weight) for docnum, weight, _ in postings]
    assert [value for _, _, value in read] == expected_values
    if isinstance(format_, Positions) and not isinstance(format_, (Characters, PositionBoosts)):
        assert [format_.decode_positions(value) for _, _, value in read] == [
            format_.decode_positions(value) for _, _, value in postings
        ]


@settings(max_examples=40, deadline=None)
@given(raw=block_postings)
def test_ids_and_weights_as_arrays_are_the_postings_in_the_narrowest_widths(raw):
    postings = whooshs_postings(Positions(), raw)
    _, matcher = written_and_read(Positions(), postings)
    matcher.reset()
    ids, weights = [], []
    while matcher.is_active():
        block_ids, block_weights = matcher.block_arrays()
        ids.extend(block_ids.tolist()), weights.extend(block_weights.tolist())
        matcher._next_block()
    assert ids == [docnum for docnum, _, _ in postings]
    assert weights == [weight for _, weight, _ in postings]


def test_values_that_positions_would_not_encode_again_stay_whooshs():
    """A value Positions.encode would not make (here a delta list with a negative step) is kept
    byte for byte in the block's pickled values."""
    odd = Positions().encode([5, 2])  # deltas 5, -3
    postings = [(1, 2.0, odd), (2, 1.0, Positions().encode([0]))]
    read, _ = written_and_read(Positions(), postings)
    assert [value for _, _, value in read] == [odd, Positions().encode([0])]


def test_every_documents_stored_fields_are_whooshs(pair):
    whooshs, ours = pair
    with whooshs.reader() as theirs, ours.reader() as mine:
        assert list(mine.all_stored_fields()) == list(theirs.all_stored_fields())
        assert [mine.stored_fields(docnum) for docnum in range(mine.doc_count_all())] == [
            theirs.stored_fields(docnum) for docnum in range(theirs.doc_count_all())
        ]


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.tuples(st.integers(0, 3), st.binary(max_size=300) | st.sampled_from(WORDS).map(str.encode)), max_size=150),
    column=st.sampled_from([SharedDictionaryColumn, TrainedDictionaryColumn]),
)
def test_a_dictionary_column_reads_back_each_value_alone_and_all(values, column):
    """Values (some documents with none, fewer or more than the dictionary's documents, some
    alike) read back one by one and all together, as Whoosh's columns give them (b"" for a
    document without). The trained dictionary's column trains from 20 values here."""
    with patch.object(whoosh_internals, "TRAINING_DOCUMENTS", 20):
        check_column_reads_back(column(), values)


def check_column_reads_back(column, values):
    buffer = io.BytesIO()
    writer = column.writer(StructFile(buffer))
    expected, docnum = [], 0
    for gap, value in values:
        expected.extend([b""] * gap)
        docnum += gap
        writer.add(docnum, value)
        expected.append(value)
        docnum += 1
    writer.finish(docnum + 2)
    expected.extend([b"", b""])
    data = buffer.getvalue()
    reader = column.reader(BufferFile(data), 0, len(data), docnum + 2)
    assert [reader[number] for number in range(docnum + 2)] == expected
    assert list(reader) == expected


def test_stored_fields_take_less_room_with_a_shared_dictionary_and_least_with_a_trained_one(tmp_path):
    sizes = []
    for codec in (ArchiveCodec(), PackedArchiveCodec(), TrainedDictionaryCodec()):
        (tmp_path / type(codec).__name__).mkdir()
        index = build(tmp_path / type(codec).__name__, codec, batches=((0, 700),))
        sizes.append(index.storage.file_length(index._segments()[0].make_filename(".seg")))
    assert sizes[2] < sizes[1] < sizes[0]


def test_a_segment_has_a_trained_dictionary_when_it_has_its_training_documents(tmp_path):
    with patch.object(whoosh_internals, "TRAINING_DOCUMENTS", 100):
        index = build(tmp_path, TrainedDictionaryCodec())
    with index.reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        sizes = [leaf.doc_count_all() for leaf in leaves]
        trained = [stored_fields_column(leaf, TRAINED_STORED_FIELDS_COLUMN).packed_dictionary_length > 0 for leaf in leaves]
    assert sizes == [300, 350, 50]
    assert trained == [True, True, False]


def test_threads_reading_one_trained_column_at_once_read_each_value_right(tmp_path):
    """Each thread decompresses with its own decompressor (zstd's are not to be shared)."""
    index = build(tmp_path, TrainedDictionaryCodec(), batches=((0, 700),))
    with index.reader() as reader:
        expected = list(reader.all_stored_fields())
        barrier = threading.Barrier(4)

        def read_all():
            barrier.wait()
            return [[reader.stored_fields(docnum) for docnum in range(reader.doc_count_all())] for _ in range(3)]

        with ThreadPoolExecutor(4) as pool:
            answers = [future.result() for future in [pool.submit(read_all) for _ in range(4)]]
        assert stored_fields_column(reader, TRAINED_STORED_FIELDS_COLUMN).packed_dictionary_length > 0
    assert all(passes == [expected] * 3 for passes in answers)


def test_block_info_is_compact_where_exact_and_whooshs_pickle_elsewhere():
    """A block's highest weight that float32 holds exactly goes in ``BLOCK_INFO``; 0.1 does not,
    and its block keeps Whoosh's pickled info; both read back as Whoosh's."""
    for weight, compact in ((2.0, True), (0.1, False)):
        postings = [(1, weight, Positions().encode([3])), (9, weight, Positions().encode([1, 4]))]
        read, matcher = written_and_read(Positions(), postings)
        matcher.reset()
        assert (matcher._postfile.get_byte(matcher._baseoffset + 4) == whoosh_internals.COMPACT_INFO) is compact
        assert matcher.block_max_weight() == weight and matcher.block_max_id() == 9
        assert read == [(docnum, float(np.float32(weight)), value) for docnum, weight, value in postings]  # weights are float32, as Whoosh's


def written_bytes(format_, postings) -> bytes:
    buffer = io.BytesIO()
    writer = ArchivePostingsWriter(StructFile(buffer), blocklimit=128, compression=3)
    writer.start_postings(format_, W3TermInfo())
    for docnum, weight, value in postings:
        writer.add_posting(docnum, weight, value, length=3)
    writer.finish_postings()
    return buffer.getvalue()


@settings(max_examples=80, deadline=None)
@given(
    raw=st.lists(
        st.tuples(st.integers(1, 2**20), position_lists, st.sampled_from([None] * 6 + [1.0, 2.0, 0.5, 3.25, 1e9, 2**24 + 1.0, 1.00000001])),
        min_size=1,
        max_size=40,
    ),
    format_=st.sampled_from(FORMATS),
)
def test_small_blocks_packed_with_struct_are_the_bytes_numpy_packs(raw, format_):
    """Blocks under SMALL_BLOCK postings take a path of their own, for speed; same bytes."""
    postings = whooshs_postings(format_, raw)
    (_, _, one_position), = whooshs_postings(format_, [(1, [7], None)])
    postings.append((postings[-1][0] + 1, 1.00000001, one_position))  # a frequency of 1 in float32 only
    small = written_bytes(format_, postings)
    with patch.object(whoosh_internals, "SMALL_BLOCK", 0):
        assert written_bytes(format_, postings) == small


class WhooshColumnChecksReader(SharedDictionaryPerDocReader):
    """Our per-document reader asking the storage about a column on every call, as Whoosh's does."""

    has_column = W3PerDocReader.has_column


class WhooshColumnChecksCodec(PackedArchiveCodec):
    def per_document_reader(self, storage, segment):
        return WhooshColumnChecksReader(storage, segment)


def everything_written(index) -> list:
    """Every term's statistics and postings and every document's field lengths, segment by segment."""
    written = []
    with index.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            for fieldname, text in leaf.all_terms():
                info = leaf.term_info(fieldname, text)
                matcher = leaf.postings(fieldname, text)
                postings = []
                while matcher.is_active():
                    postings.append((matcher.id(), matcher.weight(), matcher.value()))
                    matcher.next()
                written.append((fieldname, text, info.weight(), info.doc_frequency(), info.min_length(),
                                info.max_length(), info.max_weight(), postings))  # fmt: skip
            for docnum in range(leaf.doc_count_all()):
                written.append([leaf.doc_field_length(docnum, name) for name in SCHEMA.names()])
    return written


def test_remembering_which_columns_a_segment_has_writes_the_same_segments(tmp_path):
    """Commits and merges write the same term statistics, postings and lengths when the per-document
    reader remembers its segment's columns as when it asks the storage each time (Whoosh's way)."""
    (tmp_path / "remembering").mkdir()
    (tmp_path / "asking").mkdir()
    batches = ((0, 100), (100, 200), (200, 300), (300, 400), (400, 500), (500, 650), (650, 700))
    remembering = build(tmp_path / "remembering", PackedArchiveCodec(), batches=batches)
    asking = build(tmp_path / "asking", WhooshColumnChecksCodec(), batches=batches)
    assert everything_written(remembering) == everything_written(asking)
    for index, codec in ((remembering, PackedArchiveCodec()), (asking, WhooshColumnChecksCodec())):
        index.writer(codec=codec).commit(optimize=True)  # a merge: old segments read, one written
        assert len(index._segments()) == 1
    assert everything_written(remembering) == everything_written(asking)


def test_the_per_document_reader_asks_the_storage_about_each_column_once(tmp_path):
    index = build(tmp_path, PackedArchiveCodec(), batches=((0, 50),))
    reader = SegmentReader(index.storage, SCHEMA, index._segments()[0])._perdoc  # ours: the segment's codec made it
    assert isinstance(reader, SharedDictionaryPerDocReader)
    names = [_lenfield("body"), _lenfield("tags"), _lenfield("id"), "count", _lenfield("body"), _lenfield("id")]
    storage = type(reader._storage)
    with patch.object(storage, "file_exists", autospec=True, side_effect=storage.file_exists) as asked:
        answers = [reader.has_column(name) for name in names]
    assert answers == [True, True, False, False, True, False]  # IDs and this NUMERIC keep no column
    assert answers == [W3PerDocReader.has_column(reader, name) for name in names]
    assert asked.call_count == len(set(names))


@pytest.mark.parametrize(
    "codec",
    [TrainedDictionaryCodec, PackedArchiveCodec, FirstLayoutCodec, W3Codec],
    ids=["trained-dictionary", "packed-layout", "first-layout", "whooshs-codec"],
)
def test_a_merge_reading_blocks_whole_writes_what_whooshs_merge_writes(tmp_path, codec):
    """``ReaderSharingWriter`` reads merged segments a block at a time; the merged segment has the
    same term statistics, postings and lengths as Whoosh's own merge makes (the second batch's
    segment has a deletion, and is read the Whoosh way)."""
    merged = []
    for name, writer_class in (("whoosh", SegmentWriter), ("blocks", ReaderSharingWriter)):
        (tmp_path / name).mkdir()
        index = build(tmp_path / name, codec())
        assert any(segment.has_deletions() for segment in index._segments())
        options = {"codec": TrainedDictionaryCodec()}
        writer = ReaderSharingWriter(index, None, **options) if writer_class is ReaderSharingWriter else SegmentWriter(index, **options)
        for n in range(700, 760):  # and new documents: their lengths are read by the commit's own reader
            writer.add_document(id=str(n), body=f"cartel police {n} " * (n % 7), title="zetas unmask", tags="chile")
        with patch.object(whoosh_internals, "segment_postings", side_effect=whoosh_internals.segment_postings) as read_by_blocks:
            writer.commit(optimize=True)
        assert read_by_blocks.call_count == (2 if writer_class is ReaderSharingWriter else 0)  # not the one with a deletion
        assert len(index._segments()) == 1
        merged.append(everything_written(index))
    assert merged[0] == merged[1]
    assert len(merged[0]) > 760


def test_a_commits_lengths_reader_gives_each_documents_lengths_as_whooshs(tmp_path):
    index = build(tmp_path, PackedArchiveCodec(), batches=((0, 300),))
    segment = index._segments()[0]
    storage = SegmentReader(index.storage, SCHEMA, segment)._storage  # the segment's compound file
    ours, whooshs = CommitLengthsReader(storage, segment), W3PerDocReader(storage, segment)
    names = [*SCHEMA.names(), "absent"]
    for docnum in range(segment.doc_count_all() + 1):
        assert [ours.doc_field_length(docnum, name) for name in names] == [whooshs.doc_field_length(docnum, name) for name in names]
    assert any(ours.doc_field_length(docnum, "body") is None for docnum in range(300))  # documents without a body
    assert ours.doc_field_length(3, "absent", default=7) == whooshs.doc_field_length(3, "absent", default=7) == 7
    with pytest.raises(IndexError):
        ours.doc_field_length(segment.doc_count_all() + 1, "body")


def test_remembered_position_values_read_as_new_ones_and_stay_within_their_bound(monkeypatch):
    """``position_deltas`` remembers what it read: the same lists as reading each value anew, at
    most ``KNOWN_VALUES`` of them, and a value that is not Positions' is never taken for one."""
    monkeypatch.setattr(whoosh_internals, "KNOWN_VALUES", 5)
    monkeypatch.setattr(whoosh_internals, "_deltas_of", {})
    rng = random.Random(2)
    lists = [sorted(rng.sample(range(300), rng.randrange(1, 4))) for _ in range(40)]
    values = [Positions().encode(positions) for positions in lists]
    for _ in range(3):
        expected = [whoosh_internals.read_position_deltas(v) for v in values[:20]]
        assert None not in expected and whoosh_internals.position_deltas(values[:20]) == expected
        assert len(whoosh_internals._deltas_of) <= 5
    characters = Characters().encode([(3, 0, 5)])
    assert whoosh_internals.position_deltas([values[0], characters]) is None
    assert whoosh_internals.position_deltas([values[0], None]) is None
