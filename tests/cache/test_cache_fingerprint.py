"""The fingerprint covers exactly the content-affecting keys; diff_params names what changed."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tusz_guard.cache.fingerprint import diff_params, fingerprint, fingerprint_params
from tusz_guard.config.schema import Config


def _cfg(**sections: dict) -> Config:
    return Config.model_validate(sections)


BASE = fingerprint(_cfg())

CONTENT_CHANGES = [
    {"preprocessing": {"sampling_rate": 200, "bandpass": [0.5, 90.0]}},
    {"preprocessing": {"interpolate": ["Fz"]}},
    {"preprocessing": {"bandpass": [1.0, 120.0]}},
    {"preprocessing": {"bandpass": None}},
    {"preprocessing": {"notch": 50.0}},
    {"preprocessing": {"notch": None}},
    {"preprocessing": {"normalize": "none"}},
    {"preprocessing": {"clip": 5.0}},
    {"preprocessing": {"clip": None}},
    {"preprocessing": {"dtype": "float16"}},
    {"data": {"annotations": "csv"}},
    {"labels": {"seizure": ["seiz", "gnsz"]}},
    {"labels": {"background": ["bckg", "artf"]}},
]

NEUTRAL_CHANGES = [
    {"windows": {"length_s": 30.0, "stride_s": 5.0}},
    {"windows": {"stride_s": 60.0}},
    {"training": {"epochs": 3, "batch_size": 4}},
    {"experiment": {"name": "other", "seed": 1}},
    {"data": {"cache_dir": "elsewhere", "data_dir": "x", "limit_files": 3, "validation_split": 0.3}},
    {"preprocessing": {"interpolate": ["Pz", "Fz"]}},                       # order of a set
    {"labels": {"seizure": list(reversed(Config().labels.seizure))}},       # order of a set
]


@pytest.mark.parametrize("change", CONTENT_CHANGES)
def test_content_keys_change_the_fingerprint(change: dict) -> None:
    assert fingerprint(_cfg(**change)) != BASE


@pytest.mark.parametrize("change", NEUTRAL_CHANGES)
def test_windows_and_other_keys_do_not(change: dict) -> None:
    assert fingerprint(_cfg(**change)) == BASE


def test_all_content_fingerprints_are_distinct() -> None:
    prints = {fingerprint(_cfg(**c)) for c in CONTENT_CHANGES}
    assert len(prints) == len(CONTENT_CHANGES) and BASE not in prints


def test_fingerprint_shape_and_params() -> None:
    assert len(BASE) == 16 and int(BASE, 16) >= 0
    params = fingerprint_params(_cfg())
    assert list(params) == ["sampling_rate", "channels", "interpolate", "bandpass", "notch", "normalize", "clip",
                            "dtype", "annotations", "seizure_labels", "background_labels", "parser_version",
                            "preprocess_version"]
    assert params["channels"][:3] == ["Fp1", "F3", "C3"] and len(params["channels"]) == 19
    assert params["bandpass"] == [0.5, 120.0] and params["clip"] == 10.0


def test_diff_params_lines() -> None:
    old = fingerprint_params(_cfg())
    new = fingerprint_params(_cfg(preprocessing={"clip": 5.0, "dtype": "float16", "notch": None},
                                  labels={"seizure": ["seiz", "gnsz", "nesz"]}))
    assert diff_params(old, new) == [
        "notch: 60.0 -> none",
        "clip: 10.0 -> 5.0",
        "dtype: float32 -> float16",
        "seizure_labels: + nesz, - absz, - atsz, - cnsz, - cpsz, - fnsz, - mysz, - spsz, - tcsz, - tnsz",
    ]
    assert diff_params(old, old) == []
    assert diff_params({"a": 1}, {"b": [1]}) == ["a: 1 -> (absent)", "b: (absent) -> [1]"]


def test_cache_package_import_is_light() -> None:
    code = ("import sys, tusz_guard.cache, tusz_guard.cache.store, tusz_guard.cache.fingerprint; "
            "print(sorted(m for m in ('mne', 'scipy', 'dask', 'distributed', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
