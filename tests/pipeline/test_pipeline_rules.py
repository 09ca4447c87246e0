"""Each foreign-cache rule fails on its defect and names it (same check ids as tusz-guard's own cache)."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.pipeline.conftest import Origin, write_entry
from tests.pipeline.test_pipeline_incident import check
from tusz_guard.cli import run

TRAIN = "configs/local/train.yaml"


def test_a_missing_entry_is_counted_and_named(fixed: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    stem = fixed.recordings(fixed.root / TRAIN, "train")[5].stem
    (fixed.root / f"cache/train/train/{stem}_windows.npz").unlink()
    code, found = check(capsys, fixed.root / TRAIN)
    assert code == 1
    assert "1 recording(s) would be processed live during training (1 missing, 0 stale" in \
        found["cache.coverage"]["message"]
    assert f"first: {stem}" in found["cache.coverage"]["message"]
    assert f"train/_dataset_index.json lists 1 file(s) without an entry on disk: {stem}" in \
        found["cache.index"]["message"]


def test_a_lying_index_fails(fixed: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    path = fixed.root / "cache/train/train/_dataset_index.json"
    doc = json.loads(path.read_text())
    doc["window_counts"][0] += 7
    stat = path.stat()
    path.write_text(json.dumps(doc))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    code, found = check(capsys, fixed.root / TRAIN)
    assert code == 1
    stem = Path(doc["files"][0]).stem
    want = doc["window_counts"][0]
    assert (f"train/_dataset_index.json window counts differ from the entry files for 1 file(s): "
            f"{stem}: index {want:,}, file {want - 7:,}") in found["cache.index"]["message"]


def test_a_manifest_naming_an_entry_not_on_disk_fails(fixed: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    path = fixed.root / "cache/train/dev/manifest.json"
    doc = json.loads(path.read_text())
    doc["no_seizure"].append({"cache_file": "aaaaaaaa_s001_t000_windows.npz", "window_idx": 0})
    path.write_text(json.dumps(doc))
    code, found = check(capsys, fixed.root / TRAIN)
    assert code == 1
    assert "dev/manifest.json names 1 cache file(s) not on disk: aaaaaaaa_s001_t000_windows.npz" in \
        found["cache.index"]["message"]


def test_a_manifest_from_a_half_built_cache_fails(incident: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    train = incident.config("train", "cache/train", "cache/train")
    incident.build(train, "cache/train", limit=2, index=False)          # the manifest sees the smoke run's 2 per folder
    incident.build(train, "cache/train", index=True, manifest=False)    # the rest arrive later
    code, found = check(capsys, incident.root / TRAIN)
    assert code == 1
    assert "newer than train/manifest.json" in found["cache.index"]["message"]
    assert "train/manifest.json does not classify every window once for 9 entr(ies)" in found["cache.index"]["message"]


def test_an_env_limit_on_the_full_config_fails(fixed: Origin, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BGB_LIMIT_FILES", "3")
    code, found = check(capsys, fixed.root / TRAIN)
    assert code == 1
    assert ("configs/local/train.yaml is not a smoke config (its path does not contain 'smoke') but the environment "
            "sets BGB_LIMIT_FILES=3: the run would use 3 file(s) per role; unset BGB_LIMIT_FILES for a full run") \
        == found["config.paths"]["message"]


def test_an_env_limit_on_the_smoke_config_passes(fixed: Origin, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BGB_LIMIT_FILES", "2")
    code, found = check(capsys, fixed.root / "configs/local/smoke.yaml")
    assert found["config.paths"]["status"] == "pass"
    assert "smoke run limited to 2 file(s) per role" in found["config.paths"]["message"]
    assert "train 2 of 11 included" in found["corpus.ledger"]["message"]


def test_an_entry_in_the_other_roles_folder_fails(fixed: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    rec = fixed.recordings(fixed.root / TRAIN, "val")[0]
    src = fixed.root / f"cache/train/dev/{rec.stem}_windows.npz"
    (fixed.root / f"cache/train/train/{rec.stem}_windows.npz").write_bytes(src.read_bytes())
    code, found = check(capsys, fixed.root / TRAIN)
    assert code == 1
    msg = found["splits.disjoint"]["message"]
    assert f"train/{rec.stem}_windows.npz sits in the train folder but {rec.path} has role val" in msg
    assert found["splits.disjoint"]["details"]["misplaced_entries"][-1] == f"{rec.stem} has entries in dev/ and train/"


def test_wrong_shape_and_a_pickled_array_fail_integrity(fixed: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    recs = fixed.recordings(fixed.root / TRAIN, "train")
    write_entry(fixed.root / f"cache/train/train/{recs[0].stem}_windows.npz", recs[0].windows_expected, channels=18)
    pickled = fixed.root / f"cache/train/train/{recs[1].stem}_windows.npz"
    np.savez(pickled, windows=np.zeros((recs[1].windows_expected, 19, 256), np.float32),
             meta=np.array([{"x": 1}], dtype=object))
    code, found = check(capsys, fixed.root / TRAIN, "--deep")
    assert code == 1
    msg = found["cache.integrity"]["message"]
    assert f"windows shape ({recs[0].windows_expected}, 18, 256), expected ({recs[0].windows_expected}, 19, 256)" in msg
    assert "meta.npy is an object array (pickled; never unpickled)" in msg


def test_deep_finds_non_finite_values_and_bad_labels(fixed: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    rec = fixed.recordings(fixed.root / TRAIN, "train")[2]
    windows = np.ones((rec.windows_expected, 19, 256), np.float32) * np.arange(256, dtype=np.float32)
    windows[0, 3, 7] = np.nan
    labels = np.full((rec.windows_expected, 256), 2, np.float32)
    np.savez_compressed(fixed.root / f"cache/train/train/{rec.stem}_windows.npz", windows=windows, labels=labels)
    code, found = check(capsys, fixed.root / TRAIN)
    assert found["cache.integrity"]["status"] == "pass"          # shapes are right; values unread without --deep
    code, found = check(capsys, fixed.root / TRAIN, "--deep")
    assert code == 1
    assert f"1 non-finite value(s); {rec.windows_expected * 256:,} label value(s) outside {{0, 1}}" in \
        found["cache.integrity"]["message"]


def test_deep_finds_a_flat_channel(fixed: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    rec = fixed.recordings(fixed.root / TRAIN, "train")[2]
    windows = np.ones((rec.windows_expected, 19, 256), np.float32) * np.arange(256, dtype=np.float32)
    windows[:, 5, :] = 0.0                       # one electrode recorded nothing
    np.savez_compressed(fixed.root / f"cache/train/train/{rec.stem}_windows.npz", windows=windows,
                        labels=np.zeros((rec.windows_expected, 256), np.float32))
    code, found = check(capsys, fixed.root / TRAIN, "--deep")
    assert code == 1
    assert "flat channel(s) 5" in found["cache.integrity"]["message"]


def test_deep_labels_that_disagree_with_the_annotations_name_the_teams_builder(
        fixed: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    rec = next(r for r in fixed.recordings(fixed.root / TRAIN, "train") if r.seizure_seconds > 0)
    write_entry(fixed.root / f"cache/train/train/{rec.stem}_windows.npz", rec.windows_expected)   # all background
    code, found = check(capsys, fixed.root / TRAIN, "--deep")
    assert code == 1
    msg = found["labels.seizures"]["message"]
    assert rec.stem in msg and "disagree with the annotations" in msg
    assert msg.endswith("rebuild them with brain-go-brr-v2's cache builder"), msg       # not tusz-guard's builder
    assert "tusz-guard build-cache" not in msg


def test_check_never_decompresses_an_array_without_deep(fixed: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    """Damage the deflate stream past the .npy header: only a reader that decompresses the array can notice."""
    rec = fixed.recordings(fixed.root / TRAIN, "train")[3]
    path = fixed.root / f"cache/train/train/{rec.stem}_windows.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 3: len(data) // 3 + 64] = bytes(64)
    stat = path.stat()
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    code, found = check(capsys, fixed.root / TRAIN)
    assert found["cache.integrity"]["status"] == "pass"
    code, found = check(capsys, fixed.root / TRAIN, "--deep")
    assert found["cache.integrity"]["status"] == "fail"
    assert f"{rec.stem}_windows.npz: cannot load" in found["cache.integrity"]["message"]


@pytest.mark.parametrize("content, name", [(b"not a zip at all", " is not a zip archive (not an NPZ)"),
                                           (None, ": member 'windows.txt' is not a .npy array")])
def test_bad_npz_files_are_named(fixed: Origin, capsys: pytest.CaptureFixture[str], content: bytes | None,
                                 name: str) -> None:
    import zipfile

    rec = fixed.recordings(fixed.root / TRAIN, "val")[1]
    path = fixed.root / f"cache/train/dev/{rec.stem}_windows.npz"
    if content is None:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("windows.txt", "hello")
    else:
        path.write_bytes(content)
    code, found = check(capsys, fixed.root / TRAIN)
    assert code == 1
    assert f"dev/{rec.stem}_windows.npz: {rec.stem}_windows.npz{name}" in found["cache.integrity"]["message"]
    assert "1 recording(s) would be processed live" in found["cache.coverage"]["message"]


@pytest.mark.parametrize("name, text, message", [
    ("_dataset_index.json", "{not json", "_dataset_index.json is not valid JSON"),
    ("manifest.json", "[1, 2", "manifest.json is not valid JSON"),
    ("_dataset_index.json", '{"files": "x"}', 'train/_dataset_index.json is not {"files": [paths], "window_counts": '
                                              '[integers]}'),
    ("manifest.json", '{"no_seizure": [{"cache_file": 3}]}', 'train/manifest.json is not {class: [{"cache_file", '
                                                            '"window_idx"}]}'),
])
def test_an_index_or_manifest_that_is_not_what_the_pipeline_writes_fails(
        fixed: Origin, capsys: pytest.CaptureFixture[str], name: str, text: str, message: str) -> None:
    (fixed.root / "cache/train/train" / name).write_text(text)
    code, found = check(capsys, fixed.root / TRAIN)
    assert code == 1
    assert message in found["cache.index"]["message"]


def test_a_template_matching_no_file_fails(fixed: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    toml = fixed.root / "tusz-guard.toml"
    toml.write_text(toml.read_text().replace('entry = "{split}/{stem}_windows.npz"', 'entry = "{split}/{stem}_win.npz"'))
    code, found = check(capsys, fixed.root / TRAIN)
    assert code == 1
    assert "do not match the entry template {split}/{stem}_win.npz" in found["cache.index"]["message"]
    assert found["cache.index"]["status"] == "fail"


def test_stamp_names_changed_content_keys_and_entries(fixed: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    before = {p: p.stat().st_mtime_ns for p in (fixed.root / "cache/train").rglob("*") if p.is_file()}
    assert run(["stamp", str(fixed.root / TRAIN)]) == 0
    assert "stamped 17 entr(ies) of cache/train" in capsys.readouterr().out
    after = {p: p.stat().st_mtime_ns for p in (fixed.root / "cache/train").rglob("*") if p.is_file()}
    assert set(after) - set(before) == {fixed.root / "cache/train/.tusz-guard-stamp.json"}
    assert all(after[p] == m for p, m in before.items())      # nothing else written
    code, found = check(capsys, fixed.root / TRAIN)
    assert code == 0 and found["cache.fingerprint"]["status"] == "pass"
    fixed.config("train", "cache/train", "cache/train")
    text = (fixed.root / TRAIN).read_text().replace("- 30.0", "- 40.0")
    (fixed.root / TRAIN).write_text(text)
    rec = fixed.recordings(fixed.root / TRAIN, "train")[0]
    write_entry(fixed.root / f"cache/train/train/{rec.stem}_windows.npz", rec.windows_expected)
    code, found = check(capsys, fixed.root / TRAIN)
    assert code == 1
    msg = found["cache.fingerprint"]["message"]
    assert msg.startswith("preprocessing changed since the stamp (preprocessing: ")
    assert f"1 entry file(s) changed since the stamp: train/{rec.stem}_windows.npz" in msg
    assert "17 recording(s) would be processed live during training (0 missing, 17 stale: preprocessing changed " \
        "since the stamp" in found["cache.coverage"]["message"]


def test_without_a_stamp_an_entry_older_than_its_edf_is_stale(fixed: Origin,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    rec = fixed.recordings(fixed.root / TRAIN, "train")[0]
    entry = fixed.root / f"cache/train/train/{rec.stem}_windows.npz"
    os.utime(entry, ns=(rec.mtime_ns - 10**9, rec.mtime_ns - 10**9))
    code, found = check(capsys, fixed.root / TRAIN)
    assert code == 1
    assert "1 stale: entry older than its EDF (no stamp: the weaker test, by modification time)" in \
        found["cache.coverage"]["message"]


def test_stamp_refuses_a_tusz_guard_config_and_a_missing_cache(project: Path, origin: Origin,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["stamp", str(project / "configs/train.yaml")]) == 2
    assert "is a tusz-guard config: its cache records its own fingerprint" in capsys.readouterr().err
    assert run(["stamp", str(origin.config("train", "cache/none"))]) == 2
    assert capsys.readouterr().err.strip() == ("error: cache/none does not exist: nothing to stamp (build the cache "
                                               "first, or check data.cache_dir of configs/local/train.yaml)")
    assert not (origin.root / "cache/none").exists()


def test_a_template_without_split_reads_one_folder_for_every_role(origin: Origin,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    toml = origin.root / "tusz-guard.toml"
    text = toml.read_text().replace('entry = "{split}/{stem}_windows.npz"', 'entry = "{stem}_windows.npz"')
    toml.write_text("\n".join(line for line in text.splitlines() if not line.startswith(("index =", "manifest ="))))
    config = origin.config("train", "cache/flat", "cache/flat")
    (origin.root / "cache/flat").mkdir(parents=True)
    for role in ("train", "val"):
        for rec in origin.recordings(config, role):
            write_entry(origin.root / f"cache/flat/{rec.stem}_windows.npz", rec.windows_expected, rec.seizure_intervals)
    code, found = check(capsys, config)
    assert found["cache.coverage"]["message"] == "cache/flat holds all 17 train+val recordings"
    assert found["splits.disjoint"]["status"] == "pass"
    assert found["cache.index"]["message"] == "17 entry file(s) in cache/flat (no index or manifest to compare)"


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}


def test_nothing_but_stamp_writes_into_a_foreign_cache(fixed: Origin, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 14: every command reads a team's cache and none writes or deletes in it, except `stamp`."""
    cache = fixed.root / "cache" / "train"
    before = _tree(cache)
    config = str(fixed.root / TRAIN)
    commands = [["check", config, "--no-expectations"], ["check", config, "--deep", "--no-expectations"],
                ["inventory", config], ["build-cache", config], ["pack", config, "-o", str(tmp_path / "a.tar.gz")],
                ["verify-copy", config, str(tmp_path)], ["run", "--no-expectations", "--", sys.executable, "-c",
                                                         "pass", config]]
    for args in commands:
        code = run(args)
        assert code in (0, 1, 2), (args, code)
        capsys.readouterr()
        assert _tree(cache) == before, args
    assert run(["stamp", config]) == 0
    assert set(_tree(cache)) - set(before) == {".tusz-guard-stamp.json"}


