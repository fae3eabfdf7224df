"""What the archive engine offers beyond haystack's contract, as one small optional interface.

The site speaks haystack's public API to every engine. Where our engine can do more, the site
asks ``maintenance_of(backend)`` and does without when the answer is None (haystack's stock
Whoosh, Elasticsearch, Solr):

- ``lock_wait(seconds)``: index writes in the block wait at most that long for another writer,
  then raise ``IndexBusy`` (elsewhere a write either succeeds or raises the engine's own error);
- ``merge_is_due()`` / ``merge_small_segments()``: merges kept out of an editor's save;
- ``writes_open_their_own_readers()``: for writes from a background thread;
- ``rebuild(...)``: a rebuild beside the live index, switched to atomically (elsewhere
  ``rebuild_index`` clears, then fills: search is partial meanwhile);
- ``bulk_writer(owe)``: an import's writes, analysed by processes beside the live index and added
  to it in chunks, each by a short commit (elsewhere each batch is a ``backend.update``);
- ``status()``: the live generation, its schema version and its document count, for /healthz.

This module imports neither Whoosh nor the site, so any deployment can import it.
"""

from typing import ContextManager, Protocol, runtime_checkable


class SearchUnavailable(Exception):
    """The index is missing, damaged or of another schema version: search answers 503 until it is rebuilt."""


class IndexBusy(Exception):
    """Another writer held the index for longer than the caller was willing to wait."""


@runtime_checkable
class IndexMaintenance(Protocol):
    def lock_wait(self, seconds: float) -> ContextManager: ...

    def merge_is_due(self) -> bool: ...

    def merge_small_segments(self) -> None: ...

    def writes_open_their_own_readers(self) -> ContextManager: ...

    def rebuild(self, *, batch_size: int, progress=None) -> dict: ...

    def bulk_writer(self, owe): ...

    def status(self) -> dict: ...


def maintenance_of(backend) -> IndexMaintenance | None:
    """The backend's extra abilities, or None on an engine that has only haystack's contract."""
    return backend if isinstance(backend, IndexMaintenance) else None
