"""Datasets that need no network: scikit-learn's bundled sets and seeded synthetic generators."""

from __future__ import annotations

import numpy as np

from dlcourse.data.dataset import Dataset


def digits() -> Dataset:
    """scikit-learn's handwritten digits: ``x (1797, 8, 8) float32`` in [0, 16], ``y (1797,) int64``."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return Dataset(
        name="digits",
        task="classification",
        x=bunch.images.astype(np.float32),
        y=bunch.target.astype(np.int64),
        classes=[str(c) for c in range(10)],
        value_range=(0.0, 16.0),
        description="8x8 handwritten digits (UCI, bundled with scikit-learn)",
    )


def linear(n_samples: int = 1000, slope: float = 3.0, intercept: float = 0.0, noise: float = 1.0, seed: int = 0) -> Dataset:
    """The course's ``y = 3x + noise``: ``x (n, 1) float32 ~ N(0, 1)``, ``y (n, 1) float32``."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_samples, 1)).astype(np.float32)
    y = (slope * x + intercept + noise * rng.standard_normal((n_samples, 1))).astype(np.float32)
    return Dataset(
        name="linear",
        task="regression",
        x=x,
        y=y,
        description=f"synthetic y = {slope}x + {intercept} + N(0, {noise}^2)",
    )
