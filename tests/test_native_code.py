"""``dlcourse code``: plain PyTorch / Keras scripts that reproduce ``dlcourse train`` without dlcourse.

Tolerance: the scripts start from the same weights and see the same mini-batches with the same
optimizer, so only the order of floating-point sums differs (dlcourse uses fused optimizer kernels
and batches several steps per call; the scripts use each framework's default path). Such
differences move a logit by about 1e-6, which can flip at most a test image whose two best
classes are tied to that precision: accuracy may differ by one test image (1/360), a regression's
test MSE by 1e-4 relatively. Measured here, both agree to every printed digit.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dlcourse.config import load_config
from dlcourse.native import NativeCodeError, native_script

BLOCKED = ("import runpy, sys; sys.modules['dlcourse'] = None; "   # any 'import dlcourse' now fails
           "runpy.run_path(sys.argv[1], run_name='__main__')")


def _run_script(path, cwd):
    done = subprocess.run([sys.executable, "-c", BLOCKED, str(path)], capture_output=True, text=True, cwd=cwd,
                          timeout=600, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])["test"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["digits_mlp", "linear_regression", "digits_cnn"])
def test_native_script_reproduces_dlcourse_train(name, framework, cli, tmp_path):
    done = cli("code", name, "-f", framework, "--out", str(tmp_path / "script.py"))
    assert done.returncode == 0, done.stderr
    native = _run_script(tmp_path / "script.py", tmp_path)
    done = cli("train", name, "-f", framework, "-q", "--runs-dir", str(tmp_path / "runs"))
    assert done.returncode == 0, done.stderr
    run = next((tmp_path / "runs").iterdir())
    reference = json.loads((run / "metrics.json").read_text(encoding="utf-8"))["test"]
    if "accuracy" in reference:
        assert abs(native["accuracy"] - reference["accuracy"]) <= 1 / 360 + 1e-12, (native, reference)
    else:
        assert native["mse"] == pytest.approx(reference["mse"], rel=1e-4), (native, reference)
        assert native["r2"] == pytest.approx(reference["r2"], rel=1e-4)


def test_script_is_plain_code_with_the_config_values():
    config = load_config("digits_cnn")
    torch_code = native_script(config, "torch")
    keras_code = native_script(config, "tensorflow")
    compile(torch_code, "torch.py", "exec")
    compile(keras_code, "keras.py", "exec")
    assert "import dlcourse" not in torch_code and "from dlcourse" not in keras_code
    assert "nn.Conv2d(1, 16, (3, 3)" in torch_code and "keras.layers.Conv2D(16, (3, 3)" in keras_code
    assert "lr=0.002" in torch_code and "learning_rate=0.002" in keras_code
    assert "np.random.default_rng([SEED, 0x1A17])" in torch_code and "ChannelsLast()" in torch_code


@pytest.mark.parametrize("override, key", [
    ("training.early_stopping={monitor: val_loss, patience: 2}", "training.early_stopping"),
    ("optimizer={name: rmsprop, lr: 0.001}", "optimizer.name"),
    ("model.layers=[{type: flatten}, {type: batch_norm}, {type: dense, units: 10}]", "model.layers.1.type"),
    ("training.schedule={name: cosine}", "training.schedule.name"),
])
def test_unsupported_settings_are_refused_by_name(override, key):
    with pytest.raises(NativeCodeError, match=key.replace(".", r"\.")):
        native_script(load_config("digits_mlp", [override]), "torch")


def test_cli_refuses_to_overwrite_and_names_the_setting(cli, tmp_path):
    (tmp_path / "digits_mlp_torch.py").write_text("mine\n", encoding="utf-8")
    done = cli("code", "digits_mlp", cwd=tmp_path)
    assert done.returncode == 2 and "already exists" in done.stderr and "--out" in done.stderr
    assert (tmp_path / "digits_mlp_torch.py").read_text(encoding="utf-8") == "mine\n"
    done = cli("code", "digits_mlp", "--set", "training.label_smoothing=0.1", "--out", "-", cwd=tmp_path)
    assert done.returncode == 2 and "training.label_smoothing" in done.stderr and done.stdout == ""
    done = cli("code", "linear_regression", "-f", "tensorflow", "--out", "-", cwd=tmp_path)
    assert done.returncode == 0 and "keras.layers.Dense(1)" in done.stdout
