"""A small 1-D CNN seizure detector: 19 channels in, one logit per segment (per second by default) out."""
from __future__ import annotations

import torch
from torch import nn

from tusz_guard.corpus.channels import N_CHANNELS


def _block(c_in: int, c_out: int, kernel: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv1d(c_in, c_out, kernel, stride=stride, padding=kernel // 2),
        nn.BatchNorm1d(c_out),
        nn.ReLU(),
    )


class SeizureCNN(nn.Module):
    """Strided conv stack (total stride 256) then adaptive pooling to `n_segments` logits per window."""

    def __init__(self, n_segments: int, n_channels: int = N_CHANNELS, width: int = 16) -> None:
        super().__init__()
        self.n_segments = n_segments
        self.features = nn.Sequential(
            _block(n_channels, width, 7, 4),
            _block(width, 2 * width, 7, 4),
            _block(2 * width, 2 * width, 5, 4),
            _block(2 * width, 4 * width, 5, 4),
        )
        self.head = nn.Conv1d(4 * width, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, channels, samples) -> (batch, n_segments) logits."""
        h = self.features(x)
        # Adaptive pooling keeps the model valid for any window length and sampling rate.
        h = nn.functional.adaptive_avg_pool1d(h, self.n_segments)
        return self.head(h).squeeze(1)


def describe(model: nn.Module) -> dict[str, object]:
    """Name and parameter count, for run.json."""
    return {"name": type(model).__name__, "parameters": sum(p.numel() for p in model.parameters())}
