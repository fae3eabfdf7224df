"""What an import works out from each record's text alone, a batch ahead, in a process of its own.

Language detection and entity extraction need only a record's text, not the database: 0.5 and
0.4 ms an article, half of what the importing process did once the index was written by
processes of its own (docs/performance.md). ``batches_prepared`` hands each batch over with them
done, by one forked process that works on the next batches while the importing process writes the
last one to the database. The first batch is prepared in the importing process itself, so an
import of one batch (an editor's file, a test) starts no process.
"""

import multiprocessing
import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from newsarchive.processes import die_with_parent

from ..extraction.entities import Extraction
from ..normal_form import normal_form
from .records import ArticleRecord, RejectedRecord

BATCHES_AHEAD = 2  # batches the preparing process may be ahead of the database

_matcher = None  # the importing process's matcher, inherited by the forked preparing process


@dataclass(frozen=True)
class Prepared:
    language: str  # ``article_language`` of the record's text in the normal form, as a save would detect it
    extraction: Extraction


def record_prepared(record: ArticleRecord, matcher) -> Prepared:
    from ..language import article_language

    if record.language:
        language = ""  # the record's own language stands (``article_language_fill``)
    else:
        language = article_language(normal_form(record.title or ""), normal_form(record.summary or ""), normal_form(record.body or ""))
    return Prepared(language, matcher.extract(record.title, record.body, record.dateline))


def batch_prepared(batch: list) -> list[Prepared | None]:
    """Each record's preparation (None for a rejection), in a process that has ``_matcher``."""
    return [None if isinstance(item, RejectedRecord) else record_prepared(item, _matcher) for item in batch]


def batches_prepared(batches, matcher):
    """Yield (batch, preparations) for each batch, the preparations aligned with its items."""
    global _matcher
    batches = iter(batches)
    first = next(batches, None)
    if first is None:
        return
    _matcher = matcher
    yield first, batch_prepared(first)
    second = next(batches, None)
    if second is None:
        return
    # It dies with us: it holds our database connection's socket, and would keep a killed import's
    # transaction open (and a test's TRUNCATE waiting) for as long as it lived.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(1, mp_context=context, initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        waiting = deque([(second, pool.submit(batch_prepared, second))])
        for batch in batches:
            waiting.append((batch, pool.submit(batch_prepared, batch)))
            if len(waiting) > BATCHES_AHEAD:
                done, future = waiting.popleft()
                yield done, future.result()
        while waiting:
            done, future = waiting.popleft()
            yield done, future.result()
