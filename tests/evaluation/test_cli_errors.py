"""Bad input to evaluate / predict / report / runs list: one clear sentence on stderr, exit code 2, no traceback.

The run folders here are written by hand (no training), so these tests import no framework.
Most call ``dlcourse.cli.main`` in this process (fast); one runs the real command line.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from dlcourse.config import load_config

ROOT = Path(__file__).resolve().parents[2]


def _fake_run(folder: Path, config_name: str = "digits_mlp", feature_shape=(8, 8), model: bool = True) -> Path:
    """A run folder with every file a finished run has (the model file is a placeholder)."""
    config = load_config(ROOT / "configs" / f"{config_name}.yaml")
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(config.to_dict()))
    (folder / "environment.json").write_text(json.dumps({"framework": "torch", "started": "2026-01-02T03:04:05+0000"}))
    (folder / "history.csv").write_text("epoch,loss,val_loss,seconds\n1,0.5,0.6,0.1\n")
    test = {"accuracy": 0.9} if config.task == "classification" else {"r2": 0.8, "mse": 1.0}
    (folder / "metrics.json").write_text(json.dumps({"test": test, "epochs": 1, "train_seconds": 0.1, "params": 10}))
    scaler = {"method": "range", "shift": 0.0, "scale": 16.0} if config.task == "classification" else \
        {"method": "none", "shift": 0.0, "scale": 1.0}
    (folder / "preprocessing.json").write_text(json.dumps({"scaler": scaler, "feature_shape": list(feature_shape),
                                                           "task": config.task, "classes": None}))
    if model:
        (folder / "model.pt").write_bytes(b"placeholder")
    return folder


class _Result:
    def __init__(self, code, out, err):
        self.returncode, self.stdout, self.stderr = code, out, err


@pytest.fixture
def main(capsys):
    """Run ``dlcourse ARGS`` in this process; returns an object like a completed process."""
    from dlcourse.cli import main as cli_main

    def run(*args):
        code = cli_main(list(args))
        captured = capsys.readouterr()
        return _Result(code, captured.out, captured.err)

    return run


def _one_error_line(proc) -> str:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.mark.slow
def test_run_folder_does_not_exist_subprocess(cli, tmp_path):
    line = _one_error_line(cli("evaluate", str(tmp_path / "nope")))
    assert "does not exist" in line and "nope" in line


def test_run_folder_does_not_exist(main, tmp_path):
    for args in (["evaluate", str(tmp_path / "nope")], ["predict", str(tmp_path / "nope"), "x.png"],
                 ["report", str(tmp_path / "nope")]):
        line = _one_error_line(main(*args))
        assert "does not exist" in line and "nope" in line


def test_run_folder_incomplete(main, tmp_path):
    run = _fake_run(tmp_path / "run")
    (run / "metrics.json").unlink()
    assert "incomplete: missing metrics.json" in _one_error_line(main("evaluate", str(run)))
    run2 = _fake_run(tmp_path / "run2", model=False)
    assert "incomplete: missing model.pt" in _one_error_line(main("predict", str(run2), "a.png"))


def test_predict_image_wrong_size_and_channels(main, tmp_path):
    run = _fake_run(tmp_path / "run")
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(tmp_path / "big.png")
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "rgb.png")
    assert "is 28x28 pixels but the model expects 8x8" in _one_error_line(main("predict", str(run), str(tmp_path / "big.png")))
    assert "3 channels (RGB)" in _one_error_line(main("predict", str(run), str(tmp_path / "rgb.png")))


def test_predict_csv_missing_column(main, tmp_path):
    run = _fake_run(tmp_path / "run", "linear_regression", (1,))
    (tmp_path / "rows.csv").write_text("feature\n1.0\n")
    line = _one_error_line(main("predict", str(run), str(tmp_path / "rows.csv")))
    assert "has no column 'x'" in line and "found: feature" in line


def test_evaluate_bad_data_option(main, tmp_path):
    run = _fake_run(tmp_path / "run", "linear_regression", (1,))
    line = _one_error_line(main("evaluate", str(run), "--data", "validation"))
    assert "neither a split" in line


def test_runs_list_reads_folders_without_frameworks(main, tmp_path):
    _fake_run(tmp_path / "runs" / "20260102-030405-digits-mlp-torch")
    shutil.copytree(tmp_path / "runs" / "20260102-030405-digits-mlp-torch", tmp_path / "runs" / ".half.partial")
    proc = main("runs", "list", "--runs-dir", str(tmp_path / "runs"), "--json")
    assert proc.returncode == 0, proc.stderr
    runs = json.loads(proc.stdout)
    assert len(runs) == 1 and runs[0]["framework"] == "torch" and runs[0]["value"] == 0.9
    assert runs[0]["metric"] == "accuracy" and runs[0]["date"] == "2026-01-02 03:04:05"
    assert "does not exist" in _one_error_line(main("runs", "list", "--runs-dir", str(tmp_path / "missing")))


def test_runs_list_shows_unfinished_runs_with_their_state_and_resume_command(main, tmp_path):
    runs_dir = tmp_path / "runs"
    _fake_run(runs_dir / "20260102-030405-digits-mlp-torch")
    states = {"20260103-000000-digits-mlp-torch": "interrupted", "20260104-000000-digits-mlp-tensorflow": "diverged",
              "20260105-000000-digits-mlp-torch": "failed"}
    for name, state in states.items():
        folder = runs_dir / name
        folder.mkdir()
        shutil.copy(runs_dir / "20260102-030405-digits-mlp-torch" / "config.yaml", folder / "config.yaml")
        (folder / "checkpoints").mkdir()
        (folder / "status.json").write_text(json.dumps({"state": state}), encoding="utf-8")
    (runs_dir / "20260105-000000-digits-mlp-torch" / "checkpoints").rmdir()   # failed before any checkpoint
    proc = main("runs", "list", "--runs-dir", str(runs_dir), "--json")
    listed = {Path(r["path"]).name: r for r in json.loads(proc.stdout)}
    assert len(listed) == 4 and listed["20260102-030405-digits-mlp-torch"]["state"] == "complete"
    for name, state in states.items():
        assert listed[name]["state"] == state and listed[name]["value"] is None
    assert listed["20260103-000000-digits-mlp-torch"]["resume"] == \
        f"dlcourse train --resume {runs_dir / '20260103-000000-digits-mlp-torch'}"
    assert listed["20260105-000000-digits-mlp-torch"]["resume"] is None
    assert listed["20260104-000000-digits-mlp-tensorflow"]["resume"] is None       # it would diverge again
    table = main("runs", "list", "--runs-dir", str(runs_dir))
    assert table.returncode == 0 and "interrupted" in table.stdout and "diverged" in table.stdout
    assert f"continue it with: dlcourse train --resume {runs_dir / '20260103-000000-digits-mlp-torch'}" in \
        table.stdout.replace("\n", "")


def test_commands_module_imports_no_framework():
    import subprocess
    import sys

    code = ("import sys, dlcourse.commands.evaluation as m, argparse; p = argparse.ArgumentParser(); "
            "m.register(p.add_subparsers()); "
            "print([k for k in ('torch', 'tensorflow', 'numpy', 'matplotlib') if k in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


@pytest.mark.parametrize("bad", ["0"])
def test_predict_top_must_be_positive(main, tmp_path, bad):
    run = _fake_run(tmp_path / "run")
    assert "--top must be at least 1" in _one_error_line(main("predict", str(run), "a.png", "--top", bad))
