"""Arrays computed once per index generation, written beside it and mapped by every process.

A worker's own copies of the arrays a snapshot keeps (facet pairs, the date column, orders, field
lengths) grow with the archive: 86 MB a worker at a million articles (``docs/memory.md``), and
the same again in every worker. Written once into the generation's folder as ``.npy`` files and
mapped read only, they live in the operating system's page cache, shared by every worker that
maps them, like the index's own files (issue 14).

Files are named by what they are computed from, so a name never holds two different contents:
``s-<segment id>-…`` for a segment's arrays (a segment never changes), ``g-<digest>-…`` for arrays
of a list of segments (and of their deletions, where the digest says so). The first process
that needs one computes it, writes it to a temporary name, flushes it to disk and moves it into
place; a process that finds it maps it. Two processes may compute the same file at once: each
writes a whole one and the last rename wins, with the same content. A file that cannot be read
(truncated, from a failed disk) is computed and written again; a folder that cannot be written
leaves the process with its own computed copy, as before.
"""

import hashlib
import logging
import math
import mmap
import os
import re
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

logger = logging.getLogger(__name__)

FOLDER = "arrays"  # inside a generation's folder
SEGMENT_PREFIX, SET_PREFIX = "s-", "g-"
ABANDONED_SECONDS = 600  # a temporary file this old was left by a process that died writing it
_SAFE = re.compile(r"[^A-Za-z0-9_.]")


def set_digest(*parts) -> str:
    """A short digest naming what arrays are computed from (segment ids, deletions)."""
    digest = hashlib.blake2b(digest_size=12)
    for part in parts:
        digest.update(part if isinstance(part, bytes) else str(part).encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def source_prefix(prefix: str, source: str) -> str:
    """The start of every file name computed from ``source`` (a segment id or a digest)."""
    return prefix + _SAFE.sub("_", source) + "-"


def file_key(prefix: str, source: str, kind: str, fieldname: str = "") -> str:
    """A file name's stem: ``prefix`` + what it is computed from, the kind of array, the field."""
    return source_prefix(prefix, source) + _SAFE.sub("_", kind) + "-" + _SAFE.sub("_", fieldname)


class SharedArrays:
    """The arrays of one index generation's folder in this process: mapped once, then reused."""

    def __init__(self, generation_folder: str):
        self.generation_folder = generation_folder
        self.folder = os.path.join(generation_folder, FOLDER)
        self._lock = threading.Lock()
        self._mapped: dict[str, tuple[np.ndarray, ...]] = {}
        self._writing: set[str] = set()  # keys the writing thread has yet to write
        self.forgotten = False  # set by ``forget``: this process no longer holds the generation

    def get(self, key: str, compute, count: int, keep: bool = True, write_later: bool = False) -> tuple[np.ndarray, ...]:
        """The ``count`` arrays ``compute()`` returns, mapped from ``key``'s files when they were
        written, otherwise computed, written and mapped. When the folder cannot be written, the
        computed arrays themselves. Read only either way. ``keep=False`` leaves keeping them to
        the caller (a bounded cache): their maps close when the caller lets them go.
        ``write_later``: the computed arrays are returned at once and written by this process's
        writing thread (``write_behind``), so that the request does not wait for the disk."""
        with self._lock:
            found = self._mapped.get(key)
        if found is not None:
            return found
        arrays = self._load(key, count)
        if arrays is None:
            computed = tuple(compute())
            if len(computed) != count:
                raise ValueError(f"{key}: {len(computed)} arrays computed, {count} expected")
            arrays = None if write_later else self._write(key, computed)
            if arrays is None:
                for array in computed:
                    array.flags.writeable = False
                arrays = computed
            if write_later:
                self._write_later(key, computed)
        if not keep:
            return arrays
        with self._lock:
            return self._mapped.setdefault(key, arrays)

    def _write_later(self, key: str, arrays: tuple[np.ndarray, ...]) -> None:
        """``_write`` in the writing thread, unless this generation was forgotten meanwhile (another
        process may be removing its folder): a file it misses is computed again by a later search."""
        with self._lock:
            if key in self._writing:
                return
            self._writing.add(key)

        def write():
            try:
                if not self.forgotten:
                    self._write(key, arrays, map_written=False)
            finally:
                with self._lock:
                    self._writing.discard(key)

        if not write_behind(write):
            with self._lock:
                self._writing.discard(key)

    def _paths(self, key: str, count: int) -> list[str]:
        return [os.path.join(self.folder, f"{key}.{n}.npy") for n in range(count)]

    def _load(self, key: str, count: int):
        try:
            return tuple(mapped(path) for path in self._paths(key, count))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, EOFError) as error:  # truncated or damaged: computed again
            logger.warning("Shared array %s unreadable (%s); computing it again", key, error)
            return None

    def _write(self, key: str, arrays: tuple[np.ndarray, ...], map_written: bool = True):
        """Each array to its file (written whole, flushed, renamed into place), then mapped
        (``map_written``)."""
        try:
            try:
                os.mkdir(self.folder)  # not makedirs: a generation's folder removed meanwhile stays removed
            except FileExistsError:
                pass
            for array, path in zip(arrays, self._paths(key, len(arrays))):
                if array.dtype.hasobject:
                    raise ValueError(f"{key}: arrays of objects are not shared")
                handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".npy")
                try:
                    with os.fdopen(handle, "wb") as file:
                        np.save(file, np.ascontiguousarray(array), allow_pickle=False)
                        file.flush()
                        os.fsync(file.fileno())  # never a file of the right name with the wrong bytes
                    os.replace(temporary, path)
                except BaseException:
                    try:
                        os.unlink(temporary)
                    except FileNotFoundError:
                        pass
                    raise
        except OSError as error:
            logger.warning("Shared array %s not written (%s); this process keeps its own copy", key, error)
            return None
        return self._load(key, len(arrays)) if map_written else None

    def retain(self, segment_ids, set_digests) -> None:
        """Forget and remove the files of other segments and other segment lists than these.

        A process still reading an older state keeps what it has mapped (a removed file stays
        readable through its map) and computes again what it had not."""
        keep = tuple(
            [source_prefix(SEGMENT_PREFIX, segment) for segment in segment_ids]
            + [source_prefix(SET_PREFIX, digest) for digest in set_digests]
        )

        def kept(name: str) -> bool:
            return name.startswith(keep)

        with self._lock:
            for key in [key for key in self._mapped if not kept(key)]:
                del self._mapped[key]
        try:
            names = os.listdir(self.folder)
        except OSError:  # none written yet, or a folder that cannot be read: nothing to remove
            return
        now = time.time()
        for name in names:
            path = os.path.join(self.folder, name)
            try:
                if name.startswith((SEGMENT_PREFIX, SET_PREFIX)) and not kept(name):
                    os.unlink(path)
                elif name.startswith(".tmp-") and os.path.getmtime(path) < now - ABANDONED_SECONDS:
                    os.unlink(path)  # left by a process killed while writing
            except FileNotFoundError:
                pass  # another process removed it first
            except OSError as error:
                logger.warning("Shared array %s not removed (%s)", path, error)

    def mapped_keys(self) -> list[str]:
        with self._lock:
            return sorted(self._mapped)


