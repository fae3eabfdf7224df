"""A new generation written by several processes, one segment each.

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

Relies on (Whoosh-Reloaded 2.7.5): ``MpWriter``'s ``tasks``, ``jobqueue``, ``resultqueue``,
``docbuffer``, ``_new_task`` and ``SubWriterTask`` (a forked process that reads job files of
``(0, fields)`` pickles and puts ``(run name, field names, segment)`` on the result queue when it
reads ``None``), and ``SegmentWriter``'s ``_merge_segments``, ``_finalize_segment``,
``_close_segment``, ``_commit_toc`` and ``_finish``.
"""

import os
import pickle
import queue
import time

from whoosh.multiproc import MpWriter
from whoosh.util import random_name

JOB_DOCUMENTS = 200  # documents per job file: small enough to share the work evenly
POLL_SECONDS = 0.5  # how often a waiting parent checks that its processes are alive
RESULT_SECONDS = 600.0  # the longest a finished process may take to hand over its segment


class ParallelWriteFailed(Exception):
    """A writing process died or never reported its segment; nothing was committed."""


def index_processes(option) -> int:
    """The connection's ``INDEX_PROCESSES``: a count, or None for one per core (at most 4: each
    holds its own writer's memory, ``WRITER_LIMIT_MB``)."""
    if option is None:
        return max(1, min(os.cpu_count() or 1, 4))
    return max(1, int(option))


class ParallelWriter(MpWriter):
    """Whoosh's ``MpWriter`` with a segment per process, that never waits on a dead process."""

    def __init__(self, index, processes: int, **writer_options):
        super().__init__(index, procs=processes, batchsize=JOB_DOCUMENTS, multisegment=True, **writer_options)

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
