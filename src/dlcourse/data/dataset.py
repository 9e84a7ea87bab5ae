"""In-memory datasets and their reproducible splits (NumPy only)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dlcourse.errors import DataError


@dataclass
class Dataset:
    """A whole dataset held in memory.

    Attributes
    ----------
    x: ``(n, *feature_shape)`` features, ``uint8`` or ``float32``
        (digits: ``(1797, 8, 8)``; MNIST: ``(n, 28, 28)`` uint8; linear: ``(n, 1)`` float32).
    y: ``(n,)`` ``int64`` class indices for classification, ``(n, k)`` ``float32`` targets for regression.
    classes: class names (classification) or ``None``.
    value_range: the known range of ``x`` (``(0, 255)`` for 8-bit images), used by ``scaling: range``.
    test: an optional ``(x, y)`` pair fixed by the publisher (MNIST's 10 000 test images).
    schema: how raw data became ``x``/``y`` (feature names, category encodings, image size...),
        JSON-serialisable; saved with the run so that prediction applies the same encoding.
    """

    name: str
    task: str
    x: np.ndarray
    y: np.ndarray
    classes: list[str] | None = None
    value_range: tuple[float, float] | None = None
    description: str = ""
    test: tuple[np.ndarray, np.ndarray] | None = None
    schema: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y):
            raise DataError(f"dataset '{self.name}': {len(self.x)} samples but {len(self.y)} labels; they must match.")
        if len(self.x) == 0:
            raise DataError(f"dataset '{self.name}' is empty.")

    @property
    def feature_shape(self) -> tuple[int, ...]:
        return tuple(self.x.shape[1:])

    @property
    def n_outputs(self) -> int:
        """Units the model's last layer needs: classes, or regression targets."""
        if self.task == "classification":
            return len(self.classes or np.unique(self.y))
        return 1 if self.y.ndim == 1 else int(self.y.shape[1])


@dataclass
class Splits:
    """Train / validation / test arrays, already preprocessed for the model.

    ``x_*``: ``(n_*, *feature_shape)`` float32. ``y_*``: ``(n_*,)`` int64 or ``(n_*, k)`` float32.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    info: dict = field(default_factory=dict)

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.x_train), "val": len(self.x_val), "test": len(self.x_test)}


def split_indices(
    y: np.ndarray, val_fraction: float, test_fraction: float, seed: int, stratify: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reproducible (stratified for classification) train/val/test index arrays: scikit-learn's
    ``train_test_split`` twice (test, then validation from the rest), each sorted."""
    from dlcourse.data.shuffle_split import SplitError, train_test_indices

    idx = np.arange(len(y))
    strat = y if stratify else None
    try:
        rest, test = (idx, idx[:0]) if test_fraction == 0 else train_test_indices(idx, test_fraction, seed, strat)
        if val_fraction == 0:
            return np.sort(rest), idx[:0], np.sort(test)
        rel = val_fraction / (1.0 - test_fraction)
        train, val = train_test_indices(rest, rel, seed, None if strat is None else y[rest])
    except SplitError as exc:
        raise DataError(f"cannot split {len(y)} samples into train/validation/test ({exc}).",
                        "Use a larger dataset or smaller val_fraction/test_fraction.") from None
    return np.sort(train), np.sort(val), np.sort(test)
