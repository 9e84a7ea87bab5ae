"""End to end: the CLI trains, writes a complete run folder, and plain Keras / PyTorch reload the model."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def _train(cli, config, framework, runs_dir, *extra):
    result = runs_dir.parent / f"result-{framework}.json"
    proc = cli("train", config, "--framework", framework, "--runs-dir", str(runs_dir), "--result-json", str(result), *extra)
    assert proc.returncode == 0, proc.stderr
    return proc, json.loads(result.read_text())


RELOAD = {
    "tensorflow": """
import sys, json, numpy as np, keras
model = keras.saving.load_model(sys.argv[1] + '/model.keras')
x = np.load(sys.argv[2])
print(json.dumps(np.asarray(model.predict(x, verbose=0)).argmax(1).tolist()))
""",
    "torch": """
import sys, json, numpy as np, torch
from torch import nn
model = nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
model.load_state_dict(torch.load(sys.argv[1] + '/model.pt', weights_only=True))
model.eval()
x = torch.as_tensor(np.load(sys.argv[2]))
with torch.no_grad():
    print(json.dumps(model(x).argmax(1).tolist()))
""",
}


def test_train_writes_a_complete_run_and_plain_frameworks_reload_it(cli, framework, runs_dir, tmp_path):
    import numpy as np
    import yaml

    from dlcourse.config import load_config
    from dlcourse.data.preprocessing import Scaler
    from dlcourse.data.splits import prepare_splits

    proc, result = _train(cli, "digits_mlp", framework, runs_dir, "--set", "training.epochs=5")
    run = runs_dir / result["path"].split("/")[-1]
    names = {p.name for p in run.iterdir()}
    assert {"config.yaml", "environment.json", "history.csv", "metrics.json", "preprocessing.json"} <= names
    assert ("model.keras" if framework == "tensorflow" else "model.pt") in names
    assert not any(p.name.endswith(".partial") for p in runs_dir.iterdir())
    cfg = yaml.safe_load((run / "config.yaml").read_text())
    assert cfg["training"]["epochs"] == 5 and cfg["framework"] == framework and cfg["seed"] == 0
    env = json.loads((run / "environment.json").read_text())
    assert env["settings"]["seed"] == 0 and env["versions"]["numpy"]
    rows = list(csv.DictReader(open(run / "history.csv")))
    assert [r["epoch"] for r in rows] == ["1", "2", "3", "4", "5"]
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["test"]["accuracy"] > 0.8

    # The same test inputs through the run's own preprocessing, then a fresh process without dlcourse.
    config = load_config("digits_mlp")
    _, splits, _ = prepare_splits(config.data, config.seed)
    scaler = Scaler.from_dict(json.loads((run / "preprocessing.json").read_text())["scaler"])
    x = np.asarray(splits.x_test[:50], np.float32)
    assert np.allclose(scaler.transform(x * 16.0), x, atol=1e-6)
    np.save(tmp_path / "x.npy", x)
    out = subprocess.run([sys.executable, "-c", RELOAD[framework], str(run), str(tmp_path / "x.npy")],
                         capture_output=True, text=True, check=True)
    predicted = json.loads(out.stdout.strip().splitlines()[-1])
    assert np.mean(np.array(predicted) == splits.y_test[:50]) > 0.8
    assert "dlcourse" not in RELOAD[framework]


def test_progress_output_has_no_control_characters_when_piped(cli, runs_dir):
    proc, _ = _train(cli, "linear_regression", "torch", runs_dir, "--set", "training.epochs=2")
    assert "epoch 2/2" in proc.stdout and "loss" in proc.stdout
    assert "\x1b" not in proc.stdout and "\r" not in proc.stdout
    quiet = cli("train", "linear_regression", "-f", "torch", "--quiet", "--runs-dir", str(runs_dir),
                "--set", "training.epochs=1")
    assert quiet.returncode == 0 and quiet.stdout == ""


def test_demo_meets_the_course_targets(cli, runs_dir):
    proc = cli("demo", "--runs-dir", str(runs_dir))
    assert proc.returncode == 0, proc.stderr
    assert "dlcourse demo" in proc.stdout
    runs = {}
    for run in runs_dir.iterdir():
        metrics = json.loads((run / "metrics.json").read_text())
        runs[run.name.split("-", 2)[2]] = metrics
    assert set(runs) == {"digits-mlp-torch", "digits-mlp-tensorflow",
                         "linear-regression-torch", "linear-regression-tensorflow"}
    for fw in ("torch", "tensorflow"):
        assert runs[f"digits-mlp-{fw}"]["test"]["accuracy"] >= 0.95
        lin = runs[f"linear-regression-{fw}"]["linear"]
        assert abs(lin["slope"] - 3) <= 0.15
        assert abs(lin["intercept"]) <= 0.3


def test_doctor_reports_both_frameworks(cli):
    proc = cli("doctor")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PyTorch" in proc.stdout and "TensorFlow" in proc.stdout
    assert "training step ok" in proc.stdout


PLAIN_TORCH_CNN = """
import sys, json, numpy as np, torch
from torch import nn
model = nn.Sequential(nn.Unflatten(1, (1, 8)),                      # (n, 8, 8) -> (n, 1, 8, 8)
                      nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
model.load_state_dict(torch.load(sys.argv[1] + '/model.pt', weights_only=True))
model.eval()
with torch.no_grad():
    print(json.dumps(model(torch.as_tensor(np.load(sys.argv[2]))).tolist()))
"""


def test_a_cnn_run_reloads_in_plain_pytorch(cli, runs_dir, tmp_path):
    """digits_cnn's state_dict loads into an nn.Sequential written by hand, which computes what dlcourse computes."""
    import numpy as np

    pytest.importorskip("torch")
    from dlcourse.evaluation.loading import load_run

    _, result = _train(cli, "digits_cnn", "torch", runs_dir, "--set", "training.epochs=2", "--quiet")
    run = runs_dir / result["path"].split("/")[-1]
    x = np.random.default_rng(0).random((20, 8, 8), dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    out = subprocess.run([sys.executable, "-c", PLAIN_TORCH_CNN, str(run), str(tmp_path / "x.npy")],
                         capture_output=True, text=True, check=True)
    plain = np.array(json.loads(out.stdout.strip().splitlines()[-1]), np.float32)
    np.testing.assert_allclose(plain, load_run(run).predict_scaled(x), rtol=0, atol=1e-5)


def test_keras_only_runtime_settings_are_announced_as_ignored_with_pytorch(cli, runs_dir):
    done = cli("train", "digits_mlp", "-f", "torch", "-q", "--runs-dir", str(runs_dir), "--set", "training.epochs=1",
               "--set", "runtime.jit_compile=true", "--set", "runtime.steps_per_execution=4")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "note: runtime.steps_per_execution is a Keras setting" in done.stderr
    assert "note: runtime.jit_compile is a Keras setting" in done.stderr
    plain = cli("train", "digits_mlp", "-f", "torch", "-q", "--runs-dir", str(runs_dir), "--set", "training.epochs=1")
    assert plain.returncode == 0 and "note:" not in plain.stderr
