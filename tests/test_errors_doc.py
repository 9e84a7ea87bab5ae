"""``docs/errors.md`` and the code agree one to one.

Each row of the tables in ``docs/errors.md`` has an id; :data:`PROVOKERS` maps each id to a
function that provokes the error through the real command line (a subprocess) or the library,
and returns the exit code and the one-line message. The message must match the row's pattern
(``<...>`` stands for any text) and the exit code must be 2. A row without a function, or a
function without a row, fails.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import pickle
import re
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dlcourse.errors import EXIT_USAGE, UserError

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "errors.md"


# ----------------------------------------------------------------------------- the table
def parse_rows(text: str) -> list[dict]:
    """Rows ``| `id` | cause | `message` | fix |`` of every table -> ``[{'id', 'cause', 'message', 'fix'}]``."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        assert len(cells) == 4, f"a row of docs/errors.md needs 4 cells (id, cause, message, fix): {line}"
        ident, cause, message, fix = cells
        assert message.startswith("`") and message.endswith("`"), f"message not in backticks: {line}"
        rows.append({"id": ident.strip("`"), "cause": cause, "message": message[1:-1], "fix": fix})
    return rows


def pattern(message: str) -> re.Pattern:
    """A documented message -> a regex: literal text, with each ``<placeholder>`` matching any text."""
    parts = re.split(r"<[^<>]+>", message)
    return re.compile(".*?".join(re.escape(p) for p in parts))


ROWS = parse_rows(DOC.read_text(encoding="utf-8"))
PROVOKERS: dict[str, tuple] = {}


def provokes(row_id: str, slow: bool = False, xfail: str | None = None):
    """Register the function that provokes row ``row_id``; ``slow`` if it trains or imports a framework."""
    def register(func):
        assert row_id not in PROVOKERS, f"two functions for {row_id}"
        PROVOKERS[row_id] = (func, slow, xfail)
        return func
    return register


# ----------------------------------------------------------------------------- helpers
GOOD = """name: t
task: classification
data: {dataset: digits}
model:
  layers:
    - {type: flatten}
    - {type: dense, units: 10}
optimizer: {name: sgd, lr: 0.1}
training: {epochs: 1, batch_size: 64}
"""

MNIST = GOOD.replace("data: {dataset: digits}", "data: {dataset: mnist, options: {path: '%s'}, val_fraction: 0.1}")


def message_of(stderr: str) -> str:
    """The last line of standard error, without its ``error: `` prefix (argparse adds ``dlcourse train: ``)."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    return last.split("error: ", 1)[1] if "error: " in last else last


def train(tmp_path: Path, config: str, *args: str, code: str | None = None) -> tuple[int, str]:
    """``dlcourse train`` in a subprocess, config given as YAML text (or a path/name when it has no newline)."""
    if "\n" in config:
        path = tmp_path / "config.yaml"
        path.write_text(config, encoding="utf-8")
        config = str(path)
    argv = ["train", config, "--quiet", "--runs-dir", str(tmp_path / "runs"), *args]
    command = [sys.executable, "-m", "dlcourse", *argv] if code is None else [sys.executable, "-c", code, *argv]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600, stdin=subprocess.DEVNULL)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, message_of(proc.stderr)


def library(call, *args) -> tuple[int, str]:
    """Call the library; a :class:`UserError` gives the command line's exit code 2 and its message."""
    try:
        call(*args)
    except UserError as exc:
        return EXIT_USAGE, str(exc)
    return 0, ""


def write_idx(path: Path, array: np.ndarray, code: int = 0x08) -> Path:
    """Write ``array`` as an IDX file (type code 0x08 uint8, 0x09 int8, 0x0D float32)."""
    dtype = {0x08: ">u1", 0x09: ">i1", 0x0D: ">f4"}[code]
    array = np.asarray(array)
    header = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    path.write_bytes(header + array.astype(dtype).tobytes())
    return path


