"""Bringing an engine's files into the page cache before it is timed."""

from pathlib import Path


def read_into_page_cache(*paths) -> int:
    """Read every file under ``paths`` once, so that the page cache holds them: the bytes read.

    Each engine is timed with its files in the page cache. This machine's kernel pages out what
    has not been read for about a minute (DAMON's ``pageout`` scheme), and ours were written minutes
    before their turn (10 minutes after a rebuild, ``fincore`` found half of each segment file
    resident) while a reference engine's were written seconds before: its p95 read memory where
    ours read the disk."""
    read = 0
    for path in map(Path, paths):
        for file in sorted([path] if path.is_file() else (f for f in path.rglob("*") if f.is_file())):
            with open(file, "rb") as stream:
                while chunk := stream.read(1 << 20):
                    read += len(chunk)
    return read
