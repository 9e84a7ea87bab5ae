"""Model files from outside are never executed: a malicious PyTorch pickle and a Keras Lambda layer are refused.

Each malicious file would create a marker file when loaded unsafely. A control loads it the
unsafe way (in a separate process) and shows that the marker does appear; dlcourse's loaders
must refuse the same file, raise a :class:`dlcourse.errors.RunFolderError` with one sentence,
and leave no marker behind.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dlcourse.config import validate_config
from dlcourse.errors import RunFolderError

CONFIG = validate_config(yaml.safe_load("""
name: safe
task: classification
data: {dataset: digits}
model: {layers: [{type: flatten}, {type: dense, units: 10}]}
optimizer: {name: sgd, lr: 0.1}
"""))


class Touch:
    """Unpickling this object calls ``Path(path).touch()``: a stand-in for any command (``os.system``...)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def __reduce__(self):
        return (Path.touch, (self.path,))


def run_python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, timeout=300)


# ----------------------------------------------------------------------------- PyTorch
def malicious_checkpoint(run: Path, marker: Path) -> Path:
    """``run/model.pt``: a real ``torch.save`` archive whose state dict holds a code-running object."""
    import torch

    run.mkdir(parents=True, exist_ok=True)
    torch.save({"1.weight": Touch(marker), "1.bias": torch.zeros(10)}, run / "model.pt")
    return run / "model.pt"


@pytest.mark.slow
def test_the_malicious_checkpoint_does_run_code_when_unpickled(tmp_path):
    """Control: loaded the unsafe way (``weights_only=False``, another process), the file creates the marker."""
    marker = tmp_path / "marker"
    path = malicious_checkpoint(tmp_path / "run", marker)
    assert not marker.exists()
    proc = run_python("import sys, torch; torch.load(sys.argv[1], weights_only=False)", path)
    assert proc.returncode == 0, proc.stderr
    assert marker.exists()


def test_torch_load_model_refuses_a_malicious_checkpoint(tmp_path):
    from dlcourse.backends.torch import load_model

    marker = tmp_path / "marker"
    run = tmp_path / "run"
    malicious_checkpoint(run, marker)
    with pytest.raises(RunFolderError) as info:
        load_model(run, CONFIG, (8, 8))
    assert not marker.exists(), "the checkpoint's code ran"
    message = str(info.value)
    assert "model.pt" in message and "\n" not in message
    # the reason names the object and stops there: no library advice towards weights_only=False
    assert "(it holds the Python object " in message and "weights_only" not in message, message


def test_a_plain_pickle_named_model_pt_is_refused_too(tmp_path):
    """Not only torch.save archives: a bare pickle (the legacy format) is refused the same way."""
    from dlcourse.backends.torch import load_model

    marker = tmp_path / "marker"
    run = tmp_path / "run"
    run.mkdir()
    (run / "model.pt").write_bytes(pickle.dumps({"1.weight": Touch(marker)}))
    with pytest.raises(RunFolderError):
        load_model(run, CONFIG, (8, 8))
    assert not marker.exists()


def test_torch_load_model_still_loads_a_genuine_state_dict(tmp_path):
    """The refusal is specific: a state dict of tensors saved by dlcourse loads and gives the same weights."""
    import numpy as np

    from dlcourse.backends.torch import build_model, get_weights, load_model, save_model

    model = build_model(CONFIG.model, (8, 8), seed=3)
    save_model(model, tmp_path)
    loaded = load_model(tmp_path, CONFIG, (8, 8))
    for a, b in zip(get_weights(model), get_weights(loaded)):
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------- Keras
BUILD_LAMBDA = """
import os, pathlib, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
# The path is a constant inside the lambda's code (Keras cannot restore default arguments).
layer = keras.layers.Lambda(eval("lambda x: (__import__('pathlib').Path(%r).touch(), x)[1]" % sys.argv[2]))
model = keras.Sequential([keras.Input((2,)), layer])
model.save(pathlib.Path(sys.argv[1]) / "model.keras")
"""

LOAD_UNSAFE = """
import os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
keras.saving.load_model(sys.argv[1], safe_mode=False)
"""


@pytest.fixture(scope="module")
def lambda_model(tmp_path_factory) -> tuple[Path, Path]:
    """A ``.keras`` file whose Lambda layer creates ``marker`` when its code runs (built in another process)."""
    folder = tmp_path_factory.mktemp("keras-run")
    marker = folder / "marker"
    proc = run_python(BUILD_LAMBDA, folder, marker)
    assert proc.returncode == 0, proc.stderr
    marker.unlink(missing_ok=True)                     # building the model called the lambda once
    return folder, marker


@pytest.mark.slow
def test_the_lambda_model_does_run_code_when_loaded_unsafely(lambda_model):
    folder, marker = lambda_model
    proc = run_python(LOAD_UNSAFE, folder / "model.keras")
    assert proc.returncode == 0, proc.stderr
    assert marker.exists()
    marker.unlink()


@pytest.mark.slow
def test_keras_load_model_refuses_a_lambda_layer(lambda_model):
    from dlcourse.backends.tensorflow import load_model

    folder, marker = lambda_model
    marker.unlink(missing_ok=True)
    with pytest.raises(RunFolderError) as info:
        load_model(folder, CONFIG, (8, 8))
    assert not marker.exists(), "the Lambda layer's code ran"
    message = str(info.value)
    assert "model.keras" in message and "\n" not in message