def mapped(path: str) -> np.ndarray:
    """The array of a ``.npy`` file, mapped read only: what ``np.asarray(np.load(path,
    mmap_mode="r"))`` gives, in half the time (35 µs against 52 with the file cached): one open
    and one map, where ``np.memmap`` opens the file again. A plain array over the map, not an
    ``np.memmap``: slicing one costs no more than an array's. Raises ValueError (or OSError) for
    a file that is not a whole array."""
    with open(path, "rb") as file:
        version = np.lib.format.read_magic(file)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(file)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(file)
        else:
            raise ValueError(f"{path}: .npy version {version} is not read")
        if dtype.hasobject:
            raise ValueError(f"{path}: arrays of objects are not mapped")
        offset, values = file.tell(), math.prod(shape)
        if offset + values * dtype.itemsize > os.fstat(file.fileno()).st_size:
            raise ValueError(f"{path}: shorter than its array")
        if values == 0:
            array = np.zeros(shape, dtype=dtype)
            array.flags.writeable = False
            return array
        buffer = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)  # kept open by the array
    array = np.frombuffer(buffer, dtype=dtype, count=values, offset=offset)
    return array.reshape(shape, order="F" if fortran_order else "C")


_registry_lock = threading.Lock()
_registry: dict[str, SharedArrays] = {}


def of_folder(generation_folder: str) -> SharedArrays:
    """This process's ``SharedArrays`` of a generation's folder (one, whoever asks)."""
    with _registry_lock:
        found = _registry.get(generation_folder)
        if found is None:
            found = _registry[generation_folder] = SharedArrays(generation_folder)
        return found


def forget(generation_folder: str) -> None:
    """Drop a generation this process no longer reads (its maps close with its last array)."""
    with _registry_lock:
        dropped = _registry.pop(generation_folder, None)
    if dropped is not None:
        dropped.forgotten = True


# Writes that a search leaves for later (``SharedArrays.get(write_later=True)``): one thread per
# process, made in the process that uses it (a gunicorn worker, after the fork), at most
# PENDING_WRITES waiting; past that a computed array is not written, and a later search writes it.
PENDING_WRITES = 64
_writer_lock = threading.Lock()
_writer: ThreadPoolExecutor | None = None
_writer_pid = None
_pending: list = []


def write_behind(task) -> bool:
    """Run ``task`` in this process's writing thread; False when too many writes wait already."""
    global _writer, _writer_pid
    with _writer_lock:
        if _writer is None or _writer_pid != os.getpid():
            _writer, _writer_pid, _pending[:] = ThreadPoolExecutor(1, thread_name_prefix="shared-arrays"), os.getpid(), []
        _pending[:] = [future for future in _pending if not future.done()]
        if len(_pending) >= PENDING_WRITES:
            return False
        _pending.append(_writer.submit(task))
        return True


def wait_for_writes() -> None:
    """Until every write left for later in this process is done (tests; a worker's exit waits anyway)."""
    with _writer_lock:
        waiting = list(_pending) if _writer_pid == os.getpid() else []
    for future in waiting:
        future.result()
