"""The rules for an archive, in tiers, BagIt-style: safety, readable, totals, completeness, checksums; then,
with a config, the prefix, the fingerprint and the coverage of the config's recordings.

Pure functions of one finished scan (archive/scan.py reads the archive in one streaming pass); they are
registered as the archive.* checks in checks/archive_checks.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tusz_guard.archive.contents import ArchivedCache, caches, layout_problems
from tusz_guard.archive.layout import MANIFEST_NAME, config_prefix, place
from tusz_guard.archive.scan import Member, Scan
from tusz_guard.results import Finding, Outcome, Status
from tusz_guard.textsafe import safe

if TYPE_CHECKING:     # the config-side imports (pydantic, the corpus) only when a config is given
    from tusz_guard.config import LoadedConfig
    from tusz_guard.corpus.ledger import Ledger

SHOW = 5          # names listed in a message before "and N more"
KNOWN = ("entry", "cache_meta", "index", "lock")     # .lock is part of a cache but carries nothing
REPACK = "pack it again with `tusz-guard pack CONFIG`"


@dataclass(frozen=True)
class Expectation:
    """What a config expects of its archive: from the config and the ledger the other checks judge."""

    config: str                  # the config path as displayed
    prefix: str
    fingerprint: str
    params: dict[str, Any]
    ledger: Ledger


@dataclass(frozen=True)
class ArchiveView:
    """One archive as the archive.* checks see it: the finished scan and, with a config, what it expects."""

    scan: Scan
    expect: Expectation | None
    found: dict[str, ArchivedCache]
    main: ArchivedCache | None


def printable(name: str) -> str:
    """A member name as it may be shown: control characters escaped (no terminal escapes reach the user)."""
    return safe(name)


def expectation(cfg: LoadedConfig, ledger: Ledger) -> Expectation:
    """The config's prefix, fingerprint and the ledger already built for it (no second corpus scan)."""
    from tusz_guard.cache.fingerprint import fingerprint, fingerprint_params

    return Expectation(config=cfg.display(cfg.path), prefix=config_prefix(cfg), fingerprint=fingerprint(cfg),
                       params=fingerprint_params(cfg), ledger=ledger)


def view_of(scan: Scan, expect: Expectation | None) -> ArchiveView:
    """The caches the scan holds and the one it is about (pure)."""
    found = caches(scan)
    return ArchiveView(scan=scan, expect=expect, found=found, main=main_cache(scan, found, expect))


def main_cache(scan: Scan, found: dict[str, ArchivedCache], expect: Expectation | None) -> ArchivedCache | None:
    """The cache the archive is about: the manifest's prefix, else the config's, else the only one."""
    if scan.manifest is not None:
        return found.get(scan.manifest.prefix)
    if expect is not None and expect.prefix in found:
        return found[expect.prefix]
    return next(iter(found.values())) if len(found) == 1 else None


def _o(status: Status, message: str, **details: Any) -> Outcome:
    return Outcome(status, message, details)


def _names(items: list[str], n: int = SHOW) -> str:
    more = f" and {len(items) - n:,} more" if len(items) > n else ""
    return "; ".join(items[:n]) + more


def _payload(scan: Scan) -> list[Member]:
    """The regular files that are cache content (the leading manifest member excluded)."""
    return scan.files[1:] if scan.manifest_member else scan.files


# ---- tier 1: safety -----------------------------------------------------------------------------------
def safety(scan: Scan) -> Outcome:
    if scan.unsafe:
        listed = [f"'{printable(u.name)}' ({u.problem})" for u in scan.unsafe]
        return _o("fail",
                  f"{len(scan.unsafe):,} unsafe member(s): {_names(listed)}; unpack refuses this archive; "
                  f"{REPACK}", unsafe=[{"member": printable(u.name), "problem": u.problem} for u in scan.unsafe])
    return _o("pass", f"{len(scan.members):,} members: regular files and directories with "
              "relative, unique names", members=len(scan.members))


# ---- tier 2: readable to the end --------------------------------------------------------------------------
def readable(scan: Scan) -> Outcome:
    if scan.read_error:
        return _o("fail", f"{scan.archive.name}: {scan.read_error}",
                  error=scan.read_error, members_read=len(scan.members))
    return _o("pass", f"read to the end: {scan.archive_bytes:,} bytes ({scan.compression}), {scan.decoded_bytes:,} "
              f"bytes of tar, {len(scan.members):,} members", compression=scan.compression)


def _unreadable() -> Outcome:
    return _o("skip", "not decided: the archive does not read to the end (see archive.readable)")


