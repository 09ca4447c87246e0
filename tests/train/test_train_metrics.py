from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tusz_guard.train.metrics import auroc, average_ranks, binary_metrics


@pytest.mark.parametrize("scores, labels, expected", [
    ([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], 0.75),
    ([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0], 1.0),
    ([0.9, 0.8, 0.1, 0.2], [0, 0, 1, 1], 0.0),
    ([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1], 0.5),
    ([0.2, 0.5, 0.5, 0.9], [0, 0, 1, 1], 0.875),
])
def test_auroc_known_values(scores: list[float], labels: list[int], expected: float) -> None:
    assert auroc(np.array(scores), np.array(labels)) == pytest.approx(expected)


def test_auroc_single_class_is_none() -> None:
    assert auroc(np.array([0.1, 0.2]), np.array([1, 1])) is None
    assert auroc(np.array([0.1, 0.2]), np.array([0, 0])) is None


def test_average_ranks_ties() -> None:
    assert average_ranks(np.array([3.0, 1.0, 3.0, 2.0])).tolist() == [3.5, 1.0, 3.5, 2.0]


@given(st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=2, max_size=40))
def test_auroc_equals_pairwise_count(pairs: list[tuple[int, bool]]) -> None:
    scores = np.array([s for s, _ in pairs], dtype=float)
    labels = np.array([y for _, y in pairs])
    pos, neg = scores[labels], scores[~labels]
    if not pos.size or not neg.size:
        assert auroc(scores, labels) is None
        return
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    assert auroc(scores, labels) == pytest.approx(wins / (pos.size * neg.size))


def test_binary_metrics_sensitivity_specificity() -> None:
    m = binary_metrics(np.array([0.9, 0.4, 0.6, 0.1, 0.2]), np.array([1, 1, 0, 0, 0]))
    assert (m.sensitivity, m.specificity, m.n_positive, m.n_negative) == (0.5, pytest.approx(2 / 3), 2, 3)
    assert m.auroc == pytest.approx(5 / 6)


def test_binary_metrics_without_positives() -> None:
    m = binary_metrics(np.array([0.9, 0.1]), np.array([0, 0]))
    assert (m.auroc, m.sensitivity, m.specificity) == (None, None, 0.5)
