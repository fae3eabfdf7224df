"""Opening what the import was given: regular files only, and single-article files of a bounded size.

A device, FIFO or socket is never opened for reading (a FIFO would block, ``/dev/zero`` never ends):
the walk judges each file by ``stat`` before a reader opens it, and the opened file is checked
again, so a file swapped for one of those in between is not read either.
"""

import os
import stat
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from .records import RejectedRecord

FILE_KINDS = {
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


class FileRefused(Exception):
    """A file the import does not read, and why: becomes one rejection for the file."""

    def __init__(self, reason: str, kind: str):
        super().__init__(reason)
        self.reason, self.kind = reason, kind

    def rejection(self, path: Path) -> RejectedRecord:
        return RejectedRecord(str(path), self.reason, self.kind)


def not_regular_reason(mode: int) -> str | None:
    """Why a file of this mode is not read, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return f"is {FILE_KINDS.get(stat.S_IFMT(mode), 'not a regular file')}, not a regular file: not read"


def open_regular_file(path: Path) -> BinaryIO:
    """The file opened for reading in binary; FileRefused if it cannot be read or is not a regular file.

    ``O_NONBLOCK`` lets a FIFO that replaced the file open without waiting for a writer, so that
    ``fstat`` can refuse it.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise FileRefused(f"cannot be read: {error.strerror or error}", "cannot be read") from None
    reason = not_regular_reason(os.fstat(descriptor).st_mode)
    if reason:
        os.close(descriptor)
        raise FileRefused(reason, "not a regular file")
    os.set_blocking(descriptor, True)
    return os.fdopen(descriptor, "rb")


def read_single_article_file(path: Path) -> bytes:
    """The bytes of a file that holds one article (a web page, a text), at most ``IMPORT_MAX_FILE_BYTES``."""
    limit = settings.IMPORT_MAX_FILE_BYTES
    with open_regular_file(path) as file:
        try:
            content = file.read(limit + 1)  # never more than the limit and a byte, whatever the file claims
        except OSError as error:
            raise FileRefused(f"cannot be read: {error.strerror or error}", "cannot be read") from None
        size = max(os.fstat(file.fileno()).st_size, len(content))
    if len(content) > limit:
        raise FileRefused(f"file is {size:,} bytes, over the {limit:,} a one-article file may be (IMPORT_MAX_FILE_BYTES)", "file too large")
    if not content.strip():
        raise FileRefused("empty file: no article in it", "empty file")
    return content
