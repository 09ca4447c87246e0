"""Opening corpus files without surprises: a FIFO or device named like a recording must not block forever."""
from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO


def open_regular(name: str) -> BinaryIO:
    """Open a regular file for reading; a FIFO, device or directory raises OSError instead of blocking forever."""
    fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file (FIFO, socket or device)"
        raise OSError(errno.EINVAL, kind)
    return os.fdopen(fd, "rb")
