"""Shared helpers of the CPU benchmark: data preparation, IDX files, worker arguments and timing.

Standard library and NumPy only, so that every worker pays for exactly one framework.
The workers (``course_torch.py``, ``course_keras.py``, ``reference_loops.py``,
``dlcourse_worker.py``, ``floor.py``) are started by ``bench_cpu.py``, each in its own
process, and write one JSON file each.

Data folder layout written by :func:`prepare_data` (``DIR``)::

    DIR/idx/train-images-idx3-ubyte        (n_train, 28, 28) uint8
    DIR/idx/train-labels-idx1-ubyte        (n_train,) uint8
    DIR/idx/t10k-images-idx3-ubyte         (n_test, 28, 28) uint8
    DIR/idx/t10k-labels-idx1-ubyte         (n_test,) uint8
    DIR/torchvision/MNIST/raw/<same files> what torchvision.datasets.MNIST('DIR/torchvision') reads
    DIR/data.json                          where the data came from, sizes, seed
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np

FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


# ----------------------------------------------------------------------------- IDX files
def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a ``uint8`` array (``(n,)`` labels or ``(n, 28, 28)`` images) as an uncompressed IDX file.

    Written to a temporary name, then renamed: no half-written file is ever left under ``path``.
    """
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(header)
        fh.write(array.tobytes())
    os.replace(tmp, path)


def read_idx(path: Path) -> np.ndarray:
    """Read an uncompressed or gzip IDX file of ``uint8`` values: ``(n,)`` or ``(n, rows, cols)``."""
    import gzip

    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise SystemExit(f"error: '{path}' is not an IDX file of uint8 values (magic bytes {raw[:4].hex()}).")
    ndim = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    offset = 4 + 4 * ndim
    if len(raw) != offset + int(np.prod(dims)):
        raise SystemExit(f"error: '{path}' is truncated or padded: header shape {dims}, {len(raw)} bytes.")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(dims).copy()


def find_idx(folder: Path, stem: str) -> Path | None:
    """``folder/stem`` or ``folder/stem.gz`` if one exists."""
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


