"""EDF bytes: our hand-built header equals edfio's, sparse scale files read like real ones."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import edfio
import mne
import numpy as np
import pytest

from tusz_guard.synth.corpus import write_recording
from tusz_guard.synth.edfwrite import expected_size, header_bytes, recording_field, write_full
from tusz_guard.synth.plan import build_plan


@pytest.fixture(scope="module")
def tiny_plans():
    return build_plan("tiny", 0, True)


def test_hand_built_header_equals_edfio_header(tiny_plans, tmp_path: Path) -> None:
    plans = [p for p in tiny_plans if p.needs_signal and "truncated" not in p.defects]
    assert {"colon_date", "no_fz_pz"} <= {d for p in plans for d in p.defects}
    for plan in plans:
        short = dataclasses.replace(plan, duration=2)
        path = tmp_path / f"{plan.stem}.edf"
        write_full(path, short, np.zeros((len(plan.labels), 2 * plan.sfreq), dtype=np.int16))
        data = path.read_bytes()
        assert data[: 256 * (len(plan.labels) + 1)] == header_bytes(short), plan.stem
        assert len(data) == expected_size(short)


def test_recording_field_is_edf_plus_except_for_the_colon_date_file(tiny_plans) -> None:
    fields = {recording_field(p) for p in tiny_plans if not p.defects}
    assert all(f.startswith("Startdate ") and f.endswith(" X X X") and len(f.split()) == 5 for f in fields)
    colon = next(p for p in tiny_plans if "colon_date" in p.defects)
    assert recording_field(colon) == colon.stem


def test_sparse_scale_files_read_like_full_ones(tmp_path: Path) -> None:
    plans = build_plan("scale", 0, True)
    picked = [p for p in plans if not p.defects][:12] + [next(p for p in plans if "colon_date" in p.defects)]
    for plan in picked:
        write_recording(tmp_path, plan, 0, sparse=True)
        path = tmp_path / plan.rel_path
        assert path.stat().st_size == expected_size(plan)
        assert path.stat().st_blocks * 512 <= 64 * 1024  # sparse: the samples take no disk blocks
        raw = mne.io.read_raw_edf(path, preload=False, verbose="error")
        assert (raw.ch_names, raw.info["sfreq"], raw.n_times) == (list(plan.labels), plan.sfreq,
                                                                  plan.duration * plan.sfreq)
        edf = edfio.read_edf(path, lazy_load_data=True)
        assert (edf.labels, edf.num_data_records, edf.reserved) == (plan.labels, plan.duration, "")
        assert path.with_suffix(".csv_bi").read_text().startswith("# version = csv_v1.0.0\n")
