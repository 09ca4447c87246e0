"""A byte progress bar on stderr, shown only on a terminal (logs and CI stay clean)."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Update = Callable[[int], None]


@contextmanager
def byte_bar(description: str, total: int, enabled: bool = True) -> Iterator[Update]:
    """Yield update(done_bytes); a rich bar with rate and time left when stderr is a terminal."""
    if not (enabled and sys.stderr.isatty()):
        yield lambda done: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=max(total, 1))
        yield lambda done: progress.update(task, completed=done)