# ----------------------------------------------------------------------------- data
def synthetic_mnist(n_train: int = 60000, n_test: int = 10000, seed: int = 0):
    """MNIST-shaped data with learnable structure, generated from ``seed``.

    Each class has a template made of three random smooth strokes. An image is its class's
    template (random brightness), plus a fainter template of another class (a confuser), shifted
    by up to 2 pixels, plus Gaussian noise; so a linear model does well but not perfectly, and an
    MLP keeps improving over several epochs.

    Returns
    -------
    (x_train (n_train, 28, 28) uint8, y_train (n_train,) uint8), (x_test (n_test, 28, 28) uint8, y_test (n_test,) uint8)
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:28, 0:28].astype(np.float32)
    templates = np.zeros((10, 28, 28), np.float32)
    t = np.linspace(0.0, 1.0, 24, dtype=np.float32)[:, None]
    for c in range(10):
        for _ in range(3):
            p0, p1 = rng.uniform(5, 23, 2), rng.uniform(5, 23, 2)
            pts = p0 + t * (p1 - p0)                                   # (24, 2) points along the stroke
            d2 = (yy[None] - pts[:, 0, None, None]) ** 2 + (xx[None] - pts[:, 1, None, None]) ** 2
            templates[c] = np.maximum(templates[c], np.exp(-d2.min(axis=0) / (2 * 1.3 ** 2)))
    n = n_train + n_test
    y = rng.integers(0, 10, n).astype(np.uint8)
    x = np.empty((n, 28, 28), np.uint8)
    chunk = 10000
    for start in range(0, n, chunk):
        yc = y[start:start + chunk].astype(np.int64)
        m = len(yc)
        other = (yc + rng.integers(1, 10, m)) % 10
        amp = rng.uniform(0.6, 1.0, (m, 1, 1)).astype(np.float32)
        mix = rng.uniform(0.0, 0.7, (m, 1, 1)).astype(np.float32)
        img = amp * templates[yc] + mix * templates[other]
        shift = rng.integers(-2, 3, (m, 2))
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                sel = (shift[:, 0] == dy) & (shift[:, 1] == dx)
                if sel.any():
                    img[sel] = np.roll(img[sel], (dy, dx), axis=(1, 2))
        img += rng.normal(0.0, 0.3, img.shape).astype(np.float32)
        x[start:start + m] = (np.clip(img, 0.0, 1.0) * 255.0).round().astype(np.uint8)
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


def load_real(data_dir: Path, samples: int, seed: int):
    """MNIST IDX files from ``data_dir``: the train pair and/or the t10k pair (``.gz`` or not).

    With both pairs, train and test are used as published (train cut to ``samples``).
    With one pair only (e.g. the 10 000 test images), a seeded sixth of it is held out as the test split.
    """
    pairs = {}
    for split in ("train", "test"):
        imgs, labels = find_idx(data_dir, FILES[f"{split}_images"]), find_idx(data_dir, FILES[f"{split}_labels"])
        if imgs and labels:
            pairs[split] = (read_idx(imgs), read_idx(labels))
    if not pairs:
        raise SystemExit(f"error: --data-dir '{data_dir}' holds no MNIST image/label pair; expected "
                         "train-images-idx3-ubyte(.gz) with train-labels-idx1-ubyte(.gz), and/or the t10k-* pair.")
    for split, (x, y) in pairs.items():
        if x.ndim != 3 or len(x) != len(y):
            raise SystemExit(f"error: --data-dir '{data_dir}': {split} images {x.shape} and labels {y.shape} do not match.")
    if "train" in pairs and "test" in pairs:
        (x, y), test = pairs["train"], pairs["test"]
        return (x[:samples], y[:samples]), test, "train and t10k files as published"
    split, (x, y) = next(iter(pairs.items()))
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = max(1, len(y) // 6)
    test, train = order[:n_test], order[n_test:][:samples]
    return (x[train], y[train]), (x[test], y[test]), f"{split} files only: seeded split, {n_test} held out for test"


def prepare_data(out: Path, data_dir: Path | None, samples: int, seed: int) -> dict:
    """Write the benchmark's data folder (layout in the module docstring); returns what ``data.json`` holds."""
    if data_dir is not None:
        (xtr, ytr), (xte, yte), how = load_real(data_dir, samples, seed)
        source = f"real IDX files from {data_dir} ({how})"
    else:
        n_test = max(500, min(10000, samples // 6))
        (xtr, ytr), (xte, yte) = synthetic_mnist(samples, n_test, seed)
        source = f"synthetic, seed {seed}"
    idx = out / "idx"
    raw = out / "torchvision" / "MNIST" / "raw"
    idx.mkdir(parents=True, exist_ok=True)
    raw.mkdir(parents=True, exist_ok=True)
    for key, array in (("train_images", xtr), ("train_labels", ytr), ("test_images", xte), ("test_labels", yte)):
        write_idx(idx / FILES[key], array)
        target = raw / FILES[key]
        if target.exists():
            target.unlink()
        try:
            os.link(idx / FILES[key], target)
        except OSError:
            shutil.copyfile(idx / FILES[key], target)
    info = {"source": source, "n_train": int(len(ytr)), "n_test": int(len(yte)), "shape": list(xtr.shape[1:]),
            "dtype": "uint8", "seed": seed}
    (out / "data.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def load_arrays(data: Path):
    """The prepared arrays: ``(x_train (n, 28, 28) uint8, y_train (n,) uint8), (x_test, y_test)``."""
    folder = Path(data) / "idx"
    return ((read_idx(folder / FILES["train_images"]), read_idx(folder / FILES["train_labels"])),
            (read_idx(folder / FILES["test_images"]), read_idx(folder / FILES["test_labels"])))


# ----------------------------------------------------------------------------- workers
def worker_parser(description: str) -> argparse.ArgumentParser:
    """Arguments every worker takes: ``--data DIR --epochs N --out FILE --launch T --seed S``."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--data", type=Path, required=True, help="folder written by prepare_data")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--out", type=Path, required=True, help="JSON file to write")
    p.add_argument("--launch", type=float, default=None,
                   help="time.time() when the parent started this process (for the time to the first step)")
    p.add_argument("--seed", type=int, default=0)
    return p


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (``ru_maxrss`` is in KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def write_result(path: Path, data: dict) -> None:
    """Write a worker's JSON through a temporary name."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, default=float) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class EpochClock:
    """Times epochs and records the first training step; evaluation is done outside the timed part.

    ``epoch_start()`` / ``epoch_end(accuracy_fn)`` around each epoch, ``step()`` after each
    optimizer step (only the first call records anything), ``finish(**extra)`` writes the JSON.
    """

    def __init__(self, args, name: str, framework: str, batch_size: int):
        self.args, self.name, self.framework, self.batch_size = args, name, framework, batch_size
        self.launch = args.launch if args.launch is not None else time.time()
        self.epoch_seconds: list[float] = []
        self.test_accuracy: list[float] = []
        self.eval_seconds: list[float] = []
        self.first_step: float | None = None
        self._t0 = 0.0

    def epoch_start(self) -> None:
        self._t0 = time.perf_counter()

    def step(self) -> None:
        if self.first_step is None:
            self.first_step = time.time() - self.launch

    def epoch_end(self, accuracy_fn=None) -> None:
        self.epoch_seconds.append(time.perf_counter() - self._t0)
        if accuracy_fn is not None:
            t = time.perf_counter()
            self.test_accuracy.append(float(accuracy_fn()))
            self.eval_seconds.append(time.perf_counter() - t)

    def keras_callback(self, accuracy_fn):
        """A Keras callback that drives this clock during ``fit``; ``accuracy_fn(model)`` gives the test accuracy."""
        import keras

        clock = self

        class Clock(keras.callbacks.Callback):
            async_safe = True

            def on_epoch_begin(self, epoch, logs=None):
                clock.epoch_start()

            def on_train_batch_end(self, batch, logs=None):
                clock.step()

            def on_epoch_end(self, epoch, logs=None):
                clock.epoch_end(lambda: accuracy_fn(self.model))

        return Clock()

    def finish(self, **extra) -> None:
        write_result(self.args.out, {
            "name": self.name, "framework": self.framework, "batch_size": self.batch_size,
            "epochs": len(self.epoch_seconds), "epoch_seconds": self.epoch_seconds,
            "test_accuracy": self.test_accuracy, "eval_seconds": self.eval_seconds,
            "first_step_seconds": self.first_step, "peak_rss_mb": peak_rss_mb(),
            "wall_seconds": time.time() - self.launch, **extra,
        })
