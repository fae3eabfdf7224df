"""The whole Reuters-21578 corpus reads as it is: one record or rejection per line, two rejections."""

import time
from itertools import islice
from pathlib import Path

import pytest

from articles.importing.jsonl import read_jsonl
from articles.importing.records import ArticleRecord, RejectedRecord

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "reuters21578.jsonl"


@pytest.fixture
def corpus():
    if not CORPUS.exists():
        pytest.skip(f"Reuters corpus not found at {CORPUS} (shared/ beside the repo checkout)")
    return CORPUS


def test_first_500_lines_give_one_result_each_with_their_line_numbers(corpus):
    results = list(islice(read_jsonl(corpus), 500))

    assert [result.location for result in results] == [f"{corpus}:{number}" for number in range(1, 501)]
    first = results[0]
    assert (first.title, first.dateline, first.source, first.url) == ("BAHIA COCOA REVIEW", "SALVADOR, Feb 26", "", None)
    assert first.countries == ("SV", "US", "UY")  # as the annotators labelled it
    assert first.organisations is None and first.operations is None


def test_whole_corpus_gives_21578_results_and_exactly_the_two_known_rejections(corpus):
    started = time.perf_counter()
    records = rejections = headlines_only = 0
    rejected = []
    for result in read_jsonl(corpus):
        if isinstance(result, RejectedRecord):
            rejected.append(result)
        else:
            assert isinstance(result, ArticleRecord)
            records += 1
            headlines_only += not result.body
    seconds = time.perf_counter() - started
    rejections = len(rejected)

    assert records + rejections == 21_578
    assert (records, headlines_only) == (21_576, 1_798)
    assert rejected == [
        RejectedRecord(f"{corpus}:12793", "neither title nor text"),
        RejectedRecord(f"{corpus}:17192", "no publication date"),
    ]
    assert seconds < 15, f"read at {21_578 / seconds:.0f} lines/s"
