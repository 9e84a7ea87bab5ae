"""Scaling fitted on the training split only; stratified seeded splits; label encoding and one-hot."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from dlcourse.data.preprocessing import Preprocessing, Scaler, encode_labels, one_hot
from dlcourse.data.splits import prepare_splits
from dlcourse.errors import DataError


def cfg(dataset="wine", scaling="standard", **options):
    return SimpleNamespace(dataset=dataset, options=options, val_fraction=0.1, test_fraction=0.2, scaling=scaling)


def test_scaler_is_fitted_on_training_split_only(monkeypatch):
    """Changing validation and test samples must not change the fitted scaler (no leakage)."""
    import dlcourse.data.splits as splits_mod

    ds, splits, scaler = prepare_splits(cfg(), seed=3)
    train_mean = ds.x[np.isin(np.arange(len(ds.x)), _train_index(ds, splits))].mean(axis=0)
    np.testing.assert_allclose(scaler.shift, train_mean, rtol=1e-5)
    np.testing.assert_allclose(splits.x_train.mean(axis=0), 0.0, atol=1e-4)

    original = splits_mod.load_dataset

    def poisoned(*args, **kwargs):                    # same dataset, val/test samples multiplied by 1000
        d = original(*args, **kwargs)
        keep = _train_index(d, splits)
        mask = ~np.isin(np.arange(len(d.x)), keep)
        d.x = d.x.copy()
        d.x[mask] *= 1000.0
        return d

    monkeypatch.setattr(splits_mod, "load_dataset", poisoned)
    _, splits2, scaler2 = prepare_splits(cfg(), seed=3)
    assert scaler2.to_dict() == scaler.to_dict()
    np.testing.assert_array_equal(splits2.x_train, splits.x_train)
    assert not np.allclose(splits2.x_test, splits.x_test)


def _train_index(ds, splits):
    """Indices of the training rows, from the same seeded split prepare_splits uses."""
    from dlcourse.data.dataset import split_indices

    train, _, _ = split_indices(ds.y, 0.1, 0.2, 3, True)
    assert len(train) == len(splits.x_train)
    return train


def test_split_is_stratified_and_seeded():
    ds, a, _ = prepare_splits(cfg("breast_cancer"), seed=1)
    _, b, _ = prepare_splits(cfg("breast_cancer"), seed=1)
    _, c, _ = prepare_splits(cfg("breast_cancer"), seed=2)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_test, c.x_test)
    overall = ds.y.mean()
    for y in (a.y_train, a.y_val, a.y_test):
        assert abs(y.mean() - overall) < 0.03
    assert sum(a.sizes().values()) == len(ds.y)


def test_range_scaling_per_feature_without_known_range():
    x = np.array([[0.0, 10.0], [2.0, 30.0], [4.0, 20.0]], np.float32)
    s = Scaler.fit(x, "range")
    out = s.transform(x)
    np.testing.assert_allclose(out.min(axis=0), 0.0)
    np.testing.assert_allclose(out.max(axis=0), 1.0)
    assert Scaler.from_dict(json.loads(json.dumps(s.to_dict()))).transform(x).tolist() == out.tolist()


def test_label_encoding_and_one_hot():
    y, classes = encode_labels(["b", "a", "b", "c"])
    assert classes == ["a", "b", "c"] and y.tolist() == [1, 0, 1, 2] and y.dtype == np.int64
    oh = one_hot(y, 3)
    assert oh.shape == (4, 3) and oh.dtype == np.float32 and oh.sum(axis=1).tolist() == [1, 1, 1, 1]
    assert oh.argmax(axis=1).tolist() == y.tolist()
    with pytest.raises(DataError):
        one_hot(np.array([0, 3]), 3)
    with pytest.raises(DataError, match="not one of"):
        encode_labels(["z"], classes)


def test_saved_preprocessing_is_applied_again_at_prediction(tmp_path):
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"n": rng.normal(50, 10, 200), "c": rng.choice(["u", "v"], 200),
                          "t": rng.choice(["no", "yes"], 200)})
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    ds, splits, scaler = prepare_splits(cfg("csv", path=str(path), target="t"), seed=0)
    (tmp_path / "preprocessing.json").write_text(json.dumps({"scaler": scaler.to_dict(), **splits.info}))
    pre = Preprocessing.load(tmp_path)
    assert pre.classes == ["no", "yes"]
    # the test rows, re-encoded from the raw frame, equal the prepared test split
    from dlcourse.data.dataset import split_indices

    _, _, test = split_indices(ds.y, 0.1, 0.2, 0, True)
    np.testing.assert_allclose(pre.transform_frame(frame.iloc[test]), splits.x_test, rtol=1e-6)
