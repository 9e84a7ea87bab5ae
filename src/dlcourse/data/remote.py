"""Downloadable datasets (MNIST, Fashion-MNIST, CIFAR-10): their files, mirrors and cached loaders.

Each file is pinned by the checksum its publisher gives (MD5 for these three;
the MNIST decompressed-content MD5s are published too and accepted for a
recompressed ``.gz``). Files live in ``<cache>/<dataset>/``; see
:mod:`dlcourse.data.download` for the cache folder and the download rules.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlcourse.data.dataset import Dataset
from dlcourse.data.download import OfflineError, RemoteFile, data_dir, fetch, install_local, install_uncompressed
from dlcourse.errors import DataError

_IDX = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


@dataclass(frozen=True)
class RemoteDataset:
    """A dataset fetched from its publisher: its files and the mirrors (URL prefixes) that serve them."""

    name: str
    files: tuple[RemoteFile, ...]
    mirrors: tuple[str, ...]

    def urls(self, spec: RemoteFile) -> list[str]:
        return [m.rstrip("/") + "/" + spec.name for m in self.mirrors]


REMOTE: dict[str, RemoteDataset] = {
    "mnist": RemoteDataset("mnist", (
        RemoteFile(_IDX[0], md5="f68b3c2dcbeaaa9fbdd348bbdeb94873", gunzip_md5="6bbc9ace898e44ae57da46a324031adb"),
        RemoteFile(_IDX[1], md5="d53e105ee54ea40749a09fcbcd1e9432", gunzip_md5="a25bea736e30d166cdddb491f175f624"),
        RemoteFile(_IDX[2], md5="9fb629c4189551a2d022fa330f9573f3", gunzip_md5="2646ac647ad5339dbf082846283269ea"),
        RemoteFile(_IDX[3], md5="ec29112dd5afa0611ce80d1b7f02629c", gunzip_md5="27ae3e4e09519cfbb04c329615203637"),
    ), ("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/")),
    "fashion_mnist": RemoteDataset("fashion_mnist", (
        RemoteFile(_IDX[0], md5="8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        RemoteFile(_IDX[1], md5="25c81989df183df01b3e8a0aad5dffbe"),
        RemoteFile(_IDX[2], md5="bef4ecab320f06d8554ea6380940ec79"),
        RemoteFile(_IDX[3], md5="bb300cfdad3c16e7a12a480ee83cd310"),
    ), ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/")),
    "cifar10": RemoteDataset("cifar10", (
        RemoteFile("cifar-10-python.tar.gz", md5="c58f30108f718f92721af3b95e74349a"),
    ), ("https://www.cs.toronto.edu/~kriz/",)),
}

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def remote(name: str) -> RemoteDataset:
    if name not in REMOTE:
        raise DataError(f"dataset '{name}' is not downloadable; downloadable datasets: {', '.join(REMOTE)}.")
    return REMOTE[name]


def dataset_folder(name: str, root: str | Path | None = None) -> Path:
    """``<cache>/<name>``: where the dataset's files are kept."""
    return data_dir(root) / name


def download(name: str, root: str | Path | None = None, **fetch_options) -> list[Path]:
    """Fetch (or find in the cache) every file of dataset ``name``; returns their paths."""
    ds = remote(name)
    folder = dataset_folder(name, root)
    try:
        return [fetch(spec, ds.urls(spec), folder, **fetch_options) for spec in ds.files]
    except OfflineError as exc:
        raise OfflineError(f"cannot download '{name}': no mirror could be reached, this machine looks offline "
                           f"({exc.message.split('(', 1)[-1].split(')')[0]}).",
                           f"Copy its files from another machine (e.g. a USB key) and run "
                           f"'dlcourse datasets import {name} DIR'.") from None


def import_folder(name: str, source: str | Path, root: str | Path | None = None) -> tuple[list[Path], list[str]]:
    """Verify and install the files of ``name`` found in ``source`` (a folder copied from a USB key).

    A file may also be given uncompressed (``train-images-idx3-ubyte`` for ``train-images-idx3-ubyte.gz``)
    when the checksum of its uncompressed content is pinned; it is verified, then stored compressed.

    Returns (installed paths, names of the files not found). Raises :class:`DataError` if no file is
    found, or if a file is found but does not match its checksum (nothing of that file is installed).
    """
    ds, source = remote(name), Path(source)
    if not source.is_dir():
        raise DataError(f"'{source}' is not a folder; give the folder holding the files of '{name}'.")
    installed, missing, unverifiable = [], [], []
    for spec in ds.files:
        path, plain = source / spec.name, source / spec.name.removesuffix(".gz")
        if path.is_file():
            installed.append(install_local(spec, path, dataset_folder(name, root)))
        elif spec.name.endswith(".gz") and plain.is_file() and spec.gunzip_md5:
            installed.append(install_uncompressed(spec, plain, dataset_folder(name, root)))
        else:
            missing.append(spec.name)
            if spec.name.endswith(".gz") and plain.is_file():
                unverifiable.append(plain.name)
    if unverifiable and not installed:
        raise DataError(f"'{source}' holds {', '.join(unverifiable)} uncompressed, and only the checksums of the "
                        f"compressed files of '{name}' are known, so they cannot be verified.",
                        f"Copy the publisher's .gz files ({', '.join(s.name for s in ds.files)}) instead.")
    if not installed:
        raise DataError(f"no file of dataset '{name}' in '{source}'; expected {', '.join(s.name for s in ds.files)} "
                        "(or, for MNIST, the same names without .gz).")
    return installed, missing


