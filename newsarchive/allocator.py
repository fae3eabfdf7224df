"""The C allocator's threshold for giving large blocks their own mappings, fixed for web workers.

glibc raises its mmap threshold each time a large block is freed (up to 32 MB), so after the
first searches every archive-sized array (4-8 MB each at a million articles) comes from the heap,
and the heap keeps what it once held: 44 MB more a process after 600 searches at a million
articles (``docs/memory.md``). With the threshold fixed, such arrays are mapped and given back
when freed. That costs time: the next search faults those pages in again (about 20 ms of a
common word's 80 at a million articles, docs/performance.md, 2026-12-04), so the threshold is a
setting (``WORKER_MMAP_THRESHOLD_KB``) and a search keeps its temporary arrays small
(``search.engine.scoring.SCORE_CHUNK``).
"""

import ctypes
import ctypes.util
import logging
import os

from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
LARGE_BLOCK_BYTES = 256 * 1024


def threshold_from_environment(environ=os.environ) -> int:
    """``WORKER_MMAP_THRESHOLD_KB`` in bytes (256 kB by default); 0 leaves glibc's own threshold.

    The trade, measured at a million articles (docs/memory.md): fixed, a worker's PSS after the
    benchmark's workload is some 28 MB lower; left to glibc, the heap keeps the arrays a search
    makes and frees, and a common word's search no longer faults their pages in afresh each time
    (about 20 ms of 80)."""
    value = environ.get("WORKER_MMAP_THRESHOLD_KB", str(LARGE_BLOCK_BYTES // 1024))
    try:
        kilobytes = int(value)
    except ValueError:
        kilobytes = -1
    if kilobytes < 0:
        raise ImproperlyConfigured(f"WORKER_MMAP_THRESHOLD_KB must be a whole number of kilobytes, 0 or more; not {value!r}")
    return kilobytes * 1024


def fix_mmap_threshold(threshold: int = LARGE_BLOCK_BYTES) -> bool:
    """Ask glibc's malloc to map every block of ``threshold`` bytes or more; False where the C
    library is not glibc (the allocator then behaves as it always did)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    done = bool(mallopt(M_MMAP_THRESHOLD, threshold))
    if not done:
        logger.warning("mallopt(M_MMAP_THRESHOLD, %s) refused", threshold)
    return done
