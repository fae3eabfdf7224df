"""Web workers map large blocks instead of keeping them in the heap (newsarchive/allocator.py)."""

import subprocess
import sys

import pytest

PROBE = """
import ctypes, sys
import numpy as np
from newsarchive.allocator import fix_mmap_threshold

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
if sys.argv[1] == "fixed":
    assert fix_mmap_threshold()
kept = []
for _ in range(5):  # archive-sized arrays of several sizes made and freed, as searches make them
    scores = np.ones(1_000_000, dtype=np.float64)  # 8 MB, then freed: glibc's threshold rises past 4 MB
    del scores
    arrays = [np.ones(1_000_000, dtype=np.float32) for _ in range(4)]  # 4 MB each
    kept.append(np.ones(16_000, dtype=np.float32))  # 64 KB kept after them, as a cache entry a request leaves
    del arrays
print(libc.mallinfo2().arena)
"""


def heap_bytes_after_large_arrays(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
    return int(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt and mallinfo2")
def test_with_the_threshold_fixed_freed_arrays_do_not_stay_in_the_heap():
    dynamic, fixed = heap_bytes_after_large_arrays("dynamic"), heap_bytes_after_large_arrays("fixed")
    assert dynamic > 8_000_000  # glibc's own threshold moved up: the arrays came from the heap and it kept them
    assert fixed < dynamic - 8_000_000


def test_the_wsgi_application_fixes_the_threshold(monkeypatch):
    import importlib

    import newsarchive.allocator
    import newsarchive.wsgi

    calls = []
    monkeypatch.setattr(newsarchive.allocator, "fix_mmap_threshold", lambda threshold: calls.append(threshold) or True)
    monkeypatch.delenv("WORKER_MMAP_THRESHOLD_KB", raising=False)
    importlib.reload(newsarchive.wsgi)
    assert calls == [256 * 1024]
    monkeypatch.setenv("WORKER_MMAP_THRESHOLD_KB", "1024")
    importlib.reload(newsarchive.wsgi)
    monkeypatch.setenv("WORKER_MMAP_THRESHOLD_KB", "0")  # glibc's own threshold: not called
    importlib.reload(newsarchive.wsgi)
    assert calls == [256 * 1024, 1024 * 1024]


@pytest.mark.parametrize("value", ["abc", "-1", "1.5", ""])
def test_a_threshold_that_is_not_a_size_is_refused_with_its_name(value):
    from django.core.exceptions import ImproperlyConfigured

    from newsarchive.allocator import threshold_from_environment

    with pytest.raises(ImproperlyConfigured, match="WORKER_MMAP_THRESHOLD_KB"):
        threshold_from_environment({"WORKER_MMAP_THRESHOLD_KB": value})
