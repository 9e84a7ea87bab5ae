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


def targets(y: np.ndarray, task: str) -> np.ndarray:
    """Labels ``(n,)`` int64 for classification; targets ``(n, k)`` float32 for regression."""
    if task == "classification":
        return np.asarray(y, dtype=np.int64)
    y = np.asarray(y, dtype=np.float32)
    return y.reshape(len(y), -1)


def steps_per_call(config, n_train: int, multiply_adds: int, rows: int = 8192) -> int:
    """Mini-batches per call to an engine that runs several in one compiled call.

    About ``rows`` samples per call for light models; fewer for heavy ones (about 3·10⁹
    multiply-adds of forward work per call, a few tenths of a second on a laptop core), so that
    progress, stop requests and fault checks come several times a second.
    ``runtime.steps_per_execution`` set in the config wins; ``runtime.fast_path: false`` gives 1.
    """
    rt, bs = config.runtime, config.training.batch_size
    if rt.steps_per_execution != "auto":
        return int(rt.steps_per_execution)
    if not rt.fast_path:
        return 1
    rows = min(rows, max(bs, int(3e9 // max(multiply_adds, 1))))
    return max(1, min(steps_per_epoch(n_train, bs), rows // bs))