# ---- tier 3: totals ----------------------------------------------------------------------------------
def totals(scan: Scan) -> Outcome:
    if not scan.readable:
        return _unreadable()
    files = _payload(scan)
    n, size = len(files), sum(m.size for m in files)
    if not scan.members:
        return _o("fail", "the archive holds no members: it is empty; " + REPACK)
    m = scan.manifest
    if m is None:
        return _o("warn", f"no manifest (made with plain tar?): {n:,} files, {size:,} bytes; "
                  "completeness is checked against the entries' own meta.json and there are no checksums; "
                  f"use `tusz-guard pack` for archives", files=n, bytes=size, manifest=False)
    if n != len(m.members) or size != m.total_bytes:
        return _o("fail", f"holds {n:,} files ({size:,} bytes), the manifest declares "
                  f"{len(m.members):,} ({m.total_bytes:,} bytes); {REPACK}", files=n, bytes=size,
                  declared_files=len(m.members), declared_bytes=m.total_bytes)
    if m.partial:
        cov = ", ".join(f"{c.covered:,} of {c.included:,} {r}" for r, c in m.coverage.items())
        return _o("warn", f"{n:,} files, {size:,} bytes as declared; packed with "
                  f"--allow-partial: it covers {cov}", files=n, bytes=size, partial=True)
    return _o("pass", f"{n:,} files, {size:,} bytes, as the manifest declares", files=n, bytes=size)


# ---- tier 4: completeness -------------------------------------------------------------------------------
def completeness(scan: Scan, found: dict[str, ArchivedCache]) -> Outcome:
    if not scan.readable:
        return _unreadable()
    if scan.manifest_error:
        return _o("fail", f"{MANIFEST_NAME}: {scan.manifest_error}; {REPACK}")
    problems = manifest_problems(scan, found) if scan.manifest else []
    if not found:
        problems.append("the archive holds no tusz-guard cache (no tusz-guard-cache.json, no entries/)")
    for cache in found.values():
        problems += layout_problems(cache)
    extra = [m.path or m.name for m in _payload(scan) if place(m.path).kind not in KNOWN]
    if problems:
        return _o("fail", f"{len(problems):,} problem(s): {_names(problems)}; {REPACK}",
                  problems=problems)
    entries = sum(len(c.files) for c in found.values())
    if scan.manifest is None or extra:
        note = f"; not part of the cache format, unpack skips them: {_names(extra)}" if extra else ""
        basis = "the manifest" if scan.manifest else "the entries' own meta.json (no manifest)"
        return _o("warn", f"{entries:,} complete entries, consistent with {basis}{note}",
                  entries=entries, not_cache=extra)
    return _o("pass", f"every member the manifest lists is there with its size; "
              f"{entries:,} complete entries", entries=entries)


def manifest_problems(scan: Scan, found: dict[str, ArchivedCache]) -> list[str]:
    """Members missing, unexpected or of another size than the manifest says; recordings it lists but lacks."""
    m = scan.manifest
    assert m is not None
    actual = {f.name: f for f in _payload(scan)}
    out = [f"member '{d.name}' ({d.size:,} bytes) is missing" for d in m.members if d.name not in actual]
    out += [f"member '{name}' is not in the manifest" for name in actual if m.member(name) is None]
    out += [f"member '{name}' is {f.size:,} bytes, the manifest declares {d.size:,}"
            for name, f in actual.items() if (d := m.member(name)) is not None and d.size != f.size]
    out += [f"manifest member '{d.name}' is outside its prefix {m.prefix}/" for d in m.members
            if not d.name.startswith(f"{m.prefix}/")]
    cache = found.get(m.prefix)
    for role, keys in m.recordings.items():
        lacking = [k for k in keys if cache is None or k not in cache.records]
        out += [f"the manifest lists {role} recording {k}, the archive holds no entries/{k}" for k in lacking]
        if role in m.coverage and m.coverage[role].covered != len(keys):
            out.append(f"the manifest's {role} coverage says {m.coverage[role].covered:,} covered but lists "
                       f"{len(keys):,} recordings")
    return out


# ---- tier 5: checksums ----------------------------------------------------------------------------------
def checksums(scan: Scan) -> Outcome:
    if not scan.readable:
        return _unreadable()
    m = scan.manifest
    if m is None:
        status: Status = "skip" if scan.manifest_error else "warn"
        return _o(status, "no manifest, so no checksums to compare: sizes were checked against "
                  "each entry's meta.json only; use `tusz-guard pack` for archives with checksums")
    bad = [f.name for f in _payload(scan) if (d := m.member(f.name)) is not None and d.sha256 != f.sha256]
    if bad:
        return _o("fail", f"{len(bad):,} member(s) differ from the manifest's sha256: "
                  f"{_names(bad)}: changed or corrupted after packing; {REPACK} from the cache",
                  mismatched=bad)
    n = sum(1 for f in _payload(scan) if m.member(f.name) is not None)
    return _o("pass", f"{n:,} sha256 sums match the manifest", checked=n)


# ---- with a config: prefix, fingerprint, coverage --------------------------------------------------------------
def prefix(scan: Scan, found: dict[str, ArchivedCache], expect: Expectation) -> Outcome:
    held = [scan.manifest.prefix] if scan.manifest else list(found)
    shown = ", ".join(f"{p}/" if p else "(the archive root)" for p in held) or "no cache"
    details = {"archive_prefixes": held, "config_prefix": expect.prefix}
    if held == [expect.prefix]:
        return _o("pass", f"members are under {expect.prefix}/, the cache dir of {expect.config}",
                  **details)
    if expect.prefix in held:
        return _o("warn", f"the archive holds {shown}; {expect.config} reads {expect.prefix}/ "
                  "(unpack takes only that one)", **details)
    return _o("fail", f"the archive holds {shown}, but {expect.config} reads {expect.prefix}/ "
              f"(data.cache_dir): it is another config's cache; pack this one with "
              f"`tusz-guard pack {expect.config}`", **details)


