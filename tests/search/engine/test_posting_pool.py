"""A writer's postings pool writes its runs in chunks and gives back exactly what Whoosh's gives:
the same postings in the same order, whether they fit in memory, spill into many runs, or need
runs merged into runs; through a whole index too, written by one process or several."""

import random

import pytest
from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.query import Term
from whoosh.writing import PostingPool

from search.engine import whoosh_internals
from search.engine.whoosh_internals import ChunkedPostingPool, CommitWriter, PackedArchiveCodec, ParallelWriter

WORDS = ["cartel", "zetas", "unmask", "arrest", "police", "chile", "peso", "oil", "ministry", "hackers"]


def postings(count: int, seed: int = 4) -> list[tuple]:
    """(fieldname, term bytes, document, weight, value bytes or None), as a writer adds them: one
    posting a field, term and document, in the order of the documents."""
    rng = random.Random(seed)
    keys = rng.sample([(field, word.encode(), doc) for field in ("body", "title") for word in WORDS for doc in range(500)], count)
    keys.sort(key=lambda key: key[2])
    return [
        (field, term, doc, float(rng.randint(1, 4)), rng.choice([None, bytes(rng.randrange(256) for _ in range(rng.randrange(0, 12)))]))
        for field, term, doc in keys
    ]  # fmt: skip


def pooled(folder, pool_class, items, limitmb, maxfiles=128):
    folder.mkdir()
    storage = FileStorage(str(folder))
    pool = pool_class(storage, None, limitmb=limitmb)
    for item in items:
        pool.add(item)
    runs = len(pool.runs)
    out = list(pool.items(maxfiles=maxfiles))
    return out, runs, list(storage.list())


@pytest.mark.parametrize("limitmb, maxfiles", [(64, 128), (0.002, 128), (0.002, 3)], ids=["in-memory", "runs", "runs-merged"])
def test_the_chunked_pool_gives_whooshs_postings_in_whooshs_order(tmp_path, monkeypatch, limitmb, maxfiles):
    monkeypatch.setattr(whoosh_internals, "RUN_CHUNK", 7)  # several chunks a run, a short last one
    items = postings(3000)
    theirs, their_runs, _ = pooled(tmp_path / "theirs", PostingPool, items, limitmb, maxfiles)
    mine, my_runs, left = pooled(tmp_path / "mine", ChunkedPostingPool, items, limitmb, maxfiles)
    assert mine == theirs == sorted(items)
    assert my_runs == their_runs and (my_runs > 3 if limitmb < 1 else my_runs == 0)
    assert left == [], "a run file was left behind"



def test_a_run_cut_inside_a_chunk_is_an_error_not_fewer_postings(tmp_path, monkeypatch):
    """A chunk is read whole by its length: a run that ends early must fail the writer, not give a
    segment that silently lacks postings."""
    monkeypatch.setattr(whoosh_internals, "RUN_CHUNK", 100)
    storage = FileStorage(str(tmp_path))
    pool = ChunkedPostingPool(storage, None, limitmb=64)
    for item in postings(300):
        pool.add(item)
    pool.save()
    (run,) = pool.runs
    path = tmp_path / run
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(EOFError, match="ends inside a chunk"):
        list(pool.items())


SCHEMA = Schema(id=ID(stored=True, unique=True), body=TEXT(stored=True), tags=KEYWORD(commas=True))


def documents(count: int):
    rng = random.Random(9)
    for n in range(count):
        yield {"id": str(n), "body": " ".join(rng.choices(WORDS, k=rng.randint(1, 30))), "tags": ",".join(rng.sample(WORDS, 2))}


def every_posting(index) -> list:
    with index.reader() as reader:
        return [
            (fieldname, text, [(m.id(), m.weight(), m.value()) for m in iter_matcher(reader.postings(fieldname, text))])
            for fieldname, text in reader.all_terms()
        ]


def iter_matcher(matcher):
    while matcher.is_active():
        yield matcher
        matcher.next()


def test_an_index_written_through_spilled_chunked_runs_is_the_one_written_in_memory(tmp_path):
    (tmp_path / "memory").mkdir(), (tmp_path / "spilled").mkdir()
    in_memory = FileStorage(str(tmp_path / "memory")).create_index(SCHEMA)
    spilled = FileStorage(str(tmp_path / "spilled")).create_index(SCHEMA)
    for index, limitmb in ((in_memory, 256), (spilled, 0.01)):
        writer = CommitWriter(index, limitmb=limitmb, codec=PackedArchiveCodec())
        assert type(writer.pool) is ChunkedPostingPool
        for document in documents(400):
            writer.add_document(**document)
        if limitmb < 1:
            assert len(writer.pool.runs) > 3, "the small limit did not make the pool spill"
        writer.commit()
    assert every_posting(spilled) == every_posting(in_memory)


def test_writing_processes_spill_into_chunked_runs(tmp_path, monkeypatch):
    """Whoosh's own run writing, and its reading of a field's length one posting at a time, are
    made to fail before the processes fork: each process must write its runs through the chunked
    pool and read the lengths once a field, and the index is what one process writes in memory."""

    def whooshs_runs(*args):
        raise AssertionError("a writing process spilled through Whoosh's own pool")

    def length_by_posting(*args, **kwargs):
        raise AssertionError("a writing process read a field's length through the column for each posting")

    monkeypatch.setattr(PostingPool, "_write_run", whooshs_runs)
    monkeypatch.setattr(whoosh_internals, "JOB_DOCUMENTS", 20)
    (tmp_path / "parallel").mkdir(), (tmp_path / "one").mkdir()
    parallel = FileStorage(str(tmp_path / "parallel")).create_index(SCHEMA)
    with monkeypatch.context() as writing:
        writing.setattr(W3PerDocReader, "doc_field_length", length_by_posting)
        writer = ParallelWriter(parallel, 2, limitmb=0.01, codec=PackedArchiveCodec())
        for document in documents(400):
            writer.add_document(**document)
        writer.commit()
    one = FileStorage(str(tmp_path / "one")).create_index(SCHEMA)
    writer = one.writer(limitmb=256, codec=PackedArchiveCodec())
    for document in documents(400):
        writer.add_document(**document)
    writer.commit()
    assert len(parallel.reader().leaf_readers()) == 2
    with parallel.searcher() as theirs, one.searcher() as ours:
        for word in WORDS:
            found = {hit["id"] for hit in theirs.search(Term("body", word), limit=None)}
            expected = {hit["id"] for hit in ours.search(Term("body", word), limit=None)}
            assert found == expected and found, word

