"""Opening corpus files without surprises: a FIFO or device named like a recording must not block forever."""
from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO


def open_regular(name: str) -> BinaryIO:
    """Open a regular file for reading; a FIFO, device or directory raises OSError instead of blocking forever."""
    return open_regular_stat(name)[0]


def open_regular_stat(name: str) -> tuple[BinaryIO, os.stat_result]:
    """open_regular, plus the fstat it made anyway (a caller needing the size asks no second time)."""
    fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file (FIFO, socket or device)"
        raise OSError(errno.EINVAL, kind)
    return os.fdopen(fd, "rb"), st
