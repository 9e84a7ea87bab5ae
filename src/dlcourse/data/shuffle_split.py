"""scikit-learn's ``train_test_split`` on index arrays, without importing scikit-learn.

``from sklearn.model_selection import train_test_split`` imports scikit-learn's base, SciPy and pandas:
1.5 s on a 2-core laptop, half of what ``dlcourse train digits_mlp`` spends outside PyTorch. The split
is the one piece of scikit-learn a training run needs, so it is restated here on the same random
stream (``numpy.random.RandomState(seed)``), draw for draw: scikit-learn's ``ShuffleSplit`` and
``StratifiedShuffleSplit`` (its ``_approximate_mode`` for the per-class counts).
``tests/data/test_shuffle_split.py`` checks that every split equals scikit-learn's over hundreds of
sizes, fractions, class balances and seeds; the lessons and ``dlcourse code`` scripts call
scikit-learn itself and get the same samples.
"""

from __future__ import annotations

import math

import numpy as np


class SplitError(ValueError):
    """A split that cannot be made (too few samples, or a class with fewer than two)."""


def _sizes(n_samples: int, test_fraction: float | None, train_size: int | None) -> tuple[int, int]:
    """``(n_train, n_test)``: a test fraction rounded up, as scikit-learn does, or ``train_size`` samples."""
    if train_size is not None:
        if not 0 < train_size < n_samples:
            raise SplitError(f"train_size={train_size} should be either positive and smaller than the number of "
                             f"samples {n_samples}")
        return int(train_size), n_samples - int(train_size)
    if not 0.0 < test_fraction < 1.0:
        raise SplitError(f"test_size={test_fraction} should be a float in the (0, 1) range")
    n_test = math.ceil(test_fraction * n_samples)
    n_train = n_samples - n_test
    if n_train <= 0:
        raise SplitError(f"with n_samples={n_samples} and test_size={test_fraction}, the resulting train set "
                         "will be empty")
    return n_train, n_test


def _approximate_mode(class_counts: np.ndarray, n_draws: int, rng: np.random.RandomState) -> np.ndarray:
    """How many of ``n_draws`` to take from each class: proportional, floored, then the largest remainders
    (ties broken at random), so that the counts sum to ``n_draws``."""
    continuous = class_counts / class_counts.sum() * n_draws
    floored = np.floor(continuous)
    need_to_add = int(n_draws - floored.sum())
    if need_to_add > 0:
        remainder = continuous - floored
        for value in np.sort(np.unique(remainder))[::-1]:
            (inds,) = np.where(remainder == value)
            add_now = min(len(inds), need_to_add)
            inds = rng.choice(inds, size=add_now, replace=False)
            floored[inds] += 1
            need_to_add -= add_now
            if need_to_add == 0:
                break
    return floored.astype(int)


def train_test_indices(idx: np.ndarray, test_fraction: float | None, seed: int, stratify: np.ndarray | None = None,
                       train_size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``train_test_split(idx, test_size=test_fraction, random_state=seed, stratify=stratify)``, or with
    ``train_size=`` instead of a test fraction.

    Parameters
    ----------
    idx: ``(n,)`` int sample indices.
    test_fraction: the test part, in (0, 1); ``ceil(test_fraction * n)`` samples (``None`` with ``train_size``).
    seed: the ``numpy.random.RandomState`` seed.
    stratify: ``(n,)`` labels whose proportions both parts keep, or ``None``.
    train_size: the number of training samples (the rest is the test part), instead of ``test_fraction``.

    Returns
    -------
    ``(train, test)``: ``(n_train,)`` and ``(n_test,)`` int, in scikit-learn's (shuffled) order.

    Raises
    ------
    SplitError: the message scikit-learn would give, for the same cases.
    """
    idx = np.asarray(idx)
    n_train, n_test = _sizes(len(idx), test_fraction, train_size)
    rng = np.random.RandomState(seed)
    if stratify is None:
        permutation = rng.permutation(len(idx))
        return idx[permutation[n_test:n_test + n_train]], idx[permutation[:n_test]]
    classes, y_indices, class_counts = np.unique(np.asarray(stratify), return_inverse=True, return_counts=True)
    if class_counts.min() < 2:
        raise SplitError("The least populated classes in y have only 1 member, which is too few. The minimum "
                         "number of groups for any class cannot be less than 2. Classes with too few members "
                         f"are: {classes[class_counts < 2].tolist()}")
    if n_train < len(classes):
        raise SplitError(f"The train_size = {n_train} should be greater or equal to the number of classes = "
                         f"{len(classes)}")
    if n_test < len(classes):
        raise SplitError(f"The test_size = {n_test} should be greater or equal to the number of classes = "
                         f"{len(classes)}")
    class_indices = np.split(np.argsort(y_indices, kind="stable"), np.cumsum(class_counts)[:-1])
    n_i = _approximate_mode(class_counts, n_train, rng)
    t_i = _approximate_mode(class_counts - n_i, n_test, rng)
    train: list = []
    test: list = []
    for i in range(len(classes)):
        members = class_indices[i].take(rng.permutation(class_counts[i]), mode="clip")
        train.extend(members[:n_i[i]])
        test.extend(members[n_i[i]:n_i[i] + t_i[i]])
    return idx[rng.permutation(train)], idx[rng.permutation(test)]


__all__ = ["train_test_indices", "SplitError"]
