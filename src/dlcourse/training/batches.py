"""The order in which samples are visited, shared by both backends.

Each epoch's permutation comes from NumPy, seeded by ``(seed, epoch)``: both
frameworks see the same mini-batches, and a resumed run sees exactly the
batches the uninterrupted run would have seen.
"""

from __future__ import annotations

import math

import numpy as np


def epoch_order(seed: int, epoch: int, n: int, shuffle: bool = True) -> np.ndarray:
    """``(n,)`` int64 indices for ``epoch`` (1-based): a seeded permutation, or ``arange(n)``."""
    if not shuffle:
        return np.arange(n, dtype=np.int64)
    return np.random.default_rng([seed, epoch]).permutation(n).astype(np.int64)


def steps_per_epoch(n: int, batch_size: int) -> int:
    """Mini-batches per epoch; the last one may be smaller (as in Keras' ``fit``)."""
    return math.ceil(n / batch_size)
