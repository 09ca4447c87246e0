"""The tiny corpus on disk: layout, ground truth, EDF and annotation files, determinism, refusals."""
from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from pathlib import Path

import mne
import pytest

from tusz_guard.errors import GuardError
from tusz_guard.synth import SCHEMA, generate
from tusz_guard.synth.montage import derivations

TINY_DEFECTS = {
    "train": {"truncated", "text_file", "no_annotations", "csv_bi_three_columns", "missing_c3", "too_short"},
    "dev": {"empty_file", "csv_bi_clock_times", "no_fz_pz", "colon_date"},
    "eval": {"colon_date"},
}
REASONS = {"truncated": "unreadable", "text_file": "unreadable", "empty_file": "unreadable",
           "no_annotations": "no_annotations", "csv_bi_three_columns": "bad_annotations",
           "csv_bi_clock_times": "bad_annotations", "missing_c3": "missing_channels", "too_short": "too_short",
           "no_fz_pz": None, "colon_date": None}


def truth_of(root: Path) -> dict:
    return json.loads((root / "ground_truth.json").read_text(encoding="utf-8"))


def all_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_ground_truth_header_and_counts(tiny_corpus: Path) -> None:
    truth = truth_of(tiny_corpus)
    assert {k: truth[k] for k in ("schema", "profile", "seed", "defects", "complete")} == {
        "schema": SCHEMA, "profile": "tiny", "seed": 0, "defects": True, "complete": True}
    recs = truth["recordings"]
    assert Counter(r["split"] for r in recs) == {"train": 11, "dev": 6, "eval": 3}
    patients = {s: {r["patient"] for r in recs if r["split"] == s} for s in ("train", "dev", "eval")}
    assert [len(patients[s]) for s in ("train", "dev", "eval")] == [5, 2, 2]
    assert not (patients["train"] & patients["dev"] or patients["train"] & patients["eval"]
                or patients["dev"] & patients["eval"])


def test_every_edf_on_disk_is_listed_once(tiny_corpus: Path) -> None:
    listed = sorted(r["path"] for r in truth_of(tiny_corpus)["recordings"])
    on_disk = sorted(p.relative_to(tiny_corpus / "edf").as_posix() for p in (tiny_corpus / "edf").rglob("*.edf"))
    assert listed == on_disk
    assert len({Path(p).stem for p in listed}) == 20


def test_paths_follow_the_tusz_layout(tiny_corpus: Path) -> None:
    pattern = re.compile(r"(train|dev|eval)/([a-z]{8})/(s\d{3})_\d{4}(_\d\d_\d\d)?/(01_tcp_ar|02_tcp_le|03_tcp_ar_a)/"
                         r"\2_\3_t\d{3}\.edf")
    recs = truth_of(tiny_corpus)["recordings"]
    assert all(pattern.fullmatch(r["path"]) for r in recs)
    assert {r["montage"] for r in recs} == {"01_tcp_ar", "02_tcp_le", "03_tcp_ar_a"}
    assert any(len(r["path"].split("/")[2]) == len("s001_2003_07_16") for r in recs)
    assert any("EEG T7-REF" in r["labels"] or "EEG T7-LE" in r["labels"] for r in recs if r["split"] == "train")


def test_rates_signal_counts_and_seizures(tiny_corpus: Path) -> None:
    recs = truth_of(tiny_corpus)["recordings"]
    assert Counter(r["sfreq"] for r in recs) == {250: 17, 256: 1, 400: 1, 512: 1}
    assert all(26 <= r["n_signals"] == len(r["labels"]) <= 36 for r in recs)
    kinds = Counter(k for r in recs for _, _, k in r["seizures"])
    assert kinds["mysz"] >= 1 and len(kinds) >= 4
    for split in ("train", "dev", "eval"):
        included = [r for r in recs if r["split"] == split and r["expect"]["status"] == "included"]
        assert sum(bool(r["seizures"]) for r in included) >= 2, split


def test_defects_and_expectations(tiny_corpus: Path) -> None:
    recs = truth_of(tiny_corpus)["recordings"]
    for split, wanted in TINY_DEFECTS.items():
        assert sorted(d for r in recs if r["split"] == split for d in r["defects"]) == sorted(wanted)
    for r in recs:
        reason = REASONS[r["defects"][0]] if r["defects"] else None
        assert r["expect"] == {"status": "excluded" if reason else "included", "reason": reason}, r["path"]


