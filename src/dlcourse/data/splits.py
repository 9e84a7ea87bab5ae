"""From a config's data section to preprocessed train/validation/test arrays."""

from __future__ import annotations

import numpy as np

from dlcourse.data.catalogue import load_dataset
from dlcourse.data.dataset import Dataset, Splits, split_indices
from dlcourse.data.preprocessing import Scaler
from dlcourse.errors import DataError


def prepare_splits(data_cfg, seed: int) -> tuple[Dataset, Splits, Scaler]:
    """Load the configured dataset, split it from ``seed`` and fit the scaler on the training split only.

    ``data_cfg`` is a :class:`dlcourse.config.DataConfig`. A dataset with a publisher's
    test split (MNIST) keeps it as the test split.
    """
    ds = load_dataset(data_cfg.dataset, data_cfg.options, seed=seed)
    classify = ds.task == "classification"
    if classify and ds.classes and np.issubdtype(ds.y.dtype, np.integer) and len(ds.y):
        # Checked before the stratified split, whose own error would hide the cause.
        k = len(ds.classes)
        if ds.y.min() < 0 or ds.y.max() >= k:
            raise DataError(f"dataset '{ds.name}': labels must lie in [0, {k - 1}], "
                            f"found {int(ds.y.min())}..{int(ds.y.max())}.")
    if ds.test is not None:
        if data_cfg.val_fraction:
            train, val, _ = split_indices(ds.y, data_cfg.val_fraction, 0.0, seed, classify)
        else:
            train, val = np.arange(len(ds.y)), np.arange(0)
        x_test, y_test = ds.test
    else:
        train, val, test = split_indices(ds.y, data_cfg.val_fraction, data_cfg.test_fraction, seed, classify)
        x_test, y_test = ds.x[test], ds.y[test]
    scaler = Scaler.fit(ds.x[train], data_cfg.scaling, ds.value_range)
    splits = Splits(
        scaler.transform(ds.x[train]), ds.y[train],
        scaler.transform(ds.x[val]), ds.y[val],
        scaler.transform(x_test), y_test,
        info={"dataset": ds.name, "task": ds.task, "classes": ds.classes, "feature_shape": list(ds.feature_shape),
              **({"schema": ds.schema} if ds.schema else {})},
    )
    return ds, splits, scaler
