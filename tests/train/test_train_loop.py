from __future__ import annotations

import math

import pytest
import torch

from tusz_guard.errors import GuardError
from tusz_guard.train.loop import make_loss
from tusz_guard.train.model import SeizureCNN
from tusz_guard.train.run import check_window_counts, resolve_device


def test_bce_weights_positives() -> None:
    logits, y = torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, 0.0]])
    assert float(make_loss("bce", 3.0)(logits, y)) == pytest.approx((3 * math.log(2) + math.log(2)) / 2)


def test_focal_loss_known_value_and_finite_for_huge_logits() -> None:
    loss = make_loss("focal", 2.0)
    p = 1 / (1 + math.exp(-1.0))
    expected = (-2.0 * (1 - p) ** 2 * math.log(p) + -(p ** 2) * math.log(1 - p)) / 2
    assert float(loss(torch.tensor([[1.0, 1.0]]), torch.tensor([[1.0, 0.0]]))) == pytest.approx(expected, rel=1e-5)
    assert math.isfinite(float(loss(torch.tensor([[-1e4, 1e4]]), torch.tensor([[1.0, 0.0]]))))


def test_model_gives_one_logit_per_segment() -> None:
    assert SeizureCNN(60)(torch.zeros(2, 19, 15360)).shape == (2, 60)
    assert SeizureCNN(4)(torch.zeros(3, 19, 1024)).shape == (3, 4)


def test_window_counts_must_match_the_preflight() -> None:
    check_window_counts({"train": 5, "val": 2}, {"train": 5, "val": 2})
    with pytest.raises(GuardError, match=r"\(val: dataset 2, preflight 3\)"):
        check_window_counts({"train": 5, "val": 2}, {"train": 5, "val": 3})


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_device_resolution_without_cuda() -> None:
    assert (resolve_device("cpu"), resolve_device("auto")) == ("cpu", "cpu")
    with pytest.raises(GuardError, match="--device cuda: no CUDA device is available"):
        resolve_device("cuda")
