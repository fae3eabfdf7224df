"""A rebuild's new generation written by several processes, one segment each.

Writing an index is Whoosh analysing each document's text and encoding its postings: nearly all of
a rebuild's time, in pure Python, so on one core however many the machine has. Whoosh's own
``MpWriter`` hands documents, pickled to job files in the index's temporary folder, to processes
that each write a segment of their own (``multisegment``); the parent only reads the database and
prepares the documents. What it adds here is that a process that dies makes the write fail instead
of leaving the parent waiting for it forever, and that cancelling stops the processes.

The generation then has one segment per process instead of one: a search looks each word up in
each (a few microseconds), and the merge policy treats them as any other segments. Documents are
numbered segment by segment, so their order in the index is no longer their primary keys' order;
nothing may rely on that order (edits already reorder it).
The writer itself is ``whoosh_internals.ParallelWriter``.

Rebuilds, and imports (bulk_writing.py): an import's batches written by two processes into the
live index gained 1.3x on 3,000 articles and nothing on all of Reuters, as each batch then left
two segments for the importing process's merges (docs/performance.md); an import now writes
chunks of thousands beside the live index and merges none of them, 2x faster on Reuters.
"""

import os

PARALLEL_FROM = 400  # documents from which a rebuild's processes write them (fork and open: ~0.1 s)


def index_processes(option) -> int:
    """The connection's ``INDEX_PROCESSES``: a count, or None for one per core (at most 4: each
    holds its own writer's memory, ``WRITER_LIMIT_MB``)."""
    if option is None:
        return max(1, min(os.cpu_count() or 1, 4))
    return max(1, int(option))


def writing_processes(configured: int, documents: int) -> int:
    """How many processes write ``documents`` at once: one below ``PARALLEL_FROM``."""
    return configured if documents >= PARALLEL_FROM else 1
