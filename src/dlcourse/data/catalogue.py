"""The catalogue of datasets known by name, and the function that loads one."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from dlcourse.data import embedded
from dlcourse.data.dataset import Dataset
from dlcourse.errors import DataError, did_you_mean


@dataclass(frozen=True)
class DatasetInfo:
    """What the catalogue says of a dataset, before loading it."""

    name: str
    task: str
    shape: str
    dtype: str
    classes: str
    size: str
    licence: str
    source: str
    loader: Callable[..., Dataset] = field(repr=False)
    embedded: bool = True


def _mnist(path: str | None = None) -> Dataset:
    """MNIST from a folder of IDX files (``path``), gz or not."""
    from dlcourse.data.idx import load_idx_folder

    if not path:
        raise DataError("dataset 'mnist' needs data.options.path, the folder holding its IDX files.",
                        "Example: --set data.options.path=data/mnist")
    arrays = load_idx_folder(Path(path))
    train = ("train_images" in arrays and "train_labels" in arrays)
    test = ("test_images" in arrays and "test_labels" in arrays)
    if not (train or test):
        raise DataError(f"no MNIST IDX files in '{path}'; expected train-images-idx3-ubyte(.gz) and "
                        "train-labels-idx1-ubyte(.gz), and/or the t10k-* pair.")
    x, y = (arrays["train_images"], arrays["train_labels"]) if train else (arrays["test_images"], arrays["test_labels"])
    held_out = (arrays["test_images"], arrays["test_labels"].astype(np.int64)) if train and test else None
    return Dataset("mnist", "classification", x, y.astype(np.int64), [str(c) for c in range(10)],
                   (0.0, 255.0), "MNIST handwritten digits 28x28", test=held_out)


CATALOGUE: dict[str, DatasetInfo] = {
    "digits": DatasetInfo("digits", "classification", "(1797, 8, 8)", "float32 in [0, 16]", "10 digits",
                          "1 797 samples", "CC BY 4.0", "UCI ML hand-written digits, bundled with scikit-learn",
                          lambda: embedded.digits()),
    "linear": DatasetInfo("linear", "regression", "(n_samples, 1)", "float32", "-", "1 000 samples by default",
                          "generated", "synthetic y = slope*x + intercept + noise (seeded)", embedded.linear),
    "mnist": DatasetInfo("mnist", "classification", "(n, 28, 28)", "uint8", "10 digits", "70 000 images",
                         "CC BY-SA 3.0", "Y. LeCun, C. Cortes, C. Burges; read from local IDX files", _mnist,
                         embedded=False),
}


def load_dataset(name: str, options: dict | None = None, seed: int = 0) -> Dataset:
    """Load a catalogue dataset by name, with its loader's keyword options (e.g. ``n_samples``).

    A loader that takes ``seed`` receives the experiment's seed unless the options give one.
    """
    info = CATALOGUE.get(name)
    if info is None:
        raise DataError(f"unknown dataset '{name}'.{did_you_mean(name, CATALOGUE)}",
                        f"Known datasets: {', '.join(sorted(CATALOGUE))} (see 'dlcourse datasets list').")
    options = dict(options or {})
    params = inspect.signature(info.loader).parameters
    for key in options:
        if key not in params:
            allowed = [p for p in params if p != "seed"]
            raise DataError(f"dataset '{name}' has no option '{key}'.{did_you_mean(key, allowed)}",
                            f"Its options: {', '.join(allowed) or 'none'}.")
    if "seed" in params and "seed" not in options:
        options["seed"] = seed
    try:
        return info.loader(**options)
    except TypeError as exc:
        raise DataError(f"dataset '{name}': invalid options {options} ({exc}).") from None
