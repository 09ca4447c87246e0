"""Sample reading, labels and preprocessing against independent MNE/SciPy computations."""
from __future__ import annotations

from pathlib import Path

import mne
import numpy as np
import pytest
from scipy import signal as sps

from tusz_guard.cache.builder import EntryTask, make_entry
from tusz_guard.cache.edfread import EdfReadError, read_channels, read_channels_mne
from tusz_guard.cache.labels import LabelError, rasterize, read_labels
from tusz_guard.cache.preprocess import PipelineParams, PreprocessError
from tusz_guard.config.schema import SEIZURE_LABELS
from tusz_guard.corpus.annotations import parse_annotations
from tusz_guard.corpus.channels import CHANNELS_10_20, map_channels, normalize_label
from tusz_guard.corpus.edf import EdfError, read_header


def _edfs(root: Path) -> list[Path]:
    return sorted((root / "edf").rglob("*.edf"))


def _readable(root: Path) -> list[Path]:
    out = []
    for path in _edfs(root):
        try:
            if read_header(path).size_ok:
                out.append(path)
        except EdfError:
            pass
    return out


def test_numpy_reader_returns_mnes_values_on_every_readable_file(tiny_corpus: Path) -> None:
    files = _readable(tiny_corpus)
    assert len(files) == 17
    for path in files:
        header = read_header(path)
        picks = [i for i in map_channels(header.labels, ()).indices if i is not None]
        ours, theirs = read_channels(path, picks, header), read_channels_mne(path, picks, header)
        assert all(np.array_equal(a, b) for a, b in zip(ours, theirs, strict=False)), path.name


def test_reader_refuses_a_truncated_file(tiny_corpus: Path, tmp_path: Path) -> None:
    source = _readable(tiny_corpus)[0]
    cut = tmp_path / "cut.edf"
    cut.write_bytes(source.read_bytes()[:-1000])
    declared = source.stat().st_size
    with pytest.raises(EdfReadError, match=rf"cut.edf: truncated: 1,000 bytes short of the {declared:,} the header"):
        read_channels(cut, [0])


@pytest.mark.parametrize("intervals, n, rate, ones", [
    ([(1.0, 2.0)], 10, 4.0, [4, 5, 6, 7]),
    ([(0.0, 0.25)], 4, 4.0, [0]),
    ([(1.1, 1.6)], 10, 4.0, [5, 6]),
    ([(2.0, 9.0)], 10, 4.0, [8, 9]),                 # clipped at the end
    ([(-1.0, 0.3)], 10, 4.0, [0, 1]),                # clipped at the start
    ([(0.5, 0.75), (1.0, 1.25)], 10, 4.0, [2, 4]),
    ([(0.3333, 0.6667)], 10, 3.0, [1]),             # 4-decimal boundaries snap to the sample instant
])
def test_rasterize(intervals: list, n: int, rate: float, ones: list[int]) -> None:
    labels = rasterize(intervals, n, rate)
    assert labels.dtype == np.uint8 and np.flatnonzero(labels).tolist() == ones


def test_labels_never_default_to_background(corpus_copy: Path) -> None:
    edf = _buildable(corpus_copy)[0]
    edf.with_suffix(".csv_bi").unlink()
    with pytest.raises(LabelError, match="no csv_bi annotation file; a recording without annotations is never stored"):
        read_labels(edf, "csv_bi", SEIZURE_LABELS, 100, 256)
    edf.with_suffix(".csv_bi").write_text("# version = csv_v1.0.0\nchannel,start_time,stop_time,label,confidence\n")
    with pytest.raises(LabelError, match="no annotation rows; refusing to label the recording all background"):
        read_labels(edf, "csv_bi", SEIZURE_LABELS, 100, 256)
    edf.with_suffix(".csv_bi").write_text("channel,start_time,stop_time,label,confidence\nTERM,0,1,seiz\n")
    with pytest.raises(LabelError, match="1 of 1 annotation rows cannot be parsed"):
        read_labels(edf, "csv_bi", SEIZURE_LABELS, 100, 256)


def _task(root: Path, edf: Path, params: PipelineParams, cache: Path) -> EntryTask:
    data_dir = root / "edf"
    return EntryTask(str(cache), str(data_dir), edf.relative_to(data_dir).as_posix(), edf.stem, "f" * 16, params,
                     "csv_bi", SEIZURE_LABELS, read_header(edf).duration_s)