def mnist_folder(tmp_path: Path, images=None, labels=None, image_code=0x08, label_code=0x08) -> Path:
    """A tiny MNIST-style folder: 100 images (4, 4) and labels 0..9 unless given."""
    folder = tmp_path / "mnist"
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (100, 4, 4)) if images is None else images
    labels = np.arange(len(images)) % 10 if labels is None else labels
    write_idx(folder / "train-images-idx3-ubyte", images, image_code)
    write_idx(folder / "train-labels-idx1-ubyte", labels, label_code)
    return folder


def train_mnist(tmp_path: Path, folder: Path) -> tuple[int, str]:
    return train(tmp_path, MNIST % folder)


def run_folder(tmp_path: Path) -> Path:
    """A complete, readable run folder written by hand (what :func:`dlcourse.runs.read_run` expects)."""
    from dlcourse.runs import RUN_FORMAT

    run = tmp_path / "run"
    run.mkdir()
    (run / "config.yaml").write_text(GOOD, encoding="utf-8")
    (run / "environment.json").write_text(json.dumps({"run_format": RUN_FORMAT, "versions": {"dlcourse": "0.1.0"}}))
    (run / "history.csv").write_text("epoch,loss,accuracy,seconds\n1,0.5,0.8,0.1\n")
    (run / "metrics.json").write_text(json.dumps({"test": {"accuracy": 0.8}}))
    return run


def read(run: Path):
    from dlcourse.runs import read_run

    return read_run(run)


# ----------------------------------------------------------------------------- config file
@provokes("config-missing")
def _(tmp_path):
    return train(tmp_path, str(tmp_path / "missing.yaml"))


@provokes("config-is-folder")
def _(tmp_path):
    return train(tmp_path, str(tmp_path))


