"""Bad-input sweep: every command x many kinds of bad input ends in exit 1/2 with a one-line message
naming the file or key, never a traceback or exit 3, and changes nothing it should not.

Each table row is (id, how the bad input is made, expected exit codes, text the output must name).
"""
from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import yaml

from tusz_guard.cli import run

SMALL = {"preprocessing": {"sampling_rate": 64, "bandpass": [0.5, 30.0], "notch": None, "dtype": "float16"}}
BLOCKED, USAGE = 1, 2
EDF_REL = "train/aaayymgf/s001_2009/02_tcp_le/aaayymgf_s001_t000.edf"   # included in the tiny corpus
ENTRY = "aaayymgf_s001_t000"


# ---- helpers ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    code: int
    text: str       # stdout + stderr
    out: str        # stdout alone


def invoke(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Outcome:
    """Run the CLI in-process; every outcome must be free of tracebacks and internal errors."""
    capsys.readouterr()
    code = run([str(a) for a in argv])
    captured = capsys.readouterr()
    outcome = Outcome(code, captured.out + captured.err, captured.out)
    assert "Traceback" not in outcome.text, outcome.text
    assert code != 3 and "internal error" not in outcome.text, outcome.text
    return outcome


def expect(outcome: Outcome, codes: set[int], *needles: str) -> None:
    assert outcome.code in codes, outcome.text
    for needle in needles:
        assert needle in outcome.text, f"{needle!r} not in:\n{outcome.text}"


Tree = dict[str, tuple[bool, int, int]]


def tree(root: Path) -> Tree:
    """Every path under root: (is_dir, size, mtime_ns); symlinks are not followed."""
    out: Tree = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            out[p.relative_to(root).as_posix()] = (p.is_dir() and not p.is_symlink(), st.st_size,
                                                   0 if p.is_dir() else st.st_mtime_ns)
    return out


def write_config(project: Path, doc: dict | str | bytes, name: str = "train") -> Path:
    (project / "configs").mkdir(parents=True, exist_ok=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'user-project'\n")
    path = project / "configs" / f"{name}.yaml"
    if isinstance(doc, bytes):
        path.write_bytes(doc)
    else:
        path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def base_doc(data_dir: str, cache_dir: str = "cache/tusz", **sections: dict) -> dict:
    doc = {"experiment": {"name": "tusz_train", "kind": "full", "output_dir": "results/train"},
           "data": {"data_dir": data_dir, "cache_dir": cache_dir},
           "training": {"epochs": 1, "batch_size": 8}, **SMALL}
    for key, value in sections.items():
        doc[key] = {**doc.get(key, {}), **value}
    return doc


@pytest.fixture(scope="module")
def built(tiny_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose small cache/tusz covers train and val of the tiny corpus (read-only; copy it)."""
    cfg = write_config(tmp_path_factory.mktemp("built") / "project", base_doc(str(tiny_corpus / "edf")))
    assert run(["build-cache", str(cfg), "--workers", "1"]) == 0
    return cfg.parent.parent


@pytest.fixture(scope="module")
def archive(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built cache packed with gz (read-only)."""
    out = tmp_path_factory.mktemp("archive") / "cache.tar.gz"
    assert run(["pack", str(built / "configs" / "train.yaml"), "--compression", "gz", "-o", str(out)]) == 0
    return out


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built project; returns its config."""
    shutil.copytree(built, tmp_path / "project")
    return tmp_path / "project" / "configs" / "train.yaml"


# ---- configs ---------------------------------------------------------------------------------------
# Commands that take one config and must refuse a broken one before touching anything.
CONFIG_COMMANDS: dict[str, list[str]] = {
    "inventory": ["inventory", "{cfg}"],
    "check": ["check", "{cfg}", "--no-expectations"],
    "build-cache": ["build-cache", "{cfg}", "--workers", "1"],
    "pack": ["pack", "{cfg}", "-o", "{project}/out.tar.zst"],
    "train": ["train", "{cfg}"],
    "verify-archive": ["verify-archive", "{archive}", "--config", "{cfg}"],
    "unpack": ["unpack", "{archive}", "--config", "{cfg}"],
    "verify-copy": ["verify-copy", "{cfg}", "{project}/copy"],
}


def _laughs() -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\nexperiment: {name: *a9}\n"




# (id, config maker given (project, data_dir) -> path, text the message must name)
ConfigMaker = Callable[[Path, str], Path]
CONFIG_CASES: list[tuple[str, ConfigMaker, str]] = [
    ("deep-nesting", lambda p, d: write_config(p, "x: " + "[" * 50_000 + "]" * 50_000), "train.yaml"),
    ("negative-seed", lambda p, d: write_config(p, base_doc(d, experiment={"seed": -1})), "experiment.seed"),
    ("a-directory", lambda p, d: (write_config(p, "x: 1"), (p / "configs" / "dir.yaml").mkdir())[1]
     or p / "configs" / "dir.yaml", "dir.yaml"),
    ("binary-garbage", lambda p, d: write_config(p, bytes(range(256)) * 4), "train.yaml"),
    ("latin1-bytes", lambda p, d: write_config(p, "experiment: {name: caf\xe9}\n".encode("latin-1")), "train.yaml"),
    ("top-level-list", lambda p, d: write_config(p, "- 1\n- 2\n"), "train.yaml"),
    ("yaml-syntax", lambda p, d: write_config(p, "data: {data_dir: [unclosed\n"), "line"),
    ("python-tag", lambda p, d: write_config(p, "data: !!python/object/apply:os.system ['true']\n"), "train.yaml"),
    ("epochs-string", lambda p, d: write_config(p, base_doc(d, training={"epochs": "ten"})), "training.epochs"),
    ("batch-negative", lambda p, d: write_config(p, base_doc(d, training={"batch_size": -1})), "training.batch_size"),
    ("data-is-list", lambda p, d: write_config(p, {**base_doc(d), "data": [d]}), "data"),
    ("data-dir-int", lambda p, d: write_config(p, base_doc(d, data={"data_dir": 5})), "data.data_dir"),
    ("rate-float-str", lambda p, d: write_config(p, base_doc(d, preprocessing={"sampling_rate": "fast"})),
     "preprocessing.sampling_rate"),
    ("bandpass-3", lambda p, d: write_config(p, base_doc(d, preprocessing={"bandpass": [1, 2, 3]})),
     "preprocessing.bandpass"),
    ("labels-dict", lambda p, d: write_config(p, base_doc(d, labels={"seizure": {"a": 1}})), "labels.seizure"),
    ("key-wrong-level", lambda p, d: write_config(p, {**base_doc(d), "cache_dir": "cache/x"}), "data.cache_dir"),
    ("typo-key", lambda p, d: write_config(p, base_doc(d, data={"cahce_dir": "x"})), "data.cache_dir"),
    ("unset-var", lambda p, d: write_config(p, base_doc("${TUSZ_GUARD_SWEEP_UNSET}/edf")),
     "TUSZ_GUARD_SWEEP_UNSET"),
    ("nan-rate", lambda p, d: write_config(p, base_doc(d, training={"learning_rate": float("nan")})),
     "training.learning_rate"),
    ("huge-int", lambda p, d: write_config(p, base_doc(d, experiment={"seed": 10 ** 400})), "train.yaml"),
    ("null-section", lambda p, d: write_config(p, {**base_doc(d), "training": None}), "training"),
    # numbers the schema bounds (issue 12 item 3): infinite, NaN, huge
    ("stride-inf", lambda p, d: write_config(p, base_doc(d, windows={"stride_s": float("inf")})), "windows.stride_s"),
    ("stride-1e308", lambda p, d: write_config(p, base_doc(d, windows={"stride_s": 1e308})), "windows.stride_s"),
    ("notch-nan", lambda p, d: write_config(p, base_doc(d, preprocessing={"notch": float("nan")})),
     "preprocessing.notch"),
    ("notch-negative", lambda p, d: write_config(p, base_doc(d, preprocessing={"notch": -60})), "preprocessing.notch"),
    ("rate-inf", lambda p, d: write_config(p, base_doc(d, training={"learning_rate": float("inf")})),
     "training.learning_rate"),
    ("workers-100000", lambda p, d: write_config(p, base_doc(d, training={"num_workers": 100_000})),
     "training.num_workers"),
    # a second block of one key would silently win: both line numbers are named (issue 12 item 12)
    ("duplicate-key", lambda p, d: write_config(p, yaml.safe_dump(base_doc(d), sort_keys=False)
                                                + "windows: {stride_s: 5}\nwindows: {stride_s: 7}\n"),
     "duplicate key 'windows' at lines"),
]


@pytest.fixture(scope="module")
def data_dir(tiny_corpus: Path) -> str:
    return str(tiny_corpus / "edf")


@pytest.mark.parametrize("command", sorted(CONFIG_COMMANDS))
@pytest.mark.parametrize(("case", "make", "needle"), CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_broken_config_is_one_line_usage_error(command: str, case: str, make: ConfigMaker, needle: str,
                                               tmp_path: Path, data_dir: str, tiny_corpus: Path,
                                               archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "project"
    cfg = make(project, data_dir)
    before, corpus_before = tree(tmp_path), tree(tiny_corpus)
    argv = [a.format(cfg=cfg, project=project, archive=archive) for a in CONFIG_COMMANDS[command]]
    outcome = invoke(argv, capsys)
    expect(outcome, {USAGE}, needle)
    errors = [line for line in outcome.text.splitlines() if line.lower().startswith("error:")]
    assert len(errors) == 1, outcome.text
    assert tree(tmp_path) == before
    assert tree(tiny_corpus) == corpus_before


def test_billion_laughs_config_is_refused_quickly(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "project", _laughs())
    # 9 levels of 9 aliases expand to 387 million strings: refused after counting 100,000 of them
    proc = subprocess.run([sys.executable, "-m", "tusz_guard.cli", "check", str(cfg), "--no-expectations"],
                          capture_output=True, text=True, timeout=60)   # the hang it guards against takes hours
    assert proc.returncode == USAGE, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "train.yaml" in proc.stderr and "more than 100,000 values" in proc.stderr


# Configs that are well-formed but point at the wrong places.
def _data_dir_is_file(project: Path, data_dir: str) -> Path:
    (project / "afile").parent.mkdir(parents=True, exist_ok=True)
    (project / "afile").write_text("not a folder")
    return write_config(project, base_doc(str(project / "afile")))


def _data_dir_missing(project: Path, data_dir: str) -> Path:
    return write_config(project, base_doc(str(project / "no" / "such" / "edf")))


def _cache_is_file(project: Path, data_dir: str) -> Path:
    (project / "cache").mkdir(parents=True, exist_ok=True)
    (project / "cache" / "tusz").write_text("a file, not a cache")
    return write_config(project, base_doc(data_dir))


PATH_CASES: list[tuple[str, ConfigMaker, dict[str, set[int]], str]] = [
    # an empty file is a config error for every command (issue 13.6), not a full config of defaults
    ("empty-config", lambda p, d: write_config(p, ""),
     {"inventory": {USAGE}, "check": {USAGE}, "build-cache": {USAGE}, "pack": {USAGE}, "train": {USAGE}},
     "the config is empty"),
    ("data-dir-is-a-file", _data_dir_is_file,
     {"inventory": {USAGE}, "check": {BLOCKED, USAGE}, "build-cache": {BLOCKED, USAGE}, "pack": {BLOCKED, USAGE},
      "train": {BLOCKED, USAGE}}, "afile"),
    ("data-dir-missing", _data_dir_missing,
     {"inventory": {USAGE}, "check": {BLOCKED, USAGE}, "build-cache": {BLOCKED, USAGE}, "pack": {BLOCKED, USAGE},
      "train": {BLOCKED, USAGE}}, "no/such/edf"),
    ("cache-dir-is-a-file", _cache_is_file,
     {"check": {BLOCKED, USAGE}, "build-cache": {BLOCKED, USAGE}, "pack": {BLOCKED, USAGE},
      "train": {BLOCKED, USAGE}, "unpack": {BLOCKED, USAGE}}, "cache/tusz"),
]
PATH_ARGV = {**CONFIG_COMMANDS, "build-cache": ["build-cache", "{cfg}", "--workers", "1"]}


@pytest.mark.parametrize(("case", "make", "codes", "needle"), PATH_CASES, ids=[c[0] for c in PATH_CASES])
def test_config_pointing_at_wrong_places(case: str, make: ConfigMaker, codes: dict[str, set[int]], needle: str,
                                         tmp_path: Path, data_dir: str, tiny_corpus: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "project"
    cfg = make(project, data_dir)
    corpus_before = tree(tiny_corpus)
    for command, allowed in codes.items():
        before = tree(project)
        argv = [a.format(cfg=cfg, project=project, archive=project / "none.tar.zst") for a in PATH_ARGV[command]]
        outcome = invoke(argv, capsys)
        expect(outcome, allowed, needle)
        changed = {k for k in set(before) ^ set(tree(project))}
        assert all(k.startswith(("reports", "results")) for k in changed), (command, changed)
    assert tree(tiny_corpus) == corpus_before


def test_cache_dir_inside_data_dir_never_writes_into_the_corpus(corpus_copy: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_config(tmp_path / "project", base_doc(str(corpus_copy / "edf"), str(corpus_copy / "edf" / "cache")))
    before = tree(corpus_copy)
    check = invoke(["check", cfg, "--no-expectations"], capsys)
    expect(check, {BLOCKED, USAGE}, "cache")
    build = invoke(["build-cache", cfg, "--workers", "1"], capsys)
    expect(build, {BLOCKED, USAGE}, "cache")
    assert tree(corpus_copy) == before


@pytest.mark.parametrize("name", ["dotdot", "unicode"])
def test_relative_dotdot_and_unicode_paths_work(name: str, tiny_corpus: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    base = tmp_path / ("prøject-ü 脑电" if name == "unicode" else "work")
    corpus = base / "données" / "corpus"
    shutil.copytree(tiny_corpus, corpus)
    project = base / "sub" / "project"
    cfg = write_config(project, base_doc("../../données/corpus/edf", "../cache/tusz"))
    before = tree(corpus)
    expect(invoke(["inventory", cfg], capsys), {0})
    expect(invoke(["build-cache", cfg, "--workers", "1", "--dry-run"], capsys), {0})
    expect(invoke(["check", cfg, "--no-expectations", "--select", "config.*"], capsys), {0})
    assert tree(corpus) == before


# ---- outputs: every command that takes -o refuses an unwritable one in one line ----------------------------------
OUTPUT_COMMANDS: dict[str, list[str]] = {
    "check": ["check", "{cfg}", "--no-expectations", "--format", "json", "-o", "{out}"],
    "inventory": ["inventory", "{cfg}", "--format", "json", "-o", "{out}"],
    "pack": ["pack", "{cfg}", "--compression", "gz", "-o", "{out}"],
    "verify-archive": ["verify-archive", "{archive}", "--format", "json", "-o", "{out}"],
    "verify-copy": ["verify-copy", "{cfg}", "{copy}", "--format", "json", "-o", "{out}"],
}


def _output_argv(command: str, project: Path, archive: Path, out: Path) -> list[str]:
    copy = project.parents[1] / "copy"
    if not copy.exists():
        shutil.copytree(project.parents[1] / "cache" / "tusz", copy)
    return [a.format(cfg=project, archive=archive, copy=copy, out=out) for a in OUTPUT_COMMANDS[command]]


def _one_error_line(text: str, *needles: str) -> None:
    errors = [line for line in text.splitlines() if line.lower().startswith("error:")]
    assert len(errors) == 1 and all(n in errors[0] for n in needles), text


@pytest.mark.parametrize("command", sorted(OUTPUT_COMMANDS))
def test_over_long_output_name_is_one_line(command: str, project: Path, archive: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / ("a" * 296 + ".json")         # 301 characters: over the 255-byte limit of a name
    outcome = invoke(_output_argv(command, project, archive, out), capsys)
    expect(outcome, {BLOCKED, USAGE})
    _one_error_line(outcome.text, f"cannot write {out}", "longer than")


@pytest.mark.parametrize("command", sorted(OUTPUT_COMMANDS))
def test_read_only_output_folder_is_one_line(command: str, unprivileged: list[str], project: Path, archive: Path,
                                             tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    argv = _output_argv(command, project, archive, folder / "out.json")
    try:          # as root (CI) through `unprivileged`: root writes into a mode-0555 folder anyway
        proc = subprocess.run([*unprivileged, sys.executable, "-m", "tusz_guard.cli", *argv], capture_output=True,
                              text=True, timeout=300)
    finally:
        folder.chmod(0o755)
    assert proc.returncode in (BLOCKED, USAGE), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    _one_error_line(proc.stdout + proc.stderr, f"cannot write {folder}", "permissions")
    assert os.listdir(folder) == []


# ---- corpus ----------------------------------------------------------------------------------------
def _poke(path: Path, offset: int, text: str) -> None:
    data = bytearray(path.read_bytes())
    data[offset:offset + len(text)] = text.encode("ascii")
    path.write_bytes(bytes(data))


def _signal_field(path: Path, field_offset: int, width: int, text: str) -> None:
    """Overwrite the first signal's value of a per-signal header field (offsets in units of ns)."""
    n_signals = int(path.read_bytes()[252:256])
    _poke(path, 256 + field_offset * n_signals, text.ljust(width))


def _replace(path: Path, make: Callable[[Path], None]) -> None:
    path.unlink()
    make(path)


def _annotations(path: Path, text: str | bytes) -> None:
    target = path.with_suffix(".csv_bi")
    target.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))


HEADER = ("# version = csv_v1.0.0\n# bname = aaayymgf_s001_t000\n# duration = 76.00 secs\n#\n"
          "channel,start_time,stop_time,label,confidence\n")

# (id, mutation of the EDF path, expected ledger status, reason (None: included), text inventory must show)
CORPUS_CASES: list[tuple[str, Callable[[Path], None], str, str | None, str]] = [
    ("ns-0", lambda p: _poke(p, 252, "0   "), "excluded", "unreadable", "number of signals is 0"),
    ("ns-9999", lambda p: _poke(p, 252, "9999"), "excluded", "unreadable", "header truncated"),
    ("ns-1e6", lambda p: _poke(p, 252, "1e6 "), "excluded", "unreadable", "aaayymgf_s001_t000"),
    ("ns-nan", lambda p: _poke(p, 252, "nan "), "excluded", "unreadable", "aaayymgf_s001_t000"),
    ("records-negative", lambda p: _poke(p, 236, "-5      "), "excluded", "unreadable", "aaayymgf_s001_t000"),
    ("records-nan", lambda p: _poke(p, 236, "nan     "), "excluded", "unreadable", "aaayymgf_s001_t000"),
    ("duration-nan", lambda p: _poke(p, 244, "nan     "), "excluded", "unreadable", "aaayymgf_s001_t000"),
    ("duration-zero", lambda p: _poke(p, 244, "0       "), "excluded", "unreadable", "aaayymgf_s001_t000"),
    ("physmin-nan", lambda p: _signal_field(p, 104, 8, "nan"), "excluded", "unreadable", "aaayymgf_s001_t000"),
    ("samples-nan", lambda p: _signal_field(p, 216, 8, "nan"), "excluded", "unreadable", "aaayymgf_s001_t000"),
    ("samples-negative", lambda p: _signal_field(p, 216, 8, "-256"), "excluded", "unreadable",
     "aaayymgf_s001_t000"),
    ("truncated-header", lambda p: p.write_bytes(p.read_bytes()[:300]), "excluded", "unreadable",
     "aaayymgf_s001_t000"),
    ("edf-is-directory", lambda p: _replace(p, lambda q: q.mkdir()), "excluded", "unreadable",
     "aaayymgf_s001_t000"),
    ("symlink-loop", lambda p: _replace(p, lambda q: q.symlink_to(q.name)), "excluded", "unreadable",
     "aaayymgf_s001_t000"),
    ("dangling-symlink", lambda p: _replace(p, lambda q: q.symlink_to("nowhere.edf")), "excluded", "unreadable",
     "aaayymgf_s001_t000"),
    ("csv-bi-empty", lambda p: _annotations(p, b""), "excluded", "bad_annotations", "aaayymgf_s001_t000"),
    ("csv-bi-directory", lambda p: (p.with_suffix(".csv_bi").unlink(), p.with_suffix(".csv_bi").mkdir()),
     "excluded", "bad_annotations", "aaayymgf_s001_t000"),
    ("csv-bi-crlf", lambda p: _annotations(p, (HEADER + "TERM,0.0000,76.0000,bckg,1.0000\n").replace("\n", "\r\n")),
     "included", None, "aaayymgf"),
    ("csv-bi-bom", lambda p: _annotations(p, "\ufeff" + HEADER + "TERM,0.0000,76.0000,bckg,1.0000\n"),
     "included", None, "aaayymgf"),
    ("csv-bi-latin1", lambda p: _annotations(p, (HEADER + "TERM,0.0,76.0,bckg,1.0 # caf\xe9\n").encode("latin-1")),
     "excluded", "bad_annotations", "UTF-8"),
    ("csv-bi-100k-rows", lambda p: _annotations(p, HEADER + "".join(
        f"TERM,{i * 0.0007:.4f},{(i + 1) * 0.0007:.4f},bckg,1.0000\n" for i in range(100_000))),
     "included", None, "aaayymgf_s001_t000"),
    # a parsed event outside [0, duration] keeps the recording in the ledger; labels.parse blocks (below)
    ("csv-bi-negative-time", lambda p: _annotations(p, HEADER + "TERM,-5.0000,76.0000,bckg,1.0000\n"),
     "included", None, "aaayymgf_s001_t000"),
    ("csv-bi-stop-before-start", lambda p: _annotations(p, HEADER + "TERM,50.0000,10.0000,seiz,1.0000\n"),
     "excluded", "bad_annotations", "aaayymgf_s001_t000"),
    ("csv-bi-huge-numbers", lambda p: _annotations(p, HEADER + "TERM,0.0000,1e400,seiz,1.0000\n"),
     "excluded", "bad_annotations", "aaayymgf_s001_t000"),
    ("csv-bi-nan", lambda p: _annotations(p, HEADER + "TERM,nan,76.0000,seiz,1.0000\n"),
     "excluded", "bad_annotations", "aaayymgf_s001_t000"),
    ("dir-named-edf", lambda p: (p.parent / "aaayymgf_s001_t009.edf").mkdir(), "included", None,
     "aaayymgf_s001_t009.edf"),
    ("script-folder", lambda p: shutil.copytree(p.parent.parent.parent, p.parents[3] / "<script>alert(1)</script>"),
     "included", None, "<script>alert(1)</script>"),
]


CHECK_BLOCKS = {"csv-bi-negative-time": "event -5-76 s lies outside [0, 76] s"}


@pytest.mark.parametrize(("case", "mutate", "status", "reason", "needle"),
                         [pytest.param(*c, id=c[0]) for c in CORPUS_CASES])
def test_bad_corpus_file_is_a_finding(case: str, mutate: Callable[[Path], None], status: str, reason: str | None,
                                      needle: str, corpus_copy: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    mutate(corpus_copy / "edf" / EDF_REL)
    cfg = write_config(tmp_path / "project", base_doc(str(corpus_copy / "edf")))
    before = tree(corpus_copy)
    inventory = invoke(["inventory", cfg, "--format", "json"], capsys)
    expect(inventory, {0})
    records = {r["path"]: r for r in json.loads(inventory.out)["recordings"]}
    if EDF_REL in records:
        assert (records[EDF_REL]["status"], records[EDF_REL]["reason"]) == (status, reason), records[EDF_REL]
    expect(invoke(["inventory", cfg, "--all"], capsys), {0}, needle)
    check = invoke(["check", cfg, "--no-expectations", "--format", "text", "--format", "html",
                    "--report-dir", tmp_path / "reports"], capsys)
    if case in CHECK_BLOCKS:
        expect(check, {BLOCKED}, f"{EDF_REL} line 6: {CHECK_BLOCKS[case]}")
    expect(check, {0, BLOCKED})
    html = (tmp_path / "reports" / "latest.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html
    if case == "script-folder":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert tree(corpus_copy) == before


def test_fifo_named_edf_does_not_hang(corpus_copy: Path, tmp_path: Path) -> None:
    edf = corpus_copy / "edf" / EDF_REL
    edf.unlink()
    os.mkfifo(edf)
    cfg = write_config(tmp_path / "project", base_doc(str(corpus_copy / "edf")))
    try:
        proc = subprocess.run([sys.executable, "-m", "tusz_guard.cli", "inventory", str(cfg)],
                              capture_output=True, text=True, timeout=60)   # generous: a hang never ends, a loaded CI host is slow
    except subprocess.TimeoutExpired:
        pytest.fail("inventory hung on a FIFO named .edf")
    assert proc.returncode == 0 and "aaayymgf_s001_t000" in proc.stdout


def test_unreadable_edf_is_excluded(unprivileged: list[str], corpus_copy: Path, tmp_path: Path) -> None:
    (corpus_copy / "edf" / EDF_REL).chmod(0)
    cfg = write_config(tmp_path / "project", base_doc(str(corpus_copy / "edf")))
    # as root (CI) through `unprivileged`: root reads a chmod 000 file anyway
    proc = subprocess.run([*unprivileged, sys.executable, "-m", "tusz_guard.cli", "inventory", str(cfg), "--format",
                           "json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    record = {r["path"]: r for r in json.loads(proc.stdout)["recordings"]}[EDF_REL]
    assert (record["status"], record["reason"]) == ("excluded", "unreadable")


# ---- cache -----------------------------------------------------------------------------------------
def _entry(cfg: Path, name: str = "") -> Path:
    return cfg.parent.parent / "cache" / "tusz" / "entries" / ENTRY / name


def _pickled_signal(cfg: Path) -> None:
    np.save(_entry(cfg, "signal.npy"), np.array([{"evil": 1}, None], dtype=object), allow_pickle=True)


def _json_edit(path: Path, edit: Callable[[dict], object]) -> None:
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


def _index(cfg: Path) -> Path:
    return cfg.parent.parent / "cache" / "tusz" / "index.json"


CACHE_CASES: list[tuple[str, Callable[[Path], None], str]] = [
    ("signal-truncated", lambda c: _entry(c, "signal.npy").write_bytes(_entry(c, "signal.npy").read_bytes()[:500]),
     ENTRY),
    ("signal-pickled", _pickled_signal, ENTRY),
    ("signal-not-npy", lambda c: _entry(c, "signal.npy").write_bytes(b"hello"), ENTRY),
    ("labels-missing", lambda c: _entry(c, "labels.npy").unlink(), ENTRY),
    ("meta-wrong-types", lambda c: _json_edit(_entry(c, "meta.json"), lambda d: d.update(n_samples="many")), ENTRY),
    ("meta-is-list", lambda c: _entry(c, "meta.json").write_text("[1, 2]"), ENTRY),
    ("meta-not-json", lambda c: _entry(c, "meta.json").write_text("{nope"), ENTRY),
    ("index-is-list", lambda c: _index(c).write_text("[]"), "index.json"),
    ("index-not-json", lambda c: _index(c).write_bytes(b"\x00\xff garbage"), "index.json"),
    ("index-missing-key", lambda c: _json_edit(_index(c), lambda d: d["entries"].pop(ENTRY)), ENTRY),
    ("index-extra-key", lambda c: _json_edit(_index(c), lambda d: d["entries"].update(
        zzzzzzzz_s001_t000={**d["entries"][ENTRY], "key": "zzzzzzzz_s001_t000"})), "zzzzzzzz_s001_t000"),
    ("index-entry-wrong-type", lambda c: _json_edit(_index(c), lambda d: d["entries"].update({ENTRY: 5})), ENTRY),
    ("cache-meta-garbage", lambda c: (c.parent.parent / "cache/tusz/tusz-guard-cache.json").write_text('"x"'),
     "tusz-guard-cache.json"),
]
# A foreign file in entries/ must survive every command (nothing deletes what it cannot prove it made).
CACHE_COMMANDS: dict[str, tuple[list[str], set[int]]] = {
    "check": (["check", "{cfg}", "--no-expectations"], {BLOCKED}),
    "check-deep": (["check", "{cfg}", "--no-expectations", "--deep"], {BLOCKED}),
    "train": (["train", "{cfg}", "--epochs", "1"], {BLOCKED, USAGE}),
    "pack": (["pack", "{cfg}", "-o", "{out}/x.tar.gz", "--compression", "gz"], {BLOCKED, USAGE}),
    "build-cache": (["build-cache", "{cfg}", "--workers", "1"], {0, BLOCKED, USAGE}),
}


@pytest.mark.parametrize("command", sorted(CACHE_COMMANDS))
@pytest.mark.parametrize(("case", "corrupt", "needle"), CACHE_CASES, ids=[c[0] for c in CACHE_CASES])
def test_corrupt_cache(command: str, case: str, corrupt: Callable[[Path], None], needle: str, project: Path,
                       tmp_path: Path, tiny_corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corrupt(project)
    foreign = project.parent.parent / "cache" / "tusz" / "entries" / "NOTES.txt"
    foreign.write_text("mine")
    argv, codes = CACHE_COMMANDS[command]
    corpus_before = tree(tiny_corpus)
    outcome = invoke([a.format(cfg=project, out=tmp_path) for a in argv], capsys)
    expect(outcome, codes)
    if outcome.code:
        expect(outcome, codes, needle)
    assert foreign.read_text() == "mine"
    assert not (tmp_path / "x.tar.gz").exists()
    assert not list((project.parent.parent / "results").rglob("checkpoint*"))
    assert tree(tiny_corpus) == corpus_before


# ---- archives --------------------------------------------------------------------------------------
def _tar_gz(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _raw(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


ARCHIVE_CASES: list[tuple[str, Callable[[Path], Path]]] = [
    ("not-an-archive", lambda d: _raw(d / "a.tar.gz", b"hello, not a tar")),
    ("zero-bytes", lambda d: _raw(d / "a.tar.zst", b"")),
    ("gzip-of-random", lambda d: _raw(d / "a.tar.gz", gzip.compress(os.urandom(50_000)))),
    ("tar-bomb-5k-members", lambda d: _tar_gz(d / "a.tar.gz", {f"cache/tusz/entries/k{i}/x": b"" for i in range(5_000)})),
    ("hostile-names", lambda d: _tar_gz(d / "a.tar.gz", {"cache/tusz/<script>alert(1)</script>": b"x",
                                                          "cache/tusz/bell\x07\x1b[31mred": b"y"})),
]


@pytest.mark.parametrize(("case", "make"), ARCHIVE_CASES, ids=[c[0] for c in ARCHIVE_CASES])
def test_bad_archive(case: str, make: Callable[[Path], Path], project: Path, tmp_path: Path,
                     capsys: pytest.CaptureFixture[str]) -> None:
    archive = make(tmp_path)
    cache = project.parent.parent / "cache"
    before = tree(cache)
    verify = invoke(["verify-archive", archive], capsys)
    expect(verify, {BLOCKED, USAGE}, archive.name)
    html = tmp_path / "report.html"
    expect(invoke(["verify-archive", archive, "--format", "html", "-o", html], capsys), {BLOCKED, USAGE})
    if html.exists():
        text = html.read_text(encoding="utf-8")
        assert "<script>alert(1)" not in text and "\x1b" not in text and "\x07" not in text
    assert "\x1b" not in verify.text and "\x07" not in verify.text
    unpack = invoke(["unpack", archive, "--config", project], capsys)
    expect(unpack, {BLOCKED, USAGE})
    assert archive.name in unpack.text, unpack.text
    assert tree(cache) == before
    expect(invoke(["check", project, "--no-expectations", "--select", "cache.*", "--select", "archive.*",
                   "--archive", archive], capsys),
           {BLOCKED, USAGE})
    assert tree(cache) == before
