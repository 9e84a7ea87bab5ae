"""dlcourse's split equals scikit-learn's ``train_test_split``, sample for sample, and fails where it fails."""

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from dlcourse.data.shuffle_split import SplitError, train_test_indices


def _cases():
    rng = np.random.default_rng(0)
    for case in range(300):
        n = int(rng.integers(12, 400))
        k = int(rng.integers(2, 11))
        weights = rng.dirichlet(np.full(k, 0.3 if case % 3 == 0 else 3.0))
        y = rng.choice(k, size=n, p=weights)
        if case % 5 == 0:
            y = np.sort(y)                                   # a file ordered by class
        fraction = float(rng.choice([0.1, 0.15, 0.2, 0.25, 1 / 3, 0.5, float(rng.uniform(0.05, 0.6))]))
        yield case, n, y, fraction, int(rng.integers(0, 2**31 - 1)) if case % 4 else case


@pytest.mark.parametrize("stratified", [True, False])
def test_same_split_as_scikit_learn(stratified):
    compared = refused = 0
    for case, n, y, fraction, seed in _cases():
        idx = np.arange(n) * 3 + 7                            # indices that are not positions
        strat = y if stratified else None
        try:
            expected = train_test_split(idx, test_size=fraction, random_state=seed, stratify=strat)
        except ValueError as exc:
            with pytest.raises(SplitError) as ours:
                train_test_indices(idx, fraction, seed, strat)
            assert str(ours.value).split(".")[0] == str(exc).split(".")[0], case
            refused += 1
            continue
        got = train_test_indices(idx, fraction, seed, strat)
        for e, g in zip(expected, got):
            np.testing.assert_array_equal(g, e, err_msg=f"case {case}: n={n} fraction={fraction} seed={seed}")
        compared += 1
    assert compared > 200 and (refused > 0 or not stratified)


def test_train_size_as_scikit_learn():
    rng = np.random.default_rng(1)
    for case in range(100):
        n = int(rng.integers(30, 300))
        y = rng.integers(0, 5, size=n)
        size = int(rng.integers(5, n - 5))
        for strat in (y, None):
            try:
                expected = train_test_split(np.arange(n), train_size=size, random_state=case, stratify=strat)
            except ValueError as exc:
                with pytest.raises(SplitError, match=str(exc).split(".")[0][:40]):
                    train_test_indices(np.arange(n), None, case, strat, train_size=size)
                continue
            got = train_test_indices(np.arange(n), None, case, strat, train_size=size)
            for e, g in zip(expected, got):
                np.testing.assert_array_equal(g, e)


def test_digits_split_unchanged():
    """The course's digits split, whose accuracies the README and lessons quote."""
    from dlcourse.data.dataset import split_indices
    from dlcourse.data.embedded import digits

    y = digits().y
    rest, test = train_test_split(np.arange(len(y)), test_size=0.2, random_state=0, stratify=y)
    train, val = train_test_split(rest, test_size=0.1 / 0.8, random_state=0, stratify=y[rest])
    ours = split_indices(y, 0.1, 0.2, 0, True)
    for e, g in zip((train, val, test), ours):
        np.testing.assert_array_equal(g, np.sort(e))