def _independent(edf: Path, params: PipelineParams) -> np.ndarray:
    """MNE reads and interpolates, SciPy resamples and filters; no tusz_guard.cache code involved."""
    raw = mne.io.read_raw_edf(edf, preload=True, verbose="error")
    names = {}
    for label in raw.ch_names:
        channel = normalize_label(label)
        if channel is not None and channel not in names.values():
            names[label] = channel
    raw.pick(list(names)).rename_channels(names)
    missing = [c for c in CHANNELS_10_20 if c not in raw.ch_names]
    if missing:
        zeros = mne.io.RawArray(np.zeros((len(missing), raw.n_times)),
                                mne.create_info(missing, raw.info["sfreq"], "eeg"), verbose="error")
        raw.add_channels([zeros], force_update_info=True)
    raw.reorder_channels(list(CHANNELS_10_20))
    raw.set_channel_types({c: "eeg" for c in CHANNELS_10_20}, verbose="error")
    raw.set_montage(mne.channels.make_standard_montage("colin27_1020"), verbose="error")
    if missing:
        raw.info["bads"] = missing
        raw.interpolate_bads(reset_bads=True, origin="auto", verbose="error")
    x = raw.get_data()
    sfreq = int(raw.info["sfreq"])
    g = np.gcd(sfreq, params.sampling_rate)
    if sfreq != params.sampling_rate:
        x = sps.resample_poly(x, params.sampling_rate // g, sfreq // g, axis=-1)
    x = x[:, : int(round(raw.n_times / sfreq * params.sampling_rate))]
    if params.bandpass is not None:
        bp = sps.butter(4, list(params.bandpass), btype="bandpass", fs=params.sampling_rate, output="sos")
        b, a = sps.iirnotch(params.notch, 30.0, fs=params.sampling_rate)
        # One forward-backward pass of the whole cascade (two separate passes differ at the padded edges).
        x = sps.sosfiltfilt(np.vstack([bp, sps.tf2sos(b, a)]), x, axis=-1)
    if params.normalize == "zscore":
        x = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
    if params.clip is not None:
        x = np.clip(x, -params.clip, params.clip)
    return x.astype(params.dtype)


def _buildable(root: Path) -> list[Path]:
    """Readable files with every channel (or only Fz/Pz absent) and a parseable .csv_bi."""
    out = []
    for path in _readable(root):
        cmap = map_channels(read_header(path).labels)
        ann = path.with_suffix(".csv_bi")
        if cmap.ok and ann.is_file():
            parsed = parse_annotations(ann, "csv_bi")
            if parsed.n_data_rows and parsed.n_parsed == parsed.n_data_rows:
                out.append(path)
    return out


def _pick(root: Path) -> list[Path]:
    """One file per source sampling rate, plus one with Fz/Pz interpolated."""
    chosen: dict[object, Path] = {}
    for path in _buildable(root):
        header = read_header(path)
        interpolated = bool(map_channels(header.labels).interpolated)
        chosen.setdefault("interp" if interpolated else header.sfreqs[0], path)
    return [chosen[k] for k in sorted(chosen, key=str)]


def test_picked_files_cover_rates_and_interpolation(tiny_corpus: Path) -> None:
    rates = {read_header(p).sfreqs[0] for p in _pick(tiny_corpus)}
    assert {250.0, 256.0, 400.0, 512.0} <= rates and len(_pick(tiny_corpus)) == 5


def test_entry_matches_independent_mne_scipy_pipeline(tiny_corpus: Path, tmp_path: Path) -> None:
    params = PipelineParams()
    for edf in _pick(tiny_corpus):
        signal, labels, meta = make_entry(_task(tiny_corpus, edf, params, tmp_path))
        expected = _independent(edf, params)
        assert signal.shape == expected.shape == (19, meta.n_samples) and signal.dtype == np.float32
        np.testing.assert_allclose(signal, expected, atol=1e-5, rtol=0, err_msg=edf.name)
        assert labels.shape == (meta.n_samples,) and meta.seizure_samples == int(labels.sum())
        assert meta.nonfinite == 0 and -10.0 <= meta.min and meta.max <= 10.0
        assert np.allclose(meta.std, signal.astype(np.float64).std(axis=1))


def test_interpolation_is_recorded(tiny_corpus: Path, tmp_path: Path) -> None:
    edf = [p for p in _buildable(tiny_corpus) if map_channels(read_header(p).labels).interpolated][0]
    meta = make_entry(_task(tiny_corpus, edf, PipelineParams(), tmp_path))[2]
    assert meta.interpolated == ("Fz", "Pz")
    with pytest.raises(PreprocessError, match=r"missing Fz, Pz \(not interpolated\)"):
        make_entry(_task(tiny_corpus, edf, PipelineParams(interpolate=()), tmp_path))


def test_float16_and_no_filters(tiny_corpus: Path, tmp_path: Path) -> None:
    edf = [p for p in _buildable(tiny_corpus) if read_header(p).sfreqs[0] == 250.0][0]
    params = PipelineParams(bandpass=None, notch=None, normalize="none", clip=None, dtype="float16")
    signal, _, meta = make_entry(_task(tiny_corpus, edf, params, tmp_path))
    header = read_header(edf)
    raw = read_channels(edf, [i for i in map_channels(header.labels, ()).indices if i is not None], header)
    x = sps.resample_poly(np.stack(raw), 128, 125, axis=-1)[:, : meta.n_samples]
    assert signal.dtype == np.float16 and meta.dtype == "float16"
    np.testing.assert_array_equal(signal, x.astype(np.float16))
