"""checks/windowing.classify: counted by window starts, it must equal classifying every window one by one."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tusz_guard.checks.windowing import WindowClasses, classify
from tusz_guard.corpus.ledger import Recording
from tusz_guard.corpus.windows import FULL_RATIO, n_windows


def _recording(n_samples: int, intervals: tuple[tuple[float, float], ...]) -> Recording:
    return Recording(path="train/aaaaaaaa/s001_2000/01_tcp_ar/aaaaaaaa_s001_t000.edf", split="train", role="train",
                     patient="aaaaaaaa", session="s001_2000", montage="01_tcp_ar", file_size=0, mtime_ns=0,
                     n_samples=n_samples, seizure_intervals=intervals)


def _window_by_window(spans: list[tuple[int, int]], n_samples: int, length: int, stride: int) -> WindowClasses:
    """The definition: each window's seizure samples (every span's overlap added), >= 0.99 L full, > 0 partial."""
    counts = [0, 0, 0]
    for i in range(n_windows(n_samples, length, stride)):
        start = i * stride
        overlap = sum(max(0, min(start + length, b) - max(start, a)) for a, b in spans)
        counts[2 if overlap >= FULL_RATIO * length else 1 if overlap > 0 else 0] += 1
    return WindowClasses(*counts)


spans_strategy = st.lists(st.tuples(st.integers(-50, 1100), st.integers(0, 400)), max_size=6)


@settings(max_examples=400, deadline=None)
@given(spans=spans_strategy, n_samples=st.integers(0, 1200), length=st.integers(1, 200), stride=st.integers(1, 120),
       merged=st.booleans())
def test_classify_equals_window_by_window(spans: list[tuple[int, int]], n_samples: int, length: int, stride: int,
                                          merged: bool) -> None:
    """Sorted spans far apart (the counting path), close together, overlapping or unsorted (window by window)."""
    pairs = [(a, a + width) for a, width in spans]
    if merged:               # what the ledger holds: sorted, merged intervals
        pairs.sort()
        out: list[tuple[int, int]] = []
        for a, b in pairs:
            if out and a <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], b))
            else:
                out.append((a, b))
        pairs = out
    rec = _recording(n_samples, tuple((float(a), float(b)) for a, b in pairs))
    assert classify(rec, 1.0, length, stride) == _window_by_window(pairs, n_samples, length, stride)


def test_classify_real_geometry() -> None:
    """60 s windows, 10 s stride at 256 Hz: one 90 s seizure and one 5 s seizure far apart, and two close ones."""
    rate, length, stride = 256.0, 60 * 256, 10 * 256
    far = _recording(3600 * 256, ((100.0, 190.0), (1000.0, 1005.0)))
    got = classify(far, rate, length, stride)
    spans = [(int(round(a * rate)), int(round(b * rate))) for a, b in far.seizure_intervals]
    assert got == _window_by_window(spans, far.n_samples, length, stride)
    assert got.full == 4 and got.partial == 10 + 6      # starts 100-130 s full, 50-180 s touch; 950-1000 s partial
    close = _recording(3600 * 256, ((100.0, 190.0), (200.0, 230.0)))
    spans = [(int(round(a * rate)), int(round(b * rate))) for a, b in close.seizure_intervals]
    assert classify(close, rate, length, stride) == _window_by_window(spans, close.n_samples, length, stride)


def test_no_seizure_is_all_background() -> None:
    assert classify(_recording(1000, ()), 1.0, 100, 10) == WindowClasses(91, 0, 0)
