"""verify-archive and unpack: read the archive once, judge it with the registered archive.* checks."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, ContextManager

from tusz_guard import __version__
from tusz_guard.archive.scan import Progress, Scan, Sink, scan_archive
from tusz_guard.archive.verify import ArchiveView, expectation, summary, view_of
from tusz_guard.checks.base import Check
from tusz_guard.checks.engine import registered, run_checks
from tusz_guard.errors import GuardError
from tusz_guard.results import ConfigSummary, Finding, Report
from tusz_guard.storage.location import shown_path

if TYPE_CHECKING:
    from tusz_guard.archive.unpack import UnpackResult
    from tusz_guard.config import LoadedConfig
    from tusz_guard.corpus.ledger import Ledger
    from tusz_guard.storage.location import Location

FAMILY = "archive"


def archive_checks() -> list[Check]:
    """The registered archive.* checks, in report order."""
    return registered(FAMILY)     # without --config, verify-archive imports no config, corpus or other checks


def read_archive(archive: Path, cfg: LoadedConfig | None, ledger: Ledger | None, *, sink: Sink | None = None,
                 progress: Progress | None = None) -> ArchiveView:
    """Scan the archive once; with a config and its ledger, what the config expects of it."""
    if not archive.is_file():
        raise GuardError(f"archive {archive} does not exist or is not a file", hint="check the path")
    expect = expectation(cfg, ledger) if cfg is not None and ledger is not None else None
    return view_of(scan_archive(archive, sink=sink, progress=progress), expect)


def judge(view: ArchiveView) -> list[Finding]:
    """Every archive.* finding for one view (the registry's checks, nothing else)."""
    return run_checks(view, archive_checks())


def verify(archive: str | Path, cfg: LoadedConfig | None,
           progress_bar: Callable[[str, int], ContextManager[Progress]] | None = None) -> Report:
    """`verify-archive`: the archive's Report (with a config: against the config's corpus ledger).

    ARCHIVE is a local path or an object URL (s3://, gs://, ...: read as one stream, never downloaded).
    """
    ledger = _ledger(cfg) if cfg is not None else None
    expect = expectation(cfg, ledger) if cfg is not None and ledger is not None else None
    url, path = _where(str(archive))
    if url is not None:
        from tusz_guard.storage.archives import scan_url, url_size

        with _bar(progress_bar, url_size(url)) as update:
            view = view_of(scan_url(url, progress=update), expect)
    else:
        with _bar(progress_bar, path.stat().st_size if path.is_file() else 0) as update:
            view = read_archive(path, cfg, ledger, progress=update)
    return archive_report(view, judge(view), cfg)


def _ledger(cfg: LoadedConfig) -> Ledger:
    from tusz_guard.corpus.ledger import build_ledger

    return build_ledger(cfg)


def _where(archive: str) -> tuple[Location | None, Path]:
    """(the URL of a remote archive, or None; the local path): a plain path or file:// is read from the disk."""
    if "://" not in archive:
        return None, Path(archive)
    from tusz_guard.storage.location import Location

    where = Location.parse(archive)
    return (None, where.local_path) if where.is_local else (where, Path(archive))


@contextmanager
def _bar(progress_bar: Callable[[str, int], ContextManager[Progress]] | None, size: int) -> Iterator[Progress | None]:
    if progress_bar is None:
        yield None
        return
    with progress_bar("verifying", size) as update:
        yield update


def unpack(archive: Path, cfg: LoadedConfig, progress: Progress | None = None) -> UnpackResult:
    """`unpack`: extract through staging, judged by the same archive.* checks as verify-archive."""
    from tusz_guard.archive.unpack import unpack as extract

    ledger = _ledger(cfg)

    def judged(scan: Scan) -> tuple[ArchiveView, list[Finding]]:
        view = view_of(scan, expectation(cfg, ledger))
        return view, judge(view)
    return extract(Path(archive), cfg, judged, progress=progress)


def archive_report(view: ArchiveView, findings: list[Finding], cfg: LoadedConfig | None) -> Report:
    """The Report of an archive verification, for every renderer."""
    expect = view.expect
    configs: tuple[ConfigSummary, ...] = ()
    if cfg is not None and expect is not None:
        from tusz_guard.checks.summary import config_values

        configs = (ConfigSummary(path=expect.config, name=cfg.name, kind=cfg.config.experiment.kind,
                                 data_dir=shown_path(cfg.data_dir), cache_dir=shown_path(cfg.cache_dir),
                                 fingerprint=expect.fingerprint, values=config_values(cfg)),)
    facts = summary(view, findings)
    return Report(findings=tuple(findings), configs=configs, cache_dir=shown_path(cfg.cache_dir) if cfg else "",
                  fingerprint=expect.fingerprint if expect else (facts.get("fingerprint") or ""), totals={},
                  sections={"archive": facts},
                  generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), tool_version=__version__,
                  command="verify-archive")