def status(name: str, root: str | Path | None = None) -> dict[str, bool]:
    """Which files of ``name`` are in the cache (present under their final name)."""
    folder = dataset_folder(name, root)
    return {spec.name: (folder / spec.name).is_file() for spec in remote(name).files}


def verify(name: str, root: str | Path | None = None) -> dict[str, str]:
    """Each file of ``name`` in the cache: ``"ok"`` (matches its pinned checksum), ``"damaged"`` (present but
    truncated or altered) or ``"missing"``. Reads every present file (a few seconds for CIFAR-10)."""
    from dlcourse.data.download import matches

    folder = dataset_folder(name, root)
    return {spec.name: ("missing" if not (folder / spec.name).is_file()
                        else "ok" if matches(spec, folder / spec.name) else "damaged")
            for spec in remote(name).files}


def _not_cached(name: str, folder: Path) -> DataError:
    return DataError(f"dataset '{name}' is not in the cache folder '{folder}'.",
                     f"Run 'dlcourse datasets download {name}' (or, offline, 'dlcourse datasets import {name} DIR'), "
                     "or give data.options.path.")


def load_idx_dataset(name: str, classes: list[str], description: str, path: str | None = None,
                     data_dir: str | None = None) -> Dataset:
    """An MNIST-format dataset from ``path`` or the cache: ``x (n, 28, 28) uint8``, ``y (n,) int64``.

    With both the training and the test files, the publisher's test split is kept as the test split.
    """
    from dlcourse.data.idx import load_idx_folder

    folder = Path(path) if path else dataset_folder(name, data_dir)
    if not path and not folder.is_dir():
        raise _not_cached(name, folder)
    arrays = load_idx_folder(folder)
    train = "train_images" in arrays and "train_labels" in arrays
    test = "test_images" in arrays and "test_labels" in arrays
    if not (train or test):
        if not path and not arrays:
            raise _not_cached(name, folder)
        found = ", ".join(sorted(arrays)) if arrays else "none"
        raise DataError(f"'{folder}' holds no complete pair of {name} IDX files (images with their labels; found: "
                        f"{found}); expected train-images-idx3-ubyte(.gz) with train-labels-idx1-ubyte(.gz), "
                        "and/or the t10k-images / t10k-labels pair.")
    if not train:
        import sys

        print(f"note: '{folder}' holds only the {name} test pair (t10k-*): training, validation and test splits are "
              f"all cut from its {len(arrays['test_labels'])} images, not from the 60 000 training images.",
              file=sys.stderr)
    for key in ("train_labels", "test_labels"):
        if key in arrays and not np.issubdtype(arrays[key].dtype, np.integer):
            raise DataError(f"dataset '{name}': classification labels must be integers, got {arrays[key].dtype}.")
    x, y = (arrays["train_images"], arrays["train_labels"]) if train else (arrays["test_images"], arrays["test_labels"])
    held_out = (arrays["test_images"], arrays["test_labels"].astype(np.int64)) if train and test else None
    return Dataset(name, "classification", x, y.astype(np.int64), classes, (0.0, 255.0), description, test=held_out)


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles only plain containers and NumPy arrays (CIFAR-10's batches), never arbitrary code."""

    _ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
                ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
                ("numpy._core.multiarray", "scalar")}

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused to load {module}.{name}")


def _cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, "rb") as fh:
            batch = _ArrayUnpickler(fh, encoding="bytes").load()
        data = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except (OSError, pickle.UnpicklingError, KeyError, ValueError, TypeError, EOFError) as exc:
        raise DataError(f"'{path}' is not a readable CIFAR-10 batch ({exc}).") from None
    return np.ascontiguousarray(data), labels


def cifar10(path: str | None = None, data_dir: str | None = None) -> Dataset:
    """CIFAR-10: ``x (50000, 32, 32, 3) uint8`` channels-last, ``y (50000,) int64``; test split 10 000 images.

    ``path``: a folder holding ``cifar-10-python.tar.gz`` or its extracted ``cifar-10-batches-py``
    (default: the cache). The archive is extracted safely the first time.
    """
    from dlcourse.data.archive import safe_extract

    folder = Path(path) if path else dataset_folder("cifar10", data_dir)
    batches = folder / "cifar-10-batches-py"
    if folder.name == "cifar-10-batches-py":
        batches = folder
    if not batches.is_dir():
        archive = folder / "cifar-10-python.tar.gz"
        if not archive.is_file():
            raise _not_cached("cifar10", folder)
        extracted = safe_extract(archive, folder / ".cifar-10-extract")
        inner = extracted / "cifar-10-batches-py"
        if not inner.is_dir():
            raise DataError(f"archive '{archive}' holds no cifar-10-batches-py folder.")
        inner.rename(batches)
        import shutil

        shutil.rmtree(extracted, ignore_errors=True)
    parts = [_cifar_batch(batches / f"data_batch_{i}") for i in range(1, 6)]
    x_test, y_test = _cifar_batch(batches / "test_batch")
    return Dataset("cifar10", "classification", np.concatenate([p[0] for p in parts]),
                   np.concatenate([p[1] for p in parts]), list(CIFAR10_CLASSES), (0.0, 255.0),
                   "CIFAR-10 32x32 colour images, 10 classes", test=(x_test, y_test))
