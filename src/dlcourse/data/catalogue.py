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

    @property
    def downloadable(self) -> bool:
        return self.name in ("mnist", "fashion_mnist", "cifar10")


def _mnist(path: str | None = None, data_dir: str | None = None) -> Dataset:
    """MNIST from the cache (after ``dlcourse datasets download mnist``) or a folder of IDX files (``path``)."""
    from dlcourse.data.remote import load_idx_dataset

    return load_idx_dataset("mnist", [str(c) for c in range(10)], "MNIST handwritten digits 28x28", path, data_dir)


def _fashion_mnist(path: str | None = None, data_dir: str | None = None) -> Dataset:
    """Fashion-MNIST from the cache or a folder of IDX files (``path``)."""
    from dlcourse.data.remote import FASHION_CLASSES, load_idx_dataset

    return load_idx_dataset("fashion_mnist", list(FASHION_CLASSES), "Zalando Fashion-MNIST 28x28", path, data_dir)


def _cifar10(path: str | None = None, data_dir: str | None = None) -> Dataset:
    from dlcourse.data.remote import cifar10

    return cifar10(path, data_dir)


def _csv(path: str, target: str, task: str | None = None, missing: str = "error", sep: str = ",",
         categorical: list[str] | None = None, drop: list[str] | None = None, max_classes: int = 20,
         max_categories: int = 100) -> Dataset:
    from dlcourse.data.tabular import load_csv

    return load_csv(path, target, task, missing, sep, categorical, drop, max_classes, max_categories)


def _image_folder(path: str, size: int | list[int] = 28, color: str = "grayscale", skip_bad: bool = False) -> Dataset:
    from dlcourse.data.images import load_image_folder

    return load_image_folder(path, size, color, skip_bad)


def _info(name, task, shape, dtype, classes, size, licence, source, loader, embedded=True):
    return name, DatasetInfo(name, task, shape, dtype, classes, size, licence, source, loader, embedded)


CATALOGUE: dict[str, DatasetInfo] = dict([
    _info("digits", "classification", "(1797, 8, 8)", "float32 in [0, 16]", "10 digits", "1 797 samples",
          "CC BY 4.0", "UCI ML hand-written digits, bundled with scikit-learn", lambda: embedded.digits()),
    _info("iris", "classification", "(150, 4)", "float32", "3 species", "150 samples", "CC BY 4.0",
          "R. A. Fisher (1936), UCI; bundled with scikit-learn", embedded.iris),
    _info("wine", "classification", "(178, 13)", "float32", "3 cultivars", "178 samples", "CC BY 4.0",
          "UCI wine recognition; bundled with scikit-learn", embedded.wine),
    _info("breast_cancer", "classification", "(569, 30)", "float32", "malignant, benign", "569 samples",
          "CC BY 4.0", "UCI breast cancer Wisconsin (diagnostic); bundled with scikit-learn", embedded.breast_cancer),
    _info("diabetes", "regression", "(442, 10)", "float32", "-", "442 samples", "BSD-3-Clause (scikit-learn)",
          "B. Efron et al. (2004), Least Angle Regression; bundled with scikit-learn", embedded.diabetes),
    _info("linear", "regression", "(n_samples, 1)", "float32", "-", "1 000 samples by default",
          "generated", "synthetic y = slope*x + intercept + noise (seeded)", embedded.linear),
    _info("sine", "regression", "(n_samples, 1)", "float32", "-", "1 000 samples by default", "generated",
          "synthetic non-linear y = sin(x) + 0.1x^2 + noise (seeded)", embedded.sine),
    _info("moons", "classification", "(n_samples, 2)", "float32", "2", "1 000 samples by default", "generated",
          "two interleaving half-moons, scikit-learn make_moons (seeded)", embedded.moons),
    _info("spirals", "classification", "(n_samples, 2)", "float32", "2", "1 000 samples by default", "generated",
          "two interleaved spirals (seeded)", embedded.spirals),
    _info("strokes", "classification", "(n_samples, 8, 8)", "float32 in [0, 16]",
          "100 pairs of 10 stroke parts", "20 000 samples by default", "generated",
          "two-part stroke figures drawn like the 8x8 digits (seeded); a transfer-learning source for digits",
          embedded.strokes),
    _info("mnist", "classification", "(60000, 28, 28) + test (10000, 28, 28)", "uint8", "10 digits",
          "70 000 images, 11 MB download", "CC BY-SA 3.0", "Y. LeCun, C. Cortes, C. Burges; downloaded, MD5-verified",
          _mnist, embedded=False),
    _info("fashion_mnist", "classification", "(60000, 28, 28) + test (10000, 28, 28)", "uint8",
          "10 clothing types", "70 000 images, 30 MB download", "MIT", "Zalando Research (H. Xiao et al. 2017); "
          "downloaded, MD5-verified", _fashion_mnist, embedded=False),
    _info("cifar10", "classification", "(50000, 32, 32, 3) + test (10000, 32, 32, 3)", "uint8", "10 objects",
          "60 000 images, 163 MB download", "no licence stated (free for research and teaching)",
          "A. Krizhevsky (2009), University of Toronto; downloaded, MD5-verified", _cifar10, embedded=False),
    _info("csv", "classification or regression", "(n_rows, n_encoded_features)", "float32", "from the target column",
          "your file", "yours", "your own CSV file: options path, target (task, missing, sep, categorical, drop)",
          _csv, embedded=False),
    _info("image_folder", "classification", "(n, h, w) grayscale or (n, h, w, 3) rgb", "uint8",
          "one per sub-folder", "your folder", "yours",
          "your own images, one sub-folder per class: options path (size, color, skip_bad)", _image_folder,
          embedded=False),
])


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