def test_mne_opens_every_readable_edf_as_described(tiny_corpus: Path) -> None:
    for r in truth_of(tiny_corpus)["recordings"]:
        if r["expect"]["reason"] == "unreadable":
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            raw = mne.io.read_raw_edf(tiny_corpus / "edf" / r["path"], preload=False, verbose="warning")
        assert raw.ch_names == r["labels"]
        assert (raw.info["sfreq"], raw.n_times) == (r["sfreq"], int(r["duration_s"]) * r["sfreq"])
        # MNE 1.13 tolerates the colon date: it warns and drops the measurement date.
        colon = "colon_date" in r["defects"]
        assert (raw.info["meas_date"] is None) == colon, r["path"]
        assert any("Invalid measurement date" in str(w.message) for w in caught) == colon


def test_edf_headers_are_plain_edf(tiny_corpus: Path) -> None:
    for r in truth_of(tiny_corpus)["recordings"]:
        if r["expect"]["reason"] == "unreadable":
            continue
        head = (tiny_corpus / "edf" / r["path"]).read_bytes()[:256]
        assert head[:8] == b"0       " and head[192:236] == b" " * 44
        assert head[236:244].strip() == str(int(r["duration_s"])).encode() and head[244:252] == b"1       "
        assert head[252:256].strip() == str(r["n_signals"]).encode()
        assert head[168:176] == (b"01:01:85" if "colon_date" in r["defects"] else head[168:176].replace(b":", b"."))


def test_broken_files_are_broken_as_described(tiny_corpus: Path) -> None:
    recs = {r["defects"][0]: r for r in truth_of(tiny_corpus)["recordings"] if r["defects"]}
    edf = lambda d: tiny_corpus / "edf" / recs[d]["path"]  # noqa: E731
    assert edf("empty_file").stat().st_size == 0
    assert edf("text_file").read_text().startswith("version https://git-lfs.github.com/spec/v1\n")
    r = recs["truncated"]
    full = 256 * (r["n_signals"] + 1) + int(r["duration_s"]) * r["sfreq"] * r["n_signals"] * 2
    assert 256 * (r["n_signals"] + 1) < edf("truncated").stat().st_size < full
    assert not edf("no_annotations").with_suffix(".csv").exists()
    assert not edf("no_annotations").with_suffix(".csv_bi").exists()
    assert "C3" not in {label.split()[1].split("-")[0] for label in recs["missing_c3"]["labels"] if " " in label}
    assert not {"EEG FZ-REF", "EEG PZ-REF", "EEG FZ-LE", "EEG PZ-LE"} & set(recs["no_fz_pz"]["labels"])
    assert recs["too_short"]["duration_s"] < 60


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    lines = path.read_text(encoding="ascii").splitlines()
    return lines[:6], [line.split(",") for line in lines[6:]]


def test_annotation_headers_and_tiling(tiny_corpus: Path) -> None:
    for r in truth_of(tiny_corpus)["recordings"]:
        if "no_annotations" in r["defects"]:
            continue
        edf = tiny_corpus / "edf" / r["path"]
        for suffix in (".csv", ".csv_bi"):
            head, rows = read_rows(edf.with_suffix(suffix))
            assert head == ["# version = csv_v1.0.0", f"# bname = {edf.stem}",
                            f"# duration = {r['duration_s']:.2f} secs",
                            f"# montage_file = $NEDC_NFC/lib/{r['montage']}_montage.txt", "#",
                            "channel,start_time,stop_time,label,confidence"]
            if suffix == ".csv_bi" and {"csv_bi_three_columns", "csv_bi_clock_times"} & set(r["defects"]):
                continue
            channels = list(dict.fromkeys(row[0] for row in rows))
            assert channels == (["TERM"] if suffix == ".csv_bi" else list(derivations(r["montage"])))
            for channel in channels:
                spans = [(row[1], row[2]) for row in rows if row[0] == channel]
                assert spans[0][0] == "0.0000" and float(spans[-1][1]) == r["duration_s"]
                assert all(a[1] == b[0] and float(a[0]) < float(a[1]) for a, b in zip(spans, spans[1:], strict=False))
        _, bi = read_rows(edf.with_suffix(".csv_bi"))
        if not set(r["defects"]) & {"csv_bi_three_columns", "csv_bi_clock_times"}:
            seiz = [[float(row[1]), float(row[2])] for row in bi if row[3] == "seiz"]
            assert seiz == [[a, b] for a, b, _ in r["seizures"]]
            assert {row[3] for row in bi} <= {"bckg", "seiz"} and all(row[4] == "1.0000" for row in bi)


