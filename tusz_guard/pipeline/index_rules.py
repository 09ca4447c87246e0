"""cache.index for a foreign NPZ cache: index and manifest against the entry files on disk (F7, F8)."""
from __future__ import annotations

from collections import Counter

from tusz_guard.checks.base import listing
from tusz_guard.checks.snapshot import Snapshot
from tusz_guard.pipeline.cache_rules import cfg_of, npz_of, windows_of
from tusz_guard.pipeline.foreign_cache import ForeignCache
from tusz_guard.results import Outcome, Status, worst


# ---- cache.index ----------------------------------------------------------------------------------------
def _index_problems(s: Snapshot, cache: ForeignCache, folder: str) -> list[str]:
    idx = cache.indexes.get(folder)
    on_disk = cache.entries.get(folder, {})
    array = cfg_of(s).profile.cache.windows_array
    if idx is None or not idx.exists:
        return []
    if idx.error:
        return [idx.error]
    out = []
    listed: dict[str, int | None]
    if len(idx.stems) == len(idx.counts):
        listed = dict(zip(idx.stems, idx.counts, strict=True))
    else:
        out.append(f"{idx.rel} lists {len(idx.stems):,} files but {len(idx.counts):,} window counts")
        listed = dict.fromkeys(idx.stems, None)
    absent, unlisted = sorted(set(listed) - set(on_disk)), sorted(set(on_disk) - set(listed))
    if absent:
        out.append(f"{idx.rel} lists {len(absent):,} file(s) without an entry on disk: {listing(absent)}")
    if unlisted:
        out.append(f"{len(unlisted):,} entr(ies) in {folder}/ missing from {idx.rel}: {listing(unlisted)}")
    lying = [f"{k}: index {listed[k]:,}, file {got:,}" for k in sorted(set(listed) & set(on_disk))
             if listed[k] is not None and (got := windows_of(on_disk[k], array)) is not None and got != listed[k]]
    if lying:
        out.append(f"{idx.rel} window counts differ from the entry files for {len(lying):,} file(s): "
                   f"{listing(lying, 2)} (the pipeline reuses the index without re-counting)")
    newer = sorted(e.stem for e in on_disk.values() if idx.mtime_ns is not None and e.mtime_ns > idx.mtime_ns)
    if newer:
        out.append(f"{len(newer):,} entr(ies) in {folder}/ newer than {idx.rel}: {listing(newer)}")
    return out


def _manifest_problems(s: Snapshot, cache: ForeignCache, folder: str) -> list[str]:
    man = cache.manifests.get(folder)
    if man is None or not man.exists:
        return []
    if man.error:
        return [man.error]
    array = cfg_of(s).profile.cache.windows_array
    template = cfg_of(s).profile.template
    files = {template.format(folder, stem).rsplit("/", 1)[-1]: e for stem, e in cache.entries.get(folder, {}).items()}
    per_file: Counter[str] = Counter(name for _, name, _ in man.items)
    out = []
    absent = sorted(set(per_file) - set(files))
    if absent:
        out.append(f"{man.rel} names {len(absent):,} cache file(s) not on disk: {listing(absent)}")
    counts = {name: windows_of(e, array) for name, e in files.items()}
    beyond = sorted({name for _, name, idx in man.items
                     if (n := counts.get(name)) is not None and not 0 <= idx < n})
    if beyond:
        out.append(f"{man.rel} points past the last window of {len(beyond):,} file(s): {listing(beyond)}")
    short = [f"{name}: {per_file[name]:,} of {n:,}" for name, n in sorted(counts.items())
             if n is not None and per_file[name] != n]
    if short:
        out.append(f"{man.rel} does not classify every window once for {len(short):,} entr(ies): "
                   f"{listing(short, 2)} (built from a half-built cache?)")
    newer = sorted(n for n, e in files.items() if man.mtime_ns is not None and e.mtime_ns > man.mtime_ns)
    if newer:
        out.append(f"{len(newer):,} entr(ies) in {folder}/ newer than {man.rel}: {listing(newer)}")
    return out


def index_outcome(s: Snapshot) -> Outcome:
    """The index's files and window counts, and the manifest's entries, equal the entry files on disk (F7, F8)."""
    assert s.cache is not None
    cache = npz_of(s.cache)
    if not s.cache.dir_exists:
        return Outcome("skip", f"{s.show(s.cache.root)} does not exist")
    template = cfg_of(s).profile.cache.entry
    found: list[tuple[Status, str]] = []
    for folder in cache.entries:
        found += [("fail", m) for m in _index_problems(s, cache, folder) + _manifest_problems(s, cache, folder)]
    if cache.unmatched:
        status: Status = "fail" if not cache.all_entries() else "warn"
        found.append((status, f"{len(cache.unmatched):,} file(s) do not match the entry template {template}: "
                      f"{listing(cache.unmatched)}; fix pipeline.cache.entry in tusz-guard.toml"))
    details = {"folders": {f: len(e) for f, e in cache.entries.items()},
               "indexes": {f: i.rel for f, i in cache.indexes.items() if i.exists},
               "manifests": {f: m.rel for f, m in cache.manifests.items() if m.exists},
               "problems": [m for _, m in found]}
    if found:
        return Outcome(worst(st for st, _ in found), "; ".join(m for _, m in found), details)
    held = sum(len(e) for e in cache.entries.values())
    what = [w for w, files in (("index", cache.indexes), ("manifest", cache.manifests))
            if any(f.exists for f in files.values())]
    tail = f"; {' and '.join(what)} agree with them" if what else " (no index or manifest to compare)"
    return Outcome("pass", f"{held:,} entry file(s) in {s.show(s.cache.root)}{tail}", details)


