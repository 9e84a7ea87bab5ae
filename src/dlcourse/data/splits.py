"""From a config's data section to preprocessed train/validation/test arrays."""

from __future__ import annotations

import numpy as np

from dlcourse.data.catalogue import load_dataset
from dlcourse.data.dataset import Dataset, Splits, split_indices
from dlcourse.data.preprocessing import Scaler
from dlcourse.data.tabular import apply_imputer, fit_imputer
from dlcourse.errors import DataError


def raw_splits(data_cfg, seed: int) -> tuple[Dataset, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """The configured dataset and its ``train``, ``val`` and ``test`` splits in raw units, ``{split: (x, y)}``.

    ``data_cfg`` is a :class:`dlcourse.config.DataConfig`; the same ``seed`` gives the same samples
    (training and every later evaluation use this function). ``data.classes`` keeps and relabels
    classes first; ``data.train_size`` then keeps a stratified subset of the training split. A
    dataset with a publisher's test split (MNIST) keeps it as the test split.
    """
    ds = load_dataset(data_cfg.dataset, data_cfg.options, seed=seed)
    if getattr(data_cfg, "classes", None):
        ds = keep_classes(ds, data_cfg.classes)
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
        test = ds.test
    else:
        train, val, idx = split_indices(ds.y, data_cfg.val_fraction, data_cfg.test_fraction, seed, classify)
        test = (ds.x[idx], ds.y[idx])
    if getattr(data_cfg, "train_size", None):
        train = training_subset(ds.y, train, data_cfg.train_size, seed, classify)
    return ds, {"train": (ds.x[train], ds.y[train]), "val": (ds.x[val], ds.y[val]), "test": test}


def prepare_splits(data_cfg, seed: int) -> tuple[Dataset, Splits, Scaler]:
    """:func:`raw_splits`, with the scaler fitted on the training split only and applied to every split."""
    ds, parts = raw_splits(data_cfg, seed)
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = parts["train"], parts["val"], parts["test"]
    schema = ds.schema
    imputer = fit_imputer(schema, x_train)                  # a CSV's missing cells: training rows only
    if imputer is not None:
        schema = {**schema, "imputer": imputer}
        x_train, x_val, x_test = (apply_imputer(schema, imputer, x) for x in (x_train, x_val, x_test))
    scaler = Scaler.fit(x_train, data_cfg.scaling, ds.value_range)
    splits = Splits(
        scaler.transform(x_train), y_train,
        scaler.transform(x_val), y_val,
        scaler.transform(x_test), y_test,
        info={"dataset": ds.name, "task": ds.task, "classes": ds.classes, "feature_shape": list(ds.feature_shape),
              **({"schema": schema} if schema else {})},
    )
    return ds, splits, scaler


def keep_classes(ds: Dataset, classes: list[int]) -> Dataset:
    """``ds`` restricted to the samples of ``classes`` (indices), relabelled ``0..len(classes)-1`` in that order."""
    if ds.task != "classification":
        raise DataError(f"data.classes selects classes, but dataset '{ds.name}' is a {ds.task} dataset.",
                        "Remove data.classes.")
    names = ds.classes or [str(c) for c in np.unique(ds.y)]
    missing = [c for c in classes if c >= len(names)]
    if missing:
        raise DataError(f"data.classes: dataset '{ds.name}' has classes 0..{len(names) - 1}, got {missing[0]}.",
                        f"Choose class indices between 0 and {len(names) - 1}.")
    lookup = np.full(len(names), -1, np.int64)
    lookup[np.asarray(classes)] = np.arange(len(classes))

    def pick(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keep = lookup[np.asarray(y, np.int64)] >= 0
        return x[keep], lookup[np.asarray(y, np.int64)[keep]]

    x, y = pick(ds.x, ds.y)
    test = pick(*ds.test) if ds.test is not None else None
    return Dataset(ds.name, ds.task, x, y, [names[c] for c in classes], ds.value_range, ds.description, test,
                   {**ds.schema, "kept_classes": list(classes)} if ds.schema else {})


def training_subset(y: np.ndarray, train: np.ndarray, size: int, seed: int, stratify: bool) -> np.ndarray:
    """A seeded subset of ``size`` of the training indices ``train`` (stratified for classification)."""
    if size > len(train):
        raise DataError(f"data.train_size is {size}, but the training split has only {len(train)} samples.",
                        f"Use a train_size of at most {len(train)}.")
    if size == len(train):
        return train
    from dlcourse.data.shuffle_split import train_test_indices

    classes = len(np.unique(y[train])) if stratify else 0
    if stratify and size < classes:
        raise DataError(f"data.train_size is {size}, fewer than the {classes} classes: some class would have no "
                        f"training sample.", f"Use a train_size of at least {classes}.")
    subset, _ = train_test_indices(train, None, seed, y[train] if stratify else None, train_size=size)
    return np.sort(subset)
