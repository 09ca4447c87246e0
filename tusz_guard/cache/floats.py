"""Floats: an immutable vector of float64 kept as packed bytes, for the per-channel mean and std of cache entries.

A tuple of 19 floats costs 648 bytes (the tuple, then one object per value); these cost ~240. At corpus scale an
index holds 73,500 entries x 2 vectors: ~60 MiB less for every command that reads the index. Floats equals (and
hashes like) the tuple of its values, so records compare and serialise as before; only its storage differs.
"""
from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from typing import Any, SupportsFloat, overload


class Floats:
    """A read-only sequence of floats (float64, native byte order), e.g. Floats.of([0.5, 1.0])."""

    __slots__ = ("_packed",)
    _packed: bytes

    def __init__(self, values: Iterable[SupportsFloat] = ()) -> None:
        # float() first: a JSON string or a bool converts exactly as tuple(map(float, values)) did
        object.__setattr__(self, "_packed", array("d", map(float, values)).tobytes())

    @classmethod
    def of(cls, values: Iterable[SupportsFloat]) -> Floats:
        """The values as a Floats (a Floats is returned as it is)."""
        return values if isinstance(values, Floats) else cls(values)

    @classmethod
    def from_bytes(cls, packed: bytes) -> Floats:
        """A Floats of bytes written by `packed` (the scan memo stores them so); ValueError when not whole float64s."""
        if not isinstance(packed, bytes) or len(packed) % 8:
            raise ValueError("packed floats must be bytes of a multiple of 8")
        made = cls.__new__(cls)
        object.__setattr__(made, "_packed", packed)
        return made

    @property
    def packed(self) -> bytes:
        return self._packed

    def values(self) -> tuple[float, ...]:
        return tuple(memoryview(self._packed).cast("d"))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Floats is immutable")

    def __len__(self) -> int:
        return len(self._packed) // 8

    def __iter__(self) -> Iterator[float]:
        return iter(memoryview(self._packed).cast("d").tolist())

    @overload
    def __getitem__(self, i: int) -> float: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[float, ...]: ...

    def __getitem__(self, i: int | slice) -> float | tuple[float, ...]:
        return self.values()[i]

    def __contains__(self, value: object) -> bool:
        return value in self.values()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Floats):
            return self.values() == other.values()     # by value, as tuples compare (0.0 == -0.0, nan != nan)
        if isinstance(other, (tuple, list)):
            return self.values() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.values())

    def __repr__(self) -> str:
        return repr(self.values())

    def __reduce__(self) -> tuple[Any, ...]:
        return (Floats.from_bytes, (self._packed,))

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any:
        import numpy as np

        out = np.frombuffer(self._packed, dtype=np.float64)
        return out.astype(dtype) if dtype is not None else out.copy()