@pytest.mark.parametrize("command", ["build-cache", "pack", "unpack", "train", "verify-copy"])
def test_commands_of_tusz_guards_own_cache_refuse_a_pipeline_config_in_one_line(
        fixed: Origin, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    """They used to answer with the schema's list of every key of the team's config they do not know."""
    config = str(fixed.root / TRAIN)
    args = {"pack": [config, "-o", str(tmp_path / "a.tar.gz")], "unpack": [str(tmp_path / "a.tar.gz"), "--config",
                                                                          config],
            "verify-copy": [config, str(tmp_path)]}.get(command, [config])
    if command == "unpack":
        (tmp_path / "a.tar.gz").write_bytes(b"")
    assert run([command, *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {config} is a config of the brain-go-brr-v2 pipeline"), err
    assert f"`tusz-guard {command}` works on tusz-guard's own cache" in err and len(err.splitlines()) == 1, err


def test_stamp_refuses_a_url_cache_before_writing(origin: Origin, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 16.4: a profile's paths are read by the team's own code, locally: a URL is one line, exit 2."""
    assert run(["stamp", str(origin.config("train", "s3://bucket/cache/tusz"))]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: s3://bucket/cache/tusz is a URL: a pipeline profile's corpus and cache paths must be local (sync "
        "them to a local or mounted path; prove a remote copy with `tusz-guard verify-copy`)")
    assert not (origin.root / "s3:").exists()