@provokes("config-not-utf8")
def _(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_bytes("name: caf\u00e9\n".encode("latin-1"))
    return train(tmp_path, str(path))


@provokes("config-yaml-syntax")
def _(tmp_path):
    code, message = train(tmp_path, "name: t\ntask: classification\ndata: {dataset: digits\nmodel: [\n")
    assert " line 4, column 6:" in message       # the line where the unclosed mapping is noticed
    assert "while parsing a flow mapping that starts at line 3, column 7" in message  # and where it opens
    return code, message


@provokes("config-control-character")
def _(tmp_path):
    code, message = train(tmp_path, GOOD.replace("task: classification", "task: classifi\x1fcation"))
    assert "line 2" in message and "'\\x1f'" in message
    return code, message


@provokes("config-not-mapping")
def _(tmp_path):
    return train(tmp_path, "- name: t\n- task: classification\n")


@provokes("config-bad-name")
def _(tmp_path):
    code, message = train(tmp_path, GOOD.replace("name: ", "name: mon essai/", 1))
    assert "for example 'mon_essai_" in message
    return code, message


@provokes("config-unknown-key")
def _(tmp_path):
    code, message = train(tmp_path, GOOD.replace("batch_size: 64", "batchsize: 64"))
    assert "Did you mean 'batch_size'?" in message
    return code, message


@provokes("config-missing-key")
def _(tmp_path):
    return train(tmp_path, GOOD.replace("optimizer: {name: sgd, lr: 0.1}\n", ""))


@provokes("config-unknown-value")
def _(tmp_path):
    code, message = train(tmp_path, GOOD.replace("task: classification", "task: clasification"))
    assert "Did you mean 'classification'?" in message
    return code, message


@provokes("config-unknown-optimizer")
def _(tmp_path):
    return train(tmp_path, GOOD, "--set", "optimizer.name=adamm")


@provokes("config-missing-tag")
def _(tmp_path):
    code, message = train(tmp_path, GOOD.replace("{type: dense, units: 10}", "{units: 10}"))
    assert "missing key 'type'" in message
    return code, message


@provokes("config-negative-lr")
def _(tmp_path):
    return train(tmp_path, GOOD.replace("lr: 0.1", "lr: -0.1"))


@provokes("config-epochs-not-positive")
def _(tmp_path):
    return train(tmp_path, GOOD.replace("epochs: 1", "epochs: 0"))


@provokes("config-batch-size-not-positive")
def _(tmp_path):
    return train(tmp_path, GOOD.replace("batch_size: 64", "batch_size: -4"))


@provokes("config-count-not-integer")
def _(tmp_path):
    code, message = train(tmp_path, GOOD.replace("epochs: 1", "epochs: true"))
    assert "training.epochs" in message and "True" in message
    return code, message


@provokes("config-dropout-rate")
def _(tmp_path):
    return train(tmp_path, GOOD.replace("- {type: flatten}", "- {type: flatten}\n    - {type: dropout, rate: 1.0}"))


@provokes("config-split-fractions")
def _(tmp_path):
    return train(tmp_path, GOOD.replace("{dataset: digits}", "{dataset: digits, val_fraction: 0.5, test_fraction: 0.5}"))


@provokes("config-loss-task")
def _(tmp_path):
    return train(tmp_path, GOOD, "--set", "loss=mse")


@provokes("set-not-key-value")
def _(tmp_path):
    return train(tmp_path, GOOD, "--set", "training.epochs")


@provokes("set-bad-index")
def _(tmp_path):
    return train(tmp_path, GOOD, "--set", "model.layers.9.units=3")


@provokes("set-into-value")
def _(tmp_path):
    return train(tmp_path, GOOD, "--set", "optimizer.lr.value=0.1")


# ----------------------------------------------------------------------------- framework
@provokes("framework-unknown-option")
def _(tmp_path):
    return train(tmp_path, GOOD, "--framework", "jax")


@provokes("framework-unknown-library")
def _(tmp_path):
    from dlcourse.backends import get_backend

    return library(get_backend, "jax")


HIDE_TORCH = """
import importlib.machinery, importlib.util, sys
_find = importlib.util.find_spec
importlib.util.find_spec = lambda name, *a: None if name.split('.')[0] == 'torch' else _find(name, *a)
from dlcourse.cli import main
sys.exit(main(sys.argv[1:]))
"""


@provokes("framework-not-installed", slow=True)
def _(tmp_path):
    return train(tmp_path, GOOD, "--framework", "torch", code=HIDE_TORCH)


# ----------------------------------------------------------------------------- data
@provokes("dataset-unknown", slow=True)
def _(tmp_path):
    return train(tmp_path, GOOD.replace("dataset: digits", "dataset: digitz"))


@provokes("dataset-option-unknown", slow=True)
def _(tmp_path):
    return train(tmp_path, GOOD, "--set", "data.options.n_sample=10")


@provokes("dataset-task-mismatch", slow=True)
def _(tmp_path):
    return train(tmp_path, GOOD.replace("task: classification", "task: regression"))


@provokes("model-output-units", slow=True)
def _(tmp_path):
    return train(tmp_path, GOOD.replace("units: 10", "units: 5"))


@provokes("model-shape-mismatch", slow=True)
def _(tmp_path):
    code, message = train(tmp_path, GOOD.replace("    - {type: flatten}\n", ""))
    assert "shape (8, 8)" in message and "(64,)" in message
    return code, message


CNN = """name: t
task: classification
data: {dataset: DATASET}
model:
  layers:
LAYERS
    - {type: flatten}
    - {type: dense, units: UNITS}
optimizer: {name: sgd, lr: 0.1}
training: {epochs: 1, batch_size: 64}
"""


def cnn(*layers: str, dataset: str = "digits", units: int = 10) -> str:
    """A config whose layers are ``layers`` (YAML flow mappings), then flatten and the dense head."""
    return (CNN.replace("LAYERS", "\n".join(f"    - {layer}" for layer in layers))
            .replace("DATASET", dataset).replace("UNITS", str(units)))


def _without_cuda(*args: str):
    """A provoker training with PyTorch and ``args``: refused on a machine without a CUDA GPU."""
    def provoke(tmp_path):
        torch = pytest.importorskip("torch")
        if torch.cuda.is_available():
            pytest.skip("this machine has a CUDA GPU")
        return train(tmp_path, GOOD, "-f", "torch", *args)
    return provoke


provokes("device-cuda-missing", slow=True)(_without_cuda("--device", "cuda"))
provokes("precision-needs-cuda", slow=True)(_without_cuda("--precision", "16-mixed"))


TORCHRUN = "import os, sys; os.environ.update(WORLD_SIZE='2', RANK='0'); from dlcourse.cli import run; run()"


@provokes("distributed-batch")
def _(tmp_path):
    code, message = train(tmp_path, GOOD, "-f", "torch", "--set", "training.batch_size=33", code=TORCHRUN)
    assert "batch_size 33" in message and "training.batch_size=32" in message
    return code, message


@provokes("distributed-framework")
def _(tmp_path):
    return train(tmp_path, GOOD, "-f", "tensorflow", code=TORCHRUN)


# id -> (the model's first layers, what the message must name)
LAYER_ERRORS = {
    "layer-needs-image": (("{type: flatten}", "{type: conv2d, filters: 4}"),
                          ("model.layers.1 (conv2d(4, 3x3, valid))", "shape (64,)")),
    "layer-kernel-too-large": (("{type: conv2d, filters: 4, kernel_size: [9, 3]}",),
                               ("its 9x3 kernel is larger than its 8x8 input",)),
    "layer-window-too-large": (("{type: max_pool2d}",) * 4,
                               ("model.layers.3 (max_pool2d(2x2)) receives samples of shape (1, 1, 1)",)),
    "layer-batch-norm-shape": (("{type: batch_norm}",), ("model.layers.0 (batch_norm(0.99)) receives samples of shape (8, 8)",)),
    "layer-size-invalid": (("{type: conv2d, filters: 4, stride: 0}",), ("model.layers.0.stride", "got 0")),
    "layer-momentum": (("{type: conv2d, filters: 4}", "{type: batch_norm, momentum: 1.1}"),
                       ("model.layers.1.momentum", "got 1.1")),
}


def _layer_error(layers: tuple[str, ...], expected: tuple[str, ...]):
    def provoke(tmp_path):
        code, message = train(tmp_path, cnn(*layers))
        assert all(text in message for text in expected), message
        return code, message
    return provoke


for _id, (_layers, _expected) in LAYER_ERRORS.items():
    provokes(_id)(_layer_error(_layers, _expected))


@provokes("labels-out-of-range", slow=True)
def _(tmp_path):
    labels = np.arange(100) % 10 + 1                     # the classic mistake: classes numbered 1..10
    code, message = train_mnist(tmp_path, mnist_folder(tmp_path, labels=labels))
    assert "[0, 9], found 1..10" in message
    return code, message


@provokes("labels-not-integer")
def _(tmp_path):
    from dlcourse.config import validate_config
    from dlcourse.data.dataset import Dataset
    from dlcourse.training.runner import check_model_fits_data

    import yaml

    config = validate_config(yaml.safe_load(GOOD))
    dataset = Dataset("mine", "classification", np.zeros((20, 8, 8), np.float32),
                      (np.arange(20) % 10).astype(np.float32), [str(c) for c in range(10)])
    return library(check_model_fits_data, config, dataset)


@provokes("labels-not-integer-idx", slow=True)
def _(tmp_path):
    labels = (np.arange(100) % 10).astype(np.float32) + 0.5
    return train_mnist(tmp_path, mnist_folder(tmp_path, labels=labels, label_code=0x0D))


@provokes("data-not-finite", slow=True)
def _(tmp_path):
    images = np.random.default_rng(0).uniform(0, 255, (100, 4, 4)).astype(np.float32)
    images[5, 1, 1], images[7, 0, 0], images[7, 0, 1] = np.nan, np.inf, -np.inf
    code, message = train_mnist(tmp_path, mnist_folder(tmp_path, images=images, image_code=0x0D))
    assert "1 NaN and 2 infinite value(s) in 2 of 100 samples (first: sample 5)" in message
    return code, message


@provokes("idx-folder-missing", slow=True)
def _(tmp_path):
    return train_mnist(tmp_path, tmp_path / "nowhere")


@provokes("idx-folder-empty", slow=True)
def _(tmp_path):
    (tmp_path / "empty").mkdir()
    return train_mnist(tmp_path, tmp_path / "empty")


@provokes("idx-file-empty", slow=True)
def _(tmp_path):
    folder = mnist_folder(tmp_path)
    (folder / "train-images-idx3-ubyte").write_bytes(b"")
    return train_mnist(tmp_path, folder)


@provokes("idx-file-truncated", slow=True)
def _(tmp_path):
    folder = mnist_folder(tmp_path)
    path = folder / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-10])
    return train_mnist(tmp_path, folder)


