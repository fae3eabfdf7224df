"""Where the function-level p95 comes from: the first (cold) pass over each request class against
the later (warm) ones, and what a cold request spends its time on.

Run on an archive that ``bench/run.py --keep`` left in /tmp, with that archive's settings::

    DATA_DIR=/tmp/newsarchive-bench-generated-100000-… SECRET_KEY=x SECURE_SSL_REDIRECT=0 \\
        .venv/bin/python bench/cold_warm.py [--profile word_two_filters]

It draws the same requests as ``bench/measure.py`` (same seed), warms the snapshot the same way,
then times three passes per class. ``run_search`` keeps each term's postings per index
generation, so the first pass reads them from Whoosh's blocks and the later passes do not.
It also times decoding one term's blocks as Whoosh stores them (ids, weights and positions
pickled together) and with the positions left out.
"""

import argparse
import cProfile
import io
import pickle
import pstats
import statistics
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure  # noqa: E402  (sets Django up)


def percentile_95(samples):
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def block_decoding(term: bytes = b"govern") -> dict:
    """Microseconds to unpickle one 128-posting block of ``term`` in the largest segment."""
    from search.indexing import search_backend

    snapshot = search_backend().snapshot()
    leaf = max((leaf for leaf, _ in snapshot.reader.leaf_readers()), key=lambda leaf: leaf.doc_count_all())
    matcher = leaf._terms.matcher("text", term, leaf.schema["text"].format)
    if type(matcher).__name__ != "W3LeafMatcher":  # our codec's blocks: ids, weights and positions apart
        return {"term": term.decode(), "layout": type(matcher).__name__, "note": "not Whoosh's pickled blocks: nothing to compare"}
    blocks = []
    while matcher.is_active():
        data = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
        blocks.append(zlib.decompress(data) if matcher._compression else data)
        matcher._next_block()
    without_positions = [pickle.dumps(pickle.loads(block)[:2] + (None,), protocol=2) for block in blocks]

    def microseconds(payloads):
        started = time.perf_counter()
        for _ in range(20):
            for payload in payloads:
                pickle.loads(payload)
        return round((time.perf_counter() - started) / (20 * len(payloads)) * 1e6, 1)

    return {"term": term.decode(), "blocks": len(blocks), "as_stored_us": microseconds(blocks),
            "without_positions_us": microseconds(without_positions)}  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-class", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", choices=measure.CLASSES, help="cProfile this class's cold pass instead")
    args = parser.parse_args()
    classes = measure.request_classes(measure.archive_documents(), args.per_class, args.seed)
    measure.ours({"q": "said"})
    for requests in classes.values():
        measure.ours(requests[0])
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for request in classes[args.profile][1:]:
            measure.ours(request)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative").print_stats(40)
        print(out.getvalue())
        return
    print("| class | cold pass p50 / p95 / max ms | warm passes p50 / p95 ms | all three passes p95 ms |")
    print("|---|---|---|---|")
    for name, requests in classes.items():
        passes = []
        for _ in range(3):
            samples = []
            for request in requests:
                started = time.perf_counter()
                measure.ours(request)
                samples.append((time.perf_counter() - started) * 1000)
            passes.append(samples)
        cold, warm = passes[0], passes[1] + passes[2]
        print(f"| {name} | {statistics.median(cold):.1f} / {percentile_95(cold):.1f} / {max(cold):.1f} | {statistics.median(warm):.1f} / "
              f"{percentile_95(warm):.1f} | {percentile_95(cold + warm):.1f} |")  # fmt: skip
    print()
    print("Decoding Whoosh blocks:", block_decoding())


if __name__ == "__main__":
    main()
