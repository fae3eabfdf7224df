"""The index on disk, part by part: each segment's sub-files, and its postings split into document
numbers, weights and positions, for an index ``manage.py rebuild_index`` made.

    DATA_DIR=/tmp/archive SECRET_KEY=x .venv/bin/python bench/index_size.py [--rewrite W3Codec|ArchiveCodec|PackedArchiveCodec] [--read-cost] [--same-as OTHER_DATA_DIR]

``--rewrite`` copies the live generation to a temporary folder and merges it into one segment with
that codec first (Whoosh's own, our first layout, or the packed one), so two layouts can be compared on the same documents
without importing them again. ``--read-cost`` times, in this fresh process, what a search decodes
on its first read of a term (``postings_blocks``: ids and weights as arrays), every posting's
value (positions) as Whoosh's matcher gives it, a few phrase queries, and reading stored fields. ``--same-as`` checks, posting by posting, that
another rebuild of the same database (another commit's codec) holds the same index.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")

import django  # noqa: E402

django.setup()

from whoosh import query  # noqa: E402
from whoosh.codec.whoosh3 import W3Codec  # noqa: E402
from whoosh.filedb.compound import CompoundStorage  # noqa: E402
from whoosh.index import open_dir  # noqa: E402

from search.engine.whoosh_internals import ArchiveCodec, ArchiveLeafMatcher, PackedArchiveCodec, postings_blocks  # noqa: E402

CODECS = {"W3Codec": W3Codec, "ArchiveCodec": ArchiveCodec, "PackedArchiveCodec": PackedArchiveCodec}


def live_generation(data_dir: Path) -> Path:
    index_dir = data_dir / "whoosh_index"
    return index_dir / os.readlink(index_dir / "current")


def sub_file_sizes(index) -> dict:
    """Bytes per kind of sub-file (postings ``pst``, terms ``trm``, ``_stored.col``...), over every segment."""
    sizes = Counter()
    for segment in index._segments():
        compound = CompoundStorage(index.storage.open_file(segment.make_filename(segment.COMPOUND_EXT)), use_mmap=True)
        for name in compound.list():
            sizes[name.split(".", 1)[1]] += compound.file_length(name)
    return dict(sizes.most_common())


def postings_parts(index) -> dict:
    """Bytes of the postings blocks' document numbers, weights and values, for ``ArchiveCodec``'s layout."""
    parts = Counter()
    with index.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            for fieldname, text in leaf.all_terms():
                info = leaf._terms.term_info(fieldname, text)
                if info.is_inlined():
                    continue
                matcher = leaf._terms.matcher(fieldname, text, leaf.schema[fieldname].format)
                if not isinstance(matcher, ArchiveLeafMatcher):
                    return {}
                while matcher.is_active():
                    matcher._read_data()
                    id_length, weight_length, value_length = matcher._data[-3:]
                    parts["ids"] += id_length
                    parts["weights"] += weight_length
                    parts[f"values {fieldname}"] += value_length
                    matcher._next_block()
    return dict(parts.most_common())


PHRASES = (("oil", "price"), ("bank", "rate"), ("trade", "deficit"))


def read_cost(index, terms: int = 400, documents: int = 2000) -> dict:
    """Milliseconds to decode the ``terms`` most frequent words of ``text`` and every 50th other one
    (as arrays; then every posting's value, as a merge reads them), the best of five runs of each of
    ``PHRASES`` through Whoosh's searcher, and microseconds per document to read stored fields."""
    with index.reader() as reader:
        leaf = max((leaf for leaf, _ in reader.leaf_readers()), key=lambda leaf: leaf.doc_count_all())
        words = sorted(leaf.lexicon("text"), key=lambda word: -leaf.doc_frequency("text", word))
        chosen = words[:terms] + words[terms::50]
        started = time.perf_counter()
        postings = sum(len(ids) for word in chosen for ids, _ in postings_blocks(leaf, "text", word))
        arrays_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        for word in chosen:
            matcher = leaf._terms.matcher("text", word, leaf.schema["text"].format)
            while matcher.is_active():
                matcher.value()
                matcher.next()
        values_ms = (time.perf_counter() - started) * 1000
        step = max(1, leaf.doc_count_all() // documents)
        numbers = range(0, leaf.doc_count_all(), step)
        started = time.perf_counter()
        for number in numbers:
            leaf.stored_fields(number)
        stored_us = (time.perf_counter() - started) / len(numbers) * 1e6
    phrases = {}
    with index.searcher() as searcher:
        for words in PHRASES:
            runs = []
            for _ in range(5):
                started = time.perf_counter()
                found = len(searcher.search(query.Phrase("text", list(words)), limit=None))
                runs.append((time.perf_counter() - started) * 1000)
            phrases[" ".join(words)] = f"{found} found, {min(runs):.1f} ms"
    return {"terms": len(chosen), "postings": postings, "ids_and_weights_ms": round(arrays_ms, 1),
            "every_value_ms": round(values_ms, 1), "stored_fields_us_per_document": round(stored_us, 1),
            "phrases": phrases}  # fmt: skip


def same_postings_and_stored_fields(index, other) -> dict:
    """Check that two indexes of the same documents in the same order (two rebuilds of one database,
    with two codecs) hold the same terms, the same postings (ids, weights, Whoosh's values byte for
    byte, positions) and the same stored fields, through Whoosh's own matcher and reader."""
    with index.reader() as mine, other.reader() as theirs:
        terms = list(mine.all_terms())
        assert terms == list(theirs.all_terms()), "the terms differ"
        postings = 0
        for fieldname, text in terms:
            fmt = mine.schema[fieldname].format
            ours_matcher, their_matcher = mine.postings(fieldname, text), theirs.postings(fieldname, text)
            while ours_matcher.is_active():
                ours = (ours_matcher.id(), ours_matcher.weight(), ours_matcher.value())
                assert their_matcher.is_active() and ours == (their_matcher.id(), their_matcher.weight(), their_matcher.value()), (fieldname, text)
                if fmt.supports("positions"):
                    assert ours_matcher.value_as("positions") == their_matcher.value_as("positions"), (fieldname, text)
                ours_matcher.next(), their_matcher.next()
                postings += 1
            assert not their_matcher.is_active(), (fieldname, text)
        assert list(mine.all_stored_fields()) == list(theirs.all_stored_fields()), "the stored fields differ"
    return {"terms": len(terms), "postings": postings, "documents": index.doc_count_all()}


def rewritten(path: Path, codec, into: Path):
    shutil.copytree(path, into)
    index = open_dir(str(into))
    writer = index.writer(codec=codec())
    writer.commit(optimize=True)
    return open_dir(str(into))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rewrite", choices=sorted(CODECS))
    parser.add_argument("--read-cost", action="store_true")
    parser.add_argument("--same-as", type=Path, metavar="DATA_DIR", help="check the postings and stored fields equal that archive's index")
    args = parser.parse_args()
    path = live_generation(Path(os.environ["DATA_DIR"]))
    with tempfile.TemporaryDirectory(prefix="index-size-") as folder:
        index = rewritten(path, CODECS[args.rewrite], Path(folder) / "index") if args.rewrite else open_dir(str(path))
        sizes = sub_file_sizes(index)
        print(f"{path} ({args.rewrite or 'as built'}): {sum(sizes.values()) / 1e6:.2f} MB in {len(index._segments())} segment(s)")
        for name, size in sizes.items():
            print(f"  {name:28s} {size / 1e6:8.2f} MB")
        for name, size in postings_parts(index).items():
            print(f"  postings {name:19s} {size / 1e6:8.2f} MB")
        if args.read_cost:
            print("read cost:", read_cost(index))
        if args.same_as:
            print("the same postings and stored fields as", args.same_as, same_postings_and_stored_fields(index, open_dir(str(live_generation(args.same_as)))))


if __name__ == "__main__":
    main()
