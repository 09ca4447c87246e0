"""The one config schema shared by every command (pydantic, unknown keys forbidden)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SEIZURE_LABELS = ("seiz", "fnsz", "gnsz", "spsz", "cpsz", "absz", "tnsz", "cnsz", "tcsz", "atsz", "mysz")
BACKGROUND_LABELS = ("bckg",)


# Every number is finite and bounded (issue 12.3): `.inf` or 1e308 used to crash the window arithmetic, and
# `num_workers: 100000` started 1,400 processes. The bounds are generous: far beyond any TUSZ run, never absurd.
MAX_WINDOW_S = 3600.0          # TUSZ recordings are minutes to hours; a window longer than an hour is a typo
MAX_WORKERS = 256
MAX_HZ = 4096


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Experiment(_Strict):
    name: str = "tusz_train"
    kind: Literal["smoke", "full"] = "full"
    seed: int = Field(42, ge=0, lt=2**64)    # numpy's PCG64 needs >= 0, torch's generators < 2**64
    output_dir: str = "results/tusz_train"


class Data(_Strict):
    data_dir: str = "data/tusz/edf"
    cache_dir: str = "cache/tusz"
    split_policy: Literal["official", "holdout"] = "official"
    validation_split: float = Field(0.2, gt=0.0, lt=1.0)
    limit_files: int | None = Field(None, ge=1, le=10_000_000)
    annotations: Literal["csv_bi", "csv"] = "csv_bi"
    # recordings to leave out: a file stem (aaaaaajy_s001_t000) or a glob on the path under data_dir
    exclude: tuple[str, ...] = Field((), max_length=100_000)


class Preprocessing(_Strict):
    sampling_rate: int = Field(256, gt=0, le=MAX_HZ)
    channels: Literal["10-20"] = "10-20"
    interpolate: tuple[str, ...] = ("Fz", "Pz")
    bandpass: tuple[float, float] | None = (0.5, 120.0)
    notch: float | None = Field(60.0, gt=0, le=MAX_HZ)
    normalize: Literal["zscore", "none"] = "zscore"
    clip: float | None = Field(10.0, gt=0, le=1e6)
    dtype: Literal["float32", "float16"] = "float32"

    @field_validator("bandpass")
    @classmethod
    def _band_order(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not 0 <= v[0] < v[1]:
            raise ValueError(f"bandpass must be [low, high] with 0 <= low < high, got {list(v)}")
        return v

    @field_validator("interpolate")
    @classmethod
    def _known_channels(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        from tusz_guard.corpus.channels import CHANNELS_10_20

        unknown = [c for c in v if c not in CHANNELS_10_20]
        if unknown:
            raise ValueError(f"unknown channel(s) {unknown}; allowed: {', '.join(CHANNELS_10_20)}")
        return v

    @model_validator(mode="after")
    def _below_nyquist(self) -> "Preprocessing":
        nyquist = self.sampling_rate / 2
        if self.bandpass is not None and self.bandpass[1] >= nyquist:
            raise ValueError(f"bandpass high edge {self.bandpass[1]} Hz must be below Nyquist ({nyquist} Hz)")
        if self.notch is not None and self.notch >= nyquist:
            raise ValueError(f"notch {self.notch} Hz must be below Nyquist ({nyquist} Hz)")
        return self


class Windows(_Strict):
    length_s: float = Field(60.0, gt=0, le=MAX_WINDOW_S)
    stride_s: float = Field(10.0, gt=0, le=MAX_WINDOW_S)


class Labels(_Strict):
    seizure: tuple[str, ...] = SEIZURE_LABELS
    background: tuple[str, ...] = BACKGROUND_LABELS

    @model_validator(mode="after")
    def _disjoint(self) -> "Labels":
        both = sorted(set(self.seizure) & set(self.background))
        if both:
            raise ValueError(f"label(s) {both} are in both the seizure and the background set")
        return self


class Training(_Strict):
    epochs: int = Field(10, ge=1, le=100_000)
    batch_size: int = Field(32, ge=1, le=65_536)
    learning_rate: float = Field(0.001, gt=0, le=10.0)
    loss: Literal["bce", "focal"] = "bce"
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    num_workers: int = Field(0, ge=0, le=MAX_WORKERS)


class Config(_Strict):
    experiment: Experiment = Experiment()
    data: Data = Data()
    preprocessing: Preprocessing = Preprocessing()
    windows: Windows = Windows()
    labels: Labels = Labels()
    training: Training = Training()

    @model_validator(mode="after")
    def _windows_hold_samples(self) -> "Config":
        rate = self.preprocessing.sampling_rate
        for key in ("length_s", "stride_s"):
            value = getattr(self.windows, key)
            if round(value * rate) < 1:
                raise ValueError(f"windows.{key} = {value:g} s is shorter than one sample at "
                                 f"{rate} Hz (preprocessing.sampling_rate)")
        return self