@provokes("idx-file-corrupt", slow=True)
def _(tmp_path):
    folder = mnist_folder(tmp_path)
    (folder / "train-labels-idx1-ubyte").write_bytes(b"<html>Not found</html>")
    return train_mnist(tmp_path, folder)


@provokes("idx-gzip-corrupt", slow=True)
def _(tmp_path):
    folder = mnist_folder(tmp_path)
    path = folder / "train-images-idx3-ubyte"
    packed = gzip.compress(path.read_bytes())
    path.unlink()
    (folder / "train-images-idx3-ubyte.gz").write_bytes(packed[: len(packed) // 2])
    return train_mnist(tmp_path, folder)


@provokes("idx-count-mismatch", slow=True)
def _(tmp_path):
    return train_mnist(tmp_path, mnist_folder(tmp_path, labels=np.arange(90) % 10,
                                             images=np.zeros((100, 4, 4), np.uint8)))


# ----------------------------------------------------------------------------- run folders
@provokes("runs-dir-unwritable", slow=True)
def _(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, message = train(tmp_path, GOOD, "--runs-dir", str(blocker / "runs"))
    return code, message


@provokes("run-folder-missing")
def _(tmp_path):
    return library(read, tmp_path / "no-such-run")


@provokes("run-folder-incomplete")
def _(tmp_path):
    run = run_folder(tmp_path)
    (run / "metrics.json").unlink()
    code, message = library(read, run)
    assert "missing metrics.json" in message
    return code, message


@provokes("run-folder-damaged")
def _(tmp_path):
    run = run_folder(tmp_path)
    (run / "metrics.json").write_text('{"test": {"accuracy": 0.8')   # cut short
    code, message = library(read, run)
    assert "unreadable file, metrics.json (" in message                # names the file to look at
    return code, message


@provokes("run-folder-incompatible")
def _(tmp_path):
    run = run_folder(tmp_path)
    (run / "environment.json").write_text(json.dumps({"run_format": 99, "versions": {"dlcourse": "9.0.0"}}))
    return library(read, run)


def _torch_load(run: Path):
    import torch  # noqa: F401  (imported before any TensorFlow, see conftest)
    import yaml

    from dlcourse.backends.torch import load_model
    from dlcourse.config import validate_config

    return library(load_model, run, validate_config(yaml.safe_load(GOOD)), (8, 8))


@provokes("model-file-missing", slow=True)
def _(tmp_path):
    return _torch_load(run_folder(tmp_path))


@provokes("model-weights-mismatch", slow=True)
def _(tmp_path):
    import torch

    run = run_folder(tmp_path)
    torch.save({"1.weight": torch.zeros(10, 32), "1.bias": torch.zeros(10)}, run / "model.pt")
    code, message = _torch_load(run)
    assert "1.weight" in message and "(10, 32)" in message and "(10, 64)" in message
    return code, message


class _Marker:
    """Unpickling this object would create a file: a stand-in for any command."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


@provokes("model-file-unsafe-torch", slow=True)
def _(tmp_path):
    marker = tmp_path / "marker"
    run = tmp_path / "run"
    run.mkdir()
    (run / "model.pt").write_bytes(pickle.dumps({"1.weight": _Marker(str(marker))}))
    try:
        code, message = _torch_load(run)
    finally:
        assert not marker.exists()
    assert "it is a pickle with instructions the safe loader refuses: " in message, message
    assert "weights_only" not in message and "Warning" not in message     # no advice towards unsafe, no warnings
    assert "\n" not in message and "\x1b" not in message
    return code, message


@provokes("model-file-unsafe-keras", slow=True)
def _(tmp_path):
    marker = tmp_path / "marker"
    run = tmp_path / "run"
    run.mkdir()
    build = ("import keras, pathlib, sys\n"
             "f = eval(\"lambda x: (__import__('pathlib').Path(%r).touch(), x)[1]\" % sys.argv[2])\n"
             "m = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(f)])\n"
             "m.save(pathlib.Path(sys.argv[1]) / 'model.keras')\n")
    subprocess.run([sys.executable, "-c", build, str(run), str(marker)], check=True, capture_output=True, timeout=300)
    marker.unlink(missing_ok=True)                       # building the model ran the lambda once
    from dlcourse.backends.tensorflow import load_model

    try:
        code, message = library(load_model, run, None, (2,))
    finally:
        assert not marker.exists()
    assert "safe_mode=False" not in message and "enable_unsafe" not in message   # no advice towards unsafe
    return code, message


# ----------------------------------------------------------------------------- pretrained weights
def weights_cli(tmp_path: Path, *args: str) -> tuple[int, str]:
    """``dlcourse weights ARGS`` in a subprocess, with empty framework caches under ``tmp_path``."""
    env = {**os.environ, "TORCH_HOME": str(tmp_path / "torch-home"), "KERAS_HOME": str(tmp_path / "keras-home")}
    proc = subprocess.run([sys.executable, "-m", "dlcourse", "weights", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, env=env, stdin=subprocess.DEVNULL)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, message_of(proc.stderr)


def weights_file(tmp_path: Path, name: str, content: bytes = b"not the real weights") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _entry(name: str, framework: str):
    from dlcourse.models.pretrained import lookup

    return lookup(name, framework)


@provokes("backbone-unknown")
def _(tmp_path):
    code, message = library(_entry, "resnet81", "torch")
    assert "Did you mean 'resnet18'?" in message
    return code, message


@provokes("backbone-other-framework")
def _(tmp_path):
    return library(_entry, "resnet18", "tensorflow")


@provokes("weights-not-downloaded")
def _(tmp_path):
    from dlcourse.models.pretrained import locate

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
        code, message = library(locate, _entry("resnet18", "torch"))
    assert "'resnet18-f37072fd.pth'" in message and str(tmp_path / "torch-home") in message
    return code, message


@provokes("weights-wrong-hash")
def _(tmp_path):
    return weights_cli(tmp_path, "import", str(weights_file(tmp_path, "resnet18-f37072fd.pth")))


@provokes("weights-path-missing")
def _(tmp_path):
    from dlcourse.models.pretrained import locate

    return library(locate, _entry("resnet18", "torch"), tmp_path / "mine.pth")


@provokes("weights-file-unknown")
def _(tmp_path):
    return weights_cli(tmp_path, "import", str(weights_file(tmp_path, "download.bin")))


@provokes("weights-import-missing")
def _(tmp_path):
    return weights_cli(tmp_path, "import", str(tmp_path / "resnet18-f37072fd.pth"))


@provokes("weights-import-other-framework")
def _(tmp_path):
    return weights_cli(tmp_path, "import", str(weights_file(tmp_path, "resnet18-f37072fd.pth")), "-f", "tensorflow")


def _torch_backbone(name: str, weights: Path, shape=(32, 32, 3)):
    import torch  # noqa: F401  (imported before any TensorFlow, see conftest)

    from dlcourse.backends.torch.pretrained import build_backbone

    return library(build_backbone, _entry(name, "torch"), weights, shape)


@provokes("weights-not-state-dict", slow=True)
def _(tmp_path):
    return _torch_backbone("resnet18", weights_file(tmp_path, "resnet18-f37072fd.pth", b"<html>Not found</html>"))


@provokes("weights-architecture-torch", slow=True)
def _(tmp_path):
    import torch
    import torchvision

    path = tmp_path / "resnet18-f37072fd.pth"
    torch.save(torchvision.models.mobilenet_v3_small(weights=None).state_dict(), path)
    code, message = _torch_backbone("resnet18", path)
    assert "missing keys such as 'conv1.weight'" in message
    return code, message


@provokes("weights-architecture-keras", slow=True)
def _(tmp_path):
    from dlcourse.backends.tensorflow.pretrained import build_backbone

    path = weights_file(tmp_path, "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5", b"<html>Not found</html>")
    code, message = library(build_backbone, _entry("mobilenet_v3_small", "tensorflow"), path, (32, 32, 3))
    assert "(it is not an HDF5 file)" in message
    return code, message


@provokes("backbone-needs-rgb", slow=True)
def _(tmp_path):
    return _torch_backbone("resnet18", tmp_path / "unused.pth", (32, 32, 1))


@provokes("backbone-image-too-small", slow=True)
def _(tmp_path):
    from dlcourse.backends.tensorflow.pretrained import build_backbone

    return library(build_backbone, _entry("mobilenet_v3_small", "tensorflow"), tmp_path / "unused.h5", (28, 28, 3))


# ----------------------------------------------------------------------------- training room
def classroom_cli(tmp_path: Path, *args: str) -> tuple[int, str]:
    """``dlcourse classroom ARGS`` in a subprocess, from ``tmp_path``."""
    proc = subprocess.run([sys.executable, "-m", "dlcourse", "classroom", *args], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300, stdin=subprocess.DEVNULL)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, message_of(proc.stderr)


@provokes("bundle-target-not-empty")
def _(tmp_path):
    (tmp_path / "cle").mkdir()
    (tmp_path / "cle" / "a-moi.txt").write_text("x")
    code, message = classroom_cli(tmp_path, "bundle", "cle", "--no-execute")
    assert (tmp_path / "cle" / "a-moi.txt").read_text() == "x" and len(list((tmp_path / "cle").iterdir())) == 1
    return code, message


@provokes("bundle-not-enough-disk")
def _(tmp_path):
    from dlcourse.classroom import bundle

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bundle, "free_bytes", lambda folder: 10_000_000)
        mp.chdir(tmp_path)
        code, message = library(lambda: bundle.create_bundle(tmp_path / "cle", execute=False,
                                                            write=lambda line: None))
    assert not (tmp_path / "cle").exists() and list(tmp_path.iterdir()) == []
    return code, message


@provokes("bundle-trainer-build")
def _(tmp_path):
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "dlcourse-course.json").write_text('{"version": "trainer"}')
    return classroom_cli(tmp_path, "bundle", "cle", "--lessons-from", "build")


@provokes("bundle-not-a-bundle")
def _(tmp_path):
    (tmp_path / "cle").mkdir()
    return classroom_cli(tmp_path, "verify", "cle")


# ----------------------------------------------------------------------------- the tests
def _params():
    out = []
    for row in ROWS:
        func, slow, xfail = PROVOKERS.get(row["id"], (None, False, None))
        marks = ([pytest.mark.slow] if slow else []) + (
            [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else [])
        out.append(pytest.param(row, id=row["id"], marks=marks))
    return out


@pytest.mark.parametrize("row", _params())
def test_documented_error(row, tmp_path):
    """The row's error, provoked for real, exits with 2 and prints the documented sentence."""
    assert row["id"] in PROVOKERS, f"docs/errors.md row '{row['id']}' has no test in tests/test_errors_doc.py"
    func = PROVOKERS[row["id"]][0]
    code, message = func(tmp_path)
    assert code == EXIT_USAGE, f"exit code {code}, message {message!r}"
    assert "\n" not in message
    assert pattern(row["message"]).fullmatch(message), f"\n  documented: {row['message']}\n  printed:    {message}"
    assert not list((tmp_path / "runs").glob("*")) if (tmp_path / "runs").is_dir() else True


def test_every_test_has_a_row():
    ids = [row["id"] for row in ROWS]
    assert len(ids) == len(set(ids)), "duplicate ids in docs/errors.md"
    assert sorted(set(PROVOKERS) - set(ids)) == [], "tests without a row in docs/errors.md"
    assert all(row["cause"] and row["fix"] for row in ROWS)


def test_the_pattern_reader():
    """``<...>`` matches any text, the rest literally (a dot is a dot)."""
    assert pattern("file '<path>' has <n> rows.").fullmatch("file 'a.csv' has 3 rows.")
    assert not pattern("file '<path>' has <n> rows.").fullmatch("file 'a.csv' has 3 rowsX")
    assert parse_rows("| `a` | c | `m <x>.` | f |\n| id | x | y | z |\n")[0]["message"] == "m <x>."


# ----------------------------------------------------------------------------- the advice works as written
def _advice(row) -> str:
    return f"{row['message']} {row['fix']}"


def _commands(text: str) -> list[str]:
    """Commands quoted in an error or its fix: 'dlcourse …' or `dlcourse …` (placeholders excluded)."""
    spans = re.findall(r"['`](dlcourse [^'`]+)['`]", text)
    return [s for s in spans if not s.split()[1].startswith("<")]


def _flags(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])(--[a-z][\w-]*|-[a-zA-Z])\b(?![\w-])", text))


def _keys(text: str) -> set[str]:
    """Config keys named in advice (``training.epochs``, ``data.options.size``), not code such as ``model.state_dict()``."""
    keys = re.findall(r"\b((?:data|model|training|optimizer|runtime)\.[a-z_][\w.]*[a-z_])(?!\w*\()", text)
    return {k for k in keys if not k.endswith(".")}


def test_every_command_quoted_in_an_error_or_fix_is_accepted_by_the_cli():
    from dlcourse.cli import build_parser

    seen = []
    for row in ROWS:
        for command in _commands(_advice(row)):
            words = [("x.yaml" if w.isupper() or w.startswith("<") else w) for w in command.split()[1:]]
            try:
                build_parser().parse_args(words)
            except SystemExit:
                pytest.fail(f"docs/errors.md row '{row['id']}' suggests '{command}', which the CLI refuses")
            seen.append(command)
    assert len(seen) >= 5                          # the check has material


def test_every_flag_suggested_is_an_option_of_train_or_of_the_command_named_with_it():
    from dlcourse.cli import build_parser

    def options(args):
        parser = build_parser()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                sub = action.choices[args[0]]
                for inner in sub._actions:
                    if isinstance(inner, argparse._SubParsersAction) and len(args) > 1 and args[1] in inner.choices:
                        sub = inner.choices[args[1]]
                return {o for a in sub._actions for o in a.option_strings}
        return set()

    train = options(["train"])
    checked = 0
    for row in ROWS:
        text = _advice(row)
        named = set().union(*[options(c.split()[1:3]) for c in _commands(text)]) if _commands(text) else set()
        for flag in _flags(text):
            assert flag in train | named, f"docs/errors.md row '{row['id']}' suggests {flag}, which no command it names accepts"
            checked += 1
    assert checked >= 5


def test_every_config_key_suggested_exists():
    from dlcourse.config import ExperimentConfig

    def exists(key: str) -> bool:
        model = ExperimentConfig
        parts = key.split(".")
        for i, part in enumerate(parts):
            if part == "options" or part.isdigit() or part == "layers":
                return True                        # free-form dataset options, or the list of layers
            fields = getattr(model, "model_fields", None)
            if not fields or part not in fields:
                return False
            annotation = fields[part].annotation
            model = next((a for a in getattr(annotation, "__args__", (annotation,)) if hasattr(a, "model_fields")),
                         annotation)
        return True

    keys = {k for row in ROWS for k in _keys(_advice(row))}
    assert len(keys) >= 4
    assert [k for k in sorted(keys) if not exists(k)] == []