def fingerprint_finding(scan: Scan, main: ArchivedCache | None, expect: Expectation) -> Outcome:
    fp = scan.manifest.fingerprint if scan.manifest else (main.fingerprint if main else None)
    if fp is None:
        return _o("fail", "the archive carries no fingerprint (no cache metadata, no entry "
                  f"records); {REPACK}", config_fingerprint=expect.fingerprint)
    others = sorted(k for k, r in (main.records if main else {}).items() if r.fingerprint != expect.fingerprint)
    details = {"archive_fingerprint": fp, "config_fingerprint": expect.fingerprint, "other_entries": len(others)}
    if fp != expect.fingerprint:
        params = main.params if main else None
        from tusz_guard.cache.fingerprint import diff_params

        why = "; ".join(diff_params(params, expect.params)) if params else "its cache metadata holds no params"
        return _o("fail", f"the archive was built with fingerprint {fp}, {expect.config} "
                  f"has {expect.fingerprint} ({why}): every entry would be stale; rebuild with "
                  f"`tusz-guard build-cache {expect.config}` and pack again", **details)
    if others:
        return _o("warn", f"fingerprint {fp} matches, but {len(others):,} entries carry "
                  f"another: {_names(others)} (they count as stale)", **details)
    return _o("pass", f"fingerprint {fp} matches {expect.config}", **details)


def coverage(scan: Scan, main: ArchivedCache | None, expect: Expectation) -> Outcome:
    from tusz_guard.corpus.ledger import TRAINING_ROLES

    if not scan.readable:
        return _unreadable()
    roles = role_coverage(main, expect)
    details: dict[str, Any] = {"roles": roles}
    parts = [f"{r['covered']:,} of {r['included']:,} {role}" for role, r in roles.items() if r["included"]]
    short = [role for role in TRAINING_ROLES if roles[role]["covered"] < roles[role]["included"]]
    text = f"holds {', '.join(parts) or 'none'} recordings current for {expect.config}"
    if short:
        live = sum(roles[r]["included"] - roles[r]["covered"] for r in TRAINING_ROLES)
        stale = _names([s for r in TRAINING_ROLES for s in roles[r]["stale"]], 3)
        why = f"; stale: {stale}" if stale else ""
        return _o("fail", f"{text}: {live:,} training recordings would be processed live"
                  f"{why}; build with `tusz-guard build-cache {expect.config}` and pack again", **details)
    if roles["test"]["covered"] < roles["test"]["included"]:
        return _o("warn", f"{text}: test is incomplete (evaluation would process "
                  f"{roles['test']['included'] - roles['test']['covered']:,} live)", **details)
    return _o("pass", text, **details)


def role_coverage(main: ArchivedCache | None, expect: Expectation) -> dict[str, dict[str, Any]]:
    """Per role: included, covered (current), stale with reasons, missing (first 20 named)."""
    from tusz_guard.cache.plan import plan
    from tusz_guard.corpus.ledger import ROLES

    items = plan(expect.ledger, main.records if main else {}, expect.fingerprint, roles=ROLES).items
    out: dict[str, dict[str, Any]] = {}
    for role in ROLES:
        mine = [i for i in items if i.recording.role == role]
        stale = [f"{i.recording.stem} ({i.reason})" for i in mine if i.state == "stale"]
        missing = [i.recording.stem for i in mine if i.state == "missing"]
        out[role] = {"included": len(mine), "covered": sum(i.state == "current" for i in mine),
                     "stale": stale[:20], "n_stale": len(stale), "missing": missing[:20], "n_missing": len(missing)}
    return out


# ---- the report's archive section ---------------------------------------------------------------------------
def summary(view: ArchiveView, findings: list[Finding]) -> dict[str, Any]:
    """Plain facts for the report's archive section (Report.sections['archive']), the one shape of it."""
    scan, found, main = view.scan, view.found, view.main
    m = scan.manifest
    mb = scan.decoded_bytes / 1e6
    out: dict[str, Any] = {
        "archive": str(scan.archive), "compression": scan.compression, "archive_bytes": scan.archive_bytes,
        "members": len(scan.members), "tar_bytes": scan.decoded_bytes, "manifest": m is not None,
        "prefixes": [m.prefix] if m else list(found), "fingerprint": m.fingerprint if m else (main.fingerprint if main else None),
        "packed_from": m.config if m else None, "partial": m.partial if m else None,
        "entries": len(main.files) if main else 0, "seconds": round(scan.seconds, 3),
        "verify_mb_per_s": round(mb / scan.seconds, 1) if scan.seconds > 0 else None,
        "status": {f.id: f.status for f in findings},
    }
    cov = next((f for f in findings if f.id == "archive.coverage" and "roles" in f.details), None)
    if cov is not None:
        out["coverage"] = {r: f"{v['covered']:,} of {v['included']:,}" for r, v in cov.details["roles"].items()}
    return out
