"""The floor of a corpus scan: what any scan must do, and nothing else (issue 15's floor).

One directory walk, one stat per EDF, its header bytes, both annotation files read whole; no parsing. With
`check` it also reads the cache index and lists each entry folder (one scandir per entry).

With `--stat-only`, the floor of a *memoised* scan instead (issue 15's "stat floor"): what any memo must still
do to know that nothing changed, and nothing else: list every folder and lstat every file under the corpus
(with `check`: the cache index, and every file of every entry folder). No file is opened.

    python bench/scan_floor.py CONFIG [inventory|check] [--stat-only]
"""
from __future__ import annotations

import os
import sys

import yaml


def walk(root: str) -> list[str]:
    found, stack = [], [root]
    while stack:
        with os.scandir(stack.pop()) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    stack.append(e.path)
                elif e.name.endswith(".edf"):
                    found.append(e.path)
    return found


def stat_all(root: str) -> int:
    """Every folder listed, every file lstat'ed: what validating a memo of root costs at least."""
    n, stack = 0, [root]
    while stack:
        with os.scandir(stack.pop()) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    stack.append(e.path)
                else:
                    e.stat(follow_symlinks=False)
                    n += 1
    return n


def main() -> None:
    config = sys.argv[1]
    if "--stat-only" in sys.argv:
        sys.argv.remove("--stat-only")
        with open(config) as f:
            doc = yaml.safe_load(f)
        here = os.path.dirname(os.path.dirname(os.path.abspath(config)))
        total = stat_all(os.path.join(here, doc["data"]["data_dir"]))
        if len(sys.argv) > 2 and sys.argv[2] == "check":
            cache = os.path.join(here, doc["data"].get("cache_dir", "cache/tusz"))
            os.stat(os.path.join(cache, "index.json"))
            total += stat_all(os.path.join(cache, "entries"))
        print(total)
        return
    with open(config) as f:
        doc = yaml.safe_load(f)
    here = os.path.dirname(os.path.dirname(os.path.abspath(config)))
    data = os.path.join(here, doc["data"]["data_dir"])
    total = 0
    for path in walk(data):
        os.stat(path)
        with open(path, "rb") as f:
            total += len(f.read(256 + 40 * 256))
        stem = path[:-4]
        for suffix in (".csv_bi", ".csv"):
            try:
                with open(stem + suffix, "rb") as f:
                    total += len(f.read())
            except OSError:
                pass
    if len(sys.argv) > 2 and sys.argv[2] == "check":
        cache = os.path.join(here, doc["data"].get("cache_dir", "cache/tusz"))
        with open(os.path.join(cache, "index.json"), "rb") as f:
            total += len(f.read())
        with os.scandir(os.path.join(cache, "entries")) as it:
            for e in it:
                with os.scandir(e.path) as inner:
                    total += sum(1 for _ in inner)
    print(total)


if __name__ == "__main__":
    main()
