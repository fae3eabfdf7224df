"""``ArchiveCodec``: Whoosh's codec with each postings block split into ids, weights and values.

The same documents are indexed with Whoosh's own codec and with ours. Whoosh's public API
(matchers, searches, phrases, highlights, merges) must not tell them apart; only the block
layout differs, and ``postings_blocks`` reads ours as arrays without decoding positions.
"""

import random

import numpy as np
import pytest
from whoosh import highlight
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.index import create_in
from whoosh.qparser import QueryParser

from search.engine.whoosh_internals import ArchiveCodec, ArchiveLeafMatcher, postings_blocks

SCHEMA = Schema(
    id=ID(stored=True, unique=True),
    body=TEXT(stored=True, phrase=True),
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
            "tags": ",".join(rng.sample(WORDS, rng.randrange(0, 4))),
            "count": i * 7,
        }


def build(path, codec, batches=((0, 300), (300, 650), (650, 700)), merge=False):
    index = create_in(str(path), SCHEMA)
    docs = list(documents())
    for start, end in batches:
        writer = index.writer(codec=codec)
        for doc in docs[start:end]:
            writer.add_document(**{key: value for key, value in doc.items() if value is not None})
        if start == 300:
            writer.delete_by_term("id", "5")
        writer.commit(merge=merge)
    return index


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The same commits with Whoosh's codec and with ours."""
    return build(tmp_path_factory.mktemp("w3"), W3Codec()), build(tmp_path_factory.mktemp("archive"), ArchiveCodec())


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
    assert all(type(segment.codec()) is ArchiveCodec for segment in ours._segments())


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


def test_reading_ids_and_weights_leaves_the_positions_undecoded(pair, monkeypatch):
    _, ours = pair
    decoded = []
    monkeypatch.setattr("search.engine.whoosh_internals.pickle.loads", lambda raw: decoded.append(raw))
    with ours.reader() as mine:
        leaf = mine.leaf_readers()[0][0]
        assert sum(len(ids) for ids, _ in postings_blocks(leaf, "body", b"cartel")) > 128
    assert decoded == []


def test_a_merge_rewrites_whooshs_segments_in_our_layout(tmp_path):
    """An index written before the codec keeps working, and a merge moves it to the new layout."""
    index = build(tmp_path, W3Codec(), batches=((0, 300), (300, 650)))
    writer = index.writer(codec=ArchiveCodec())
    for doc in list(documents())[650:]:
        writer.add_document(**{key: value for key, value in doc.items() if value is not None})
    writer.commit(optimize=True)
    assert [type(segment.codec()) for segment in index._segments()] == [ArchiveCodec]
    (tmp_path / "reference").mkdir()
    reference = build(tmp_path / "reference", W3Codec())
    for text in ("cartel", '"zetas cartel"'):
        found = []
        for ix in (reference, index):
            with ix.searcher() as searcher:
                found.append(sorted(hit["id"] for hit in searcher.search(QueryParser("body", SCHEMA).parse(text), limit=None)))
        assert found[0] and found[1] == found[0]
