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


def _sklearn_table(loader_name: str, name: str, task: str, description: str) -> Dataset:
    """A scikit-learn bundled table: ``x (n, d) float32``; ``y (n,) int64`` classes or ``(n, 1) float32`` targets."""
    from sklearn import datasets

    bunch = getattr(datasets, loader_name)()
    x = np.asarray(bunch.data, dtype=np.float32)
    if task == "classification":
        y = np.asarray(bunch.target, dtype=np.int64)
        classes = [str(c) for c in bunch.target_names]
    else:
        y = np.asarray(bunch.target, dtype=np.float32).reshape(-1, 1)
        classes = None
    return Dataset(name=name, task=task, x=x, y=y, classes=classes, description=description,
                   schema={"features": [str(f) for f in bunch.feature_names]})


def iris() -> Dataset:
    """Fisher's iris: ``x (150, 4) float32`` (sepal/petal length and width, cm), ``y (150,) int64`` 3 species."""
    return _sklearn_table("load_iris", "iris", "classification", "Iris flowers, 4 measurements, 3 species")


def wine() -> Dataset:
    """Wine recognition: ``x (178, 13) float32`` chemical analyses, ``y (178,) int64`` 3 cultivars."""
    return _sklearn_table("load_wine", "wine", "classification", "Wines from 3 cultivars, 13 chemical measurements")


def breast_cancer() -> Dataset:
    """Breast cancer Wisconsin (diagnostic): ``x (569, 30) float32``, ``y (569,) int64`` malignant/benign."""
    return _sklearn_table("load_breast_cancer", "breast_cancer", "classification",
                          "Breast cancer diagnosis from 30 cell-nucleus features")


def diabetes() -> Dataset:
    """Diabetes progression: ``x (442, 10) float32`` (already centred and scaled by scikit-learn), ``y (442, 1) float32``."""
    return _sklearn_table("load_diabetes", "diabetes", "regression",
                          "Disease progression one year after baseline, 10 features")


def sine(n_samples: int = 1000, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Non-linear regression ``y = sin(x) + 0.1 x^2 + noise``: ``x (n, 1) float32 ~ U(-3, 3)``, ``y (n, 1) float32``.

    A single dense layer cannot fit it; a hidden layer with a non-linearity can.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3.0, 3.0, (n_samples, 1)).astype(np.float32)
    y = (np.sin(x) + 0.1 * x ** 2 + noise * rng.standard_normal((n_samples, 1))).astype(np.float32)
    return Dataset(name="sine", task="regression", x=x, y=y,
                   description=f"synthetic y = sin(x) + 0.1x^2 + N(0, {noise}^2)")


def moons(n_samples: int = 1000, noise: float = 0.2, seed: int = 0) -> Dataset:
    """Two interleaving half-moons (scikit-learn's ``make_moons``): ``x (n, 2) float32``, ``y (n,) int64``."""
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return Dataset(name="moons", task="classification", x=x.astype(np.float32), y=y.astype(np.int64),
                   classes=["0", "1"], description=f"two half-moons, noise {noise}")


def spirals(n_samples: int = 1000, turns: float = 1.5, noise: float = 0.2, seed: int = 0) -> Dataset:
    """Two interleaved spirals: ``x (n, 2) float32``, ``y (n,) int64`` (0 or 1, balanced)."""
    rng = np.random.default_rng(seed)
    half = n_samples // 2
    counts = (half, n_samples - half)
    xs, ys = [], []
    for label, count in enumerate(counts):
        t = np.sqrt(rng.uniform(0.0, 1.0, count)) * turns * 2 * np.pi
        angle = t + label * np.pi
        pts = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1) / (turns * 2 * np.pi) * 3
        xs.append(pts + noise * 0.1 * 3 * rng.standard_normal(pts.shape))
        ys.append(np.full(count, label))
    order = rng.permutation(n_samples)
    x = np.concatenate(xs)[order].astype(np.float32)
    y = np.concatenate(ys)[order].astype(np.int64)
    return Dataset(name="spirals", task="classification", x=x, y=y, classes=["0", "1"],
                   description=f"two spirals, {turns} turns, noise {noise}")
