"""Whole demo and scale corpora: seconds each, but hundreds of MB (demo) or 22k files (scale)."""
from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import edfio
import numpy as np
import pytest
from click.testing import CliRunner

from tusz_guard.commands.synth import command
from tusz_guard.synth import generate
from tusz_guard.synth.montage import electrode_of


def window_rms(path: Path, sfreq: int, seizures: list, seconds: int = 10) -> tuple[list[float], list[bool]]:
    """Per 10 s window: RMS of the z-scored scalp channels, and whether most of it is seizure."""
    edf = edfio.read_edf(path)
    eeg = np.array([s.data for s in edf.signals if electrode_of(s.label)])
    eeg = (eeg - eeg.mean(1, keepdims=True)) / eeg.std(1, keepdims=True)
    mask = np.zeros(eeg.shape[1])
    for start, stop, _ in seizures:
        mask[int(start * sfreq): int(stop * sfreq)] = 1
    step = seconds * sfreq
    starts = range(0, eeg.shape[1] - step + 1, step)
    return [float(eeg[:, s:s + step].std()) for s in starts], [bool(mask[s:s + step].mean() > 0.5) for s in starts]


@pytest.mark.slow
def test_demo_through_the_cli_is_learnable(tmp_path: Path) -> None:
    result = CliRunner().invoke(command, [str(tmp_path / "demo"), "--profile", "demo"])
    assert result.exit_code == 0 and result.output.startswith("synth: wrote ")
    recs = json.loads((tmp_path / "demo" / "ground_truth.json").read_text())["recordings"]
    assert Counter(r["split"] for r in recs) == {"train": 32, "dev": 14, "eval": 8}
    x, y = [], []
    for r in recs:
        if r["expect"]["status"] == "included" and r["split"] in ("train", "dev"):
            rms, label = window_rms(tmp_path / "demo" / "edf" / r["path"], r["sfreq"], r["seizures"])
            x += rms
            y += label
    x_arr, y_arr = np.array(x), np.array(y)
    assert y_arr.sum() >= 100
    # AUROC of one amplitude feature: the rank-sum form of the Mann-Whitney statistic.
    ranks = x_arr.argsort().argsort() + 1
    n1, n0 = y_arr.sum(), (~y_arr).sum()
    assert (ranks[y_arr].sum() - n1 * (n1 + 1) / 2) / (n1 * n0) > 0.9


@pytest.mark.slow
def test_scale_corpus_on_disk(tmp_path: Path) -> None:
    dest = tmp_path / "scale"
    truth = generate(dest, "scale", seed=0)
    edfs = list((dest / "edf").rglob("*.edf"))
    assert len(edfs) == 7364 == len(truth["recordings"])
    assert Counter(p.relative_to(dest / "edf").parts[0] for p in edfs) == {"train": 4667, "dev": 1832, "eval": 865}
    used = sum(os.stat(p).st_blocks * 512 for p in (dest / "edf").rglob("*") if p.is_file())
    apparent = sum(p.stat().st_size for p in edfs)
    assert used < 400 * 2**20 and apparent > 70 * 2**30
