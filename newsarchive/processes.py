"""Forked helper processes that end with the process that started them."""

import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent ends. A helper forked by an import or a
    rebuild inherits its database connection and its locks' descriptors: one that outlived a
    killed parent would hold them (an open transaction, a flock) and wait for work forever."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent's own shutdown still stops them
        return
    if os.getppid() != parent:  # the parent ended before the request was made
        os._exit(1)
