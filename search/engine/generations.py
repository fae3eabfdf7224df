"""Index generations on disk: the live one, the one a rebuild writes beside it, and the switch.

A rebuild must never leave search answering from a half-built index, so each full build gets a
folder of its own and the live index is whichever folder the ``current`` symlink names; the
switch is one atomic rename, as an Elasticsearch alias is switched::

    PATH/current -> g-1764680000000000000-4242    the live generation (relative symlink)
    PATH/g-…/                                     one Whoosh index each, with its schema_version
    PATH/g-…/arrays/                              its arrays written once, mapped by every worker (shared_arrays.py)
    PATH/rebuild.lock                             flock held while a rebuild runs
    PATH/rebuild.target                           the generation being built
    PATH/g-….journal                              identifiers written to the live index meanwhile
    PATH/staging-…/                               an import's segments before they join the live one

Processes that read a generation hold a shared flock on its ``readers.lock``; a generation that is
not current and that nobody holds is removed (``remove_unused``), by the next rebuild or by the
last worker to move off it. A rebuild killed at any point leaves ``current`` as it was; its
unfinished folder is removed by the next one.
"""

import fcntl
import os
import shutil
import time
from contextlib import contextmanager

CURRENT = "current"
PREFIX = "g-"
SCHEMA_VERSION_FILE = "schema_version"
READERS_LOCK = "readers.lock"
REBUILD_LOCK = "rebuild.lock"
REBUILD_TARGET = "rebuild.target"
STAGING_PREFIX = "staging-"
STAGING_OWNER = "owner.lock"


class RebuildRunning(Exception):
    """Another rebuild holds this index folder."""


