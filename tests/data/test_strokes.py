"""The generated 'strokes' dataset: the source task of configs/transfer_source.yaml."""

from __future__ import annotations

import numpy as np

from dlcourse.data import embedded
from dlcourse.data.catalogue import CATALOGUE, load_dataset


def test_shapes_types_and_values_follow_the_digits_conventions():
    ds = embedded.strokes(n_samples=2000, seed=0)
    assert ds.name == "strokes" and ds.task == "classification"
    assert ds.x.shape == (2000, 8, 8) and ds.x.dtype == np.float32
    assert ds.y.shape == (2000,) and ds.y.dtype == np.int64
    assert ds.value_range == (0.0, 16.0) == embedded.digits().value_range
    # Each pixel counts the inked pixels of a 4x4 block, like the UCI digits: whole numbers 0..16.
    assert ds.x.min() == 0.0 and ds.x.max() == 16.0 and np.array_equal(ds.x, np.round(ds.x))
    assert ds.feature_shape == (8, 8)
    assert len(ds.classes) == 100 == ds.n_outputs and len(set(ds.classes)) == 100
    assert ds.classes[0] == "loop/loop" and ds.classes[15] == "arc_open_right/bar_vertical"
    assert ds.y.min() == 0 and ds.y.max() == 99


def test_every_figure_is_inked_and_fills_the_box():
    x = embedded.strokes(n_samples=1000, seed=3).x
    assert (x.sum((1, 2)) > 0).all()
    # Scaled to fill the 32x32 bitmap like the digits: ink reaches the first or last row or column of blocks.
    rows, cols = x.sum(2) > 0, x.sum(1) > 0
    tall = rows[:, 0] & rows[:, -1]
    wide = cols[:, 0] & cols[:, -1]
    assert (tall | wide).mean() > 0.95


def test_deterministic_from_the_seed():
    a, b = embedded.strokes(n_samples=500, seed=7), embedded.strokes(n_samples=500, seed=7)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    c = embedded.strokes(n_samples=500, seed=8)
    assert not np.array_equal(a.x, c.x)


def test_classes_are_balanced():
    y = embedded.strokes(n_samples=2000, seed=1).y
    assert np.array_equal(np.bincount(y, minlength=100), np.full(100, 20))
    counts = np.bincount(embedded.strokes(n_samples=1050, seed=1).y, minlength=100)
    assert counts.max() - counts.min() == 1 and counts.sum() == 1050


def test_labels_are_the_pair_of_parts():
    """Figures of the same upper part look more alike in the upper half than figures of different ones."""
    ds = embedded.strokes(n_samples=4000, seed=2)
    upper = ds.y // 10
    top = ds.x[:, :4].reshape(len(ds.x), -1)
    loop, bar = top[upper == 0].mean(0), top[upper == 6].mean(0)       # loop versus horizontal bar
    assert np.abs(loop - bar).max() > 2.0


def test_jitter_changes_the_figures_not_the_labels():
    a, b = embedded.strokes(n_samples=300, jitter=0.0, seed=4), embedded.strokes(n_samples=300, jitter=0.3, seed=4)
    assert np.array_equal(a.y, b.y) and not np.array_equal(a.x, b.x)


def test_in_the_catalogue_with_the_experiment_seed():
    info = CATALOGUE["strokes"]
    assert info.embedded and info.task == "classification" and not info.downloadable
    ds = load_dataset("strokes", {"n_samples": 300}, seed=5)
    assert np.array_equal(ds.x, embedded.strokes(n_samples=300, seed=5).x)
    assert len(load_dataset("strokes", seed=0).x) == 20000
