"""Scaling fitted on the training split only, saved with the run, applied again at prediction time."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass
class Scaler:
    """Affine scaling ``(x - shift) / scale`` with parameters fitted on the training split.

    ``method``: ``range`` (to [0, 1] using the dataset's known range, or the training min/max),
    ``standard`` (per-feature mean 0 and standard deviation 1) or ``none``.
    ``shift`` and ``scale`` are scalars or lists shaped like one sample.
    """

    method: str = "none"
    shift: float | list = 0.0
    scale: float | list = 1.0

    @classmethod
    def fit(cls, x_train: np.ndarray, method: str, value_range: tuple[float, float] | None = None) -> "Scaler":
        """Fit on ``x_train: (n, *shape)``; never looks at validation or test data."""
        if method == "none":
            return cls("none")
        if method == "range":
            lo, hi = value_range if value_range else (float(x_train.min()), float(x_train.max()))
            return cls("range", float(lo), float(hi - lo) or 1.0)
        if method == "standard":
            x = x_train.astype(np.float64)
            mean, std = x.mean(axis=0), x.std(axis=0)
            std[std == 0] = 1.0
            return cls("standard", mean.tolist(), std.tolist())
        raise ValueError(f"unknown scaling method {method!r}")

    def transform(self, x: np.ndarray) -> np.ndarray:
        """``x: (n, *shape)`` any numeric dtype -> same shape, ``float32``."""
        out = x.astype(np.float32)
        if self.method == "none":
            return out
        shift = np.asarray(self.shift, dtype=np.float32)
        scale = np.asarray(self.scale, dtype=np.float32)
        return (out - shift) / scale

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Scaler":
        return cls(**data)