class IndexFolder:
    def __init__(self, path: str):
        self.path = path

    def _join(self, *parts) -> str:
        return os.path.join(self.path, *parts)

    # The live generation ------------------------------------------------------------------

    def current_name(self) -> str | None:
        try:
            return os.readlink(self._join(CURRENT))
        except (FileNotFoundError, OSError):
            return None

    def generation_path(self, name: str) -> str:
        return self._join(name)

    def has_legacy_index(self) -> bool:
        """An index written before generations existed: Whoosh's files directly in PATH."""
        try:
            return any(name.endswith(".toc") for name in os.listdir(self.path))
        except FileNotFoundError:
            return False

    @staticmethod
    def generation_name() -> str:
        return f"{PREFIX}{time.time_ns()}-{os.getpid()}"

    def new_generation(self, schema_version: str, name: str | None = None) -> str:
        """A new generation's folder; a rebuild names it (``start_journal``) before creating it."""
        os.makedirs(self.path, exist_ok=True)
        name = name or self.generation_name()
        os.makedirs(self._join(name))
        with open(self._join(name, SCHEMA_VERSION_FILE), "w") as file:
            file.write(schema_version)
        return name

    def schema_version(self, name: str) -> str | None:
        try:
            with open(self._join(name, SCHEMA_VERSION_FILE)) as file:
                return file.read().strip()
        except FileNotFoundError:
            return None

    def switch_to(self, name: str) -> None:
        """Make ``name`` the live generation in one atomic rename."""
        temporary = self._join(f".{CURRENT}-{os.getpid()}-{time.time_ns()}")
        os.symlink(name, temporary)
        os.replace(temporary, self._join(CURRENT))

    # Readers ------------------------------------------------------------------------------

    def hold(self, name: str):
        """A file whose shared flock says this process reads ``name``; None if it is gone."""
        try:
            handle = open(self._join(name, READERS_LOCK), "a")
        except FileNotFoundError:
            return None
        fcntl.flock(handle, fcntl.LOCK_SH)
        return handle

    def remove_unused(self) -> list[str]:
        """Remove the generations that are neither current, nor being built, nor read by anyone,
        and the journals of rebuilds that no longer run.

        Every worker that moves to a new generation calls this, so another process may remove
        the same folder or journal at the same time: what is already gone is skipped.
        """
        building = self.rebuild_target() if self.rebuild_running() else None
        keep = {self.current_name(), building}
        removed = []
        try:
            names = os.listdir(self.path)
        except FileNotFoundError:
            return removed
        for name in names:
            folder = self._join(name)
            if name.startswith(PREFIX) and name.endswith(".journal"):
                # A rebuild killed after its switch leaves the journal of what is now current.
                if building is None or name != f"{building}.journal":
                    self._remove_if_present(name)
                continue
            if name.startswith(STAGING_PREFIX) and os.path.isdir(folder):
                if self._remove_if_unlocked(name, STAGING_OWNER):
                    removed.append(name)
                continue
            if name in keep or not name.startswith(PREFIX) or not os.path.isdir(folder):
                continue
            if self._remove_if_unlocked(name, READERS_LOCK):
                removed.append(name)
        return removed

    def _remove_if_unlocked(self, name: str, lock_name: str) -> bool:
        """Remove the folder ``name`` unless a process holds a flock on its ``lock_name``."""
        try:
            handle = open(os.path.join(self._join(name), lock_name), "a")
        except FileNotFoundError:
            return False  # removed by another process meanwhile
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False  # a worker still reads it, or an import still writes it
            shutil.rmtree(self._join(name), ignore_errors=True)
            return True

    def remove_legacy_files(self) -> None:
        """Whoosh's files of an index from before generations, once a generation replaces it: those
        of its index named MAIN (``_MAIN_<n>.toc``, ``MAIN_<segment>.<ext>``, ``MAIN_WRITELOCK``)."""
        for name in os.listdir(self.path):
            if name.startswith(("_MAIN_", "MAIN_")) and not os.path.isdir(self._join(name)):
                self._remove_if_present(name)

    # Staging ------------------------------------------------------------------------------

    def new_staging(self):
        """A folder for an import's segments, on the index's file system (they are moved into the
        live generation by a rename), and the open file whose flock says this process owns it: a
        killed import's folder is removed by the next ``remove_unused``."""
        os.makedirs(self.path, exist_ok=True)
        path = self._join(f"{STAGING_PREFIX}{time.time_ns()}-{os.getpid()}")
        os.makedirs(path)
        owner = open(os.path.join(path, STAGING_OWNER), "a")
        fcntl.flock(owner, fcntl.LOCK_EX)
        return path, owner

    # Rebuilding ---------------------------------------------------------------------------

    rebuild_lock_descriptor = None  # while this process rebuilds: a forked writer closes it (flocks are inherited)

    @contextmanager
    def rebuilding(self):
        """Hold the rebuild lock (one rebuild at a time); the kernel releases it if we are killed."""
        os.makedirs(self.path, exist_ok=True)
        with open(self._join(REBUILD_LOCK), "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RebuildRunning(f"another rebuild of {self.path} is running") from None
            self._remove_if_present(REBUILD_TARGET)  # left by a rebuild that was killed
            self.rebuild_lock_descriptor = handle.fileno()
            try:
                yield
            finally:
                self.rebuild_lock_descriptor = None
                self._remove_if_present(REBUILD_TARGET)

    def rebuild_running(self) -> bool:
        try:
            handle = open(self._join(REBUILD_LOCK))
        except FileNotFoundError:
            return False
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            return False

    def rebuild_target(self) -> str | None:
        try:
            with open(self._join(REBUILD_TARGET)) as file:
                return file.read().strip() or None
        except FileNotFoundError:
            return None

    def start_journal(self, target: str) -> None:
        """Name the generation being built, so that no ``remove_unused`` takes its folder for an
        unused one, and have writers journal for it from now on."""
        with open(self._join(f".{REBUILD_TARGET}"), "w") as file:
            file.write(target)
        os.replace(self._join(f".{REBUILD_TARGET}"), self._join(REBUILD_TARGET))
        open(self._journal(target), "a").close()  # not "w": a writer may have journaled already

    def journal_if_rebuilding(self, identifiers) -> None:
        """Note identifiers written to the live index while a rebuild runs, for it to write again.

        Called by a writer that holds the live index's lock, before it commits: the rebuild takes
        that lock for its last replay and the switch, so no write falls between the two.
        """
        if not os.path.exists(self._join(REBUILD_TARGET)) or not self.rebuild_running():
            return
        target = self.rebuild_target()
        if target:
            with open(self._journal(target), "a") as file:
                file.write("".join(f"{identifier}\n" for identifier in identifiers))

    def read_journal(self, target: str, offset: int = 0) -> tuple[list[str], int]:
        """The identifiers journaled from byte ``offset`` on, and the offset after them."""
        with open(self._journal(target), "rb") as file:
            file.seek(offset)
            data = file.read()
        complete = data[: data.rfind(b"\n") + 1]
        return complete.decode("utf-8").split(), offset + len(complete)

    def end_journal(self, target: str) -> None:
        self._remove_if_present(REBUILD_TARGET)
        self._remove_if_present(os.path.basename(self._journal(target)))

    def _journal(self, target: str) -> str:
        return self._join(f"{target}.journal")

    def _remove_if_present(self, name: str) -> None:
        try:
            os.unlink(self._join(name))
        except FileNotFoundError:
            pass