def test_broken_csv_bi_rows(tiny_corpus: Path) -> None:
    recs = {r["defects"][0]: r for r in truth_of(tiny_corpus)["recordings"] if r["defects"]}
    _, rows = read_rows((tiny_corpus / "edf" / recs["csv_bi_three_columns"]["path"]).with_suffix(".csv_bi"))
    assert rows and all(len(row) == 3 for row in rows)
    _, rows = read_rows((tiny_corpus / "edf" / recs["csv_bi_clock_times"]["path"]).with_suffix(".csv_bi"))
    assert rows[0][:3] == ["TERM", "0:00:00.0000", rows[1][1]] and ":" in rows[0][2]


def test_same_options_give_the_same_bytes(tiny_corpus: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", "tiny", seed=0)
    assert all_files(tmp_path / "again") == all_files(tiny_corpus)


def test_another_seed_gives_another_corpus(tiny_corpus: Path, tmp_path: Path) -> None:
    truth = generate(tmp_path / "seed1", "tiny", seed=1)
    assert [r["path"] for r in truth["recordings"]] != [r["path"] for r in truth_of(tiny_corpus)["recordings"]]


def test_no_defects_corpus_is_all_included(tiny_clean_corpus: Path) -> None:
    recs = truth_of(tiny_clean_corpus)["recordings"]
    assert len(recs) == 20 and truth_of(tiny_clean_corpus)["defects"] is False
    assert all(r["defects"] == [] and r["expect"] == {"status": "included", "reason": None} for r in recs)
    assert all(p.stat().st_size > 0 for p in (tiny_clean_corpus / "edf").rglob("*.edf"))
    assert len(list((tiny_clean_corpus / "edf").rglob("*.csv_bi"))) == 20


def test_refuses_a_foreign_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(GuardError, match="is not empty and holds no tusz-guard synthetic corpus; nothing was written"):
        generate(tmp_path, "tiny")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_refuses_a_file_and_other_options(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(GuardError, match="is a file, not a directory"):
        generate(tmp_path / "f", "tiny")
    generate(tmp_path / "c", "tiny", seed=3)
    with pytest.raises(GuardError, match=r"made with profile=tiny, seed=3, defects=True; nothing was written"):
        generate(tmp_path / "c", "tiny", seed=4)


def test_same_options_regenerate_in_place_and_keep_other_files(tmp_path: Path) -> None:
    dest = tmp_path / "c"
    generate(dest, "tiny", seed=0)
    before = all_files(dest)
    (dest / "README.user").write_text("kept")
    edf = next((dest / "edf").rglob("*.edf"))
    edf.write_bytes(b"damaged")
    generate(dest, "tiny", seed=0)
    after = all_files(dest)
    assert after.pop("README.user") == b"kept" and after == before


def test_progress_and_unknown_profile(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    generate(tmp_path / "p", "tiny", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 20) for i in range(1, 21)]
    with pytest.raises(GuardError, match="unknown synth profile 'huge'"):
        generate(tmp_path / "q", "huge")  # type: ignore[arg-type]


def test_the_ledger_reads_the_corpus_as_the_ground_truth_expects(tiny_corpus: Path, make_project) -> None:
    from tusz_guard.config import load_config
    from tusz_guard.corpus.ledger import build_ledger

    ledger = build_ledger(load_config(make_project(tiny_corpus)))
    expect = {r["path"]: r for r in truth_of(tiny_corpus)["recordings"]}
    got = {r.path: (r.status, r.reason) for r in ledger.recordings}
    assert got == {p: (r["expect"]["status"], r["expect"]["reason"]) for p, r in expect.items()}
    for rec in ledger.recordings:
        if rec.reason != "unreadable":
            e = expect[rec.path]
            assert (rec.sfreq, rec.duration_s, rec.n_signals) == (e["sfreq"], e["duration_s"], e["n_signals"])
