"""Chapter 7 end to end: early stopping keeps the best epoch, a run's layers start another model, and
bad settings are one sentence with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dlcourse.config import load_config
from dlcourse.errors import ConfigError


def _run_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.exists() else []


@pytest.mark.slow
def test_early_stopping_restores_the_best_epoch(framework, tmp_path):
    from dlcourse.evaluation.evaluate import evaluate_run
    from dlcourse.runs import read_run
    from dlcourse.training.runner import run_experiment

    config = load_config("digits_mlp", ["data.train_size=60", "training.epochs=60", "optimizer.lr=0.01",
                                        "training.early_stopping={monitor: val_loss, patience: 3}"])
    result = run_experiment(config, framework, tmp_path)
    history = read_run(result.path)["history"]
    losses = [float(h["val_loss"]) for h in history]
    best = int(np.argmin(losses))
    stop = result.metrics["early_stopping"]
    assert len(history) < 60, "it stopped early"
    assert stop["best_epoch"] == best + 1 and stop["stopped_epoch"] == len(history) and stop["restored_best"]
    assert len(history) - stop["best_epoch"] == 3, "after patience epochs without improvement"
    # the saved model is the best epoch's: its validation loss and accuracy are those logged then
    assert result.metrics["val"]["loss"] == pytest.approx(losses[best], rel=1e-5)
    evaluated = evaluate_run(result.path, data="val", with_plots=False)
    assert evaluated["summary"]["accuracy"] == pytest.approx(float(history[best]["val_accuracy"]))


@pytest.mark.slow
def test_a_run_backbone_starts_the_new_model_frozen_or_fine_tuned(tmp_path):
    from dlcourse.backends import get_backend
    from dlcourse.training.runner import run_experiment
    from dlcourse.training.transfer import load_weights

    src = run_experiment(load_config("digits_cnn", ["data.classes=[0,1,2,3,4]", "model.layers.6.units=5",
                                                    "training.epochs=2"]), "torch", tmp_path / "src")
    source_weights = load_weights(src.path)
    head = '[{type: dense, units: 5}]'
    frozen = load_config("digits_cnn", ["data.classes=[5,6,7,8,9]", "data.train_size=20", "training.epochs=3",
                                        f"model.layers={head}", f"model.backbone={{run: {src.path}, trainable: 0}}"])
    for framework in ("torch", "tensorflow"):                # a torch backbone serves both frameworks
        run = run_experiment(frozen, framework, tmp_path / "frozen")
        kept = load_weights(run.path)
        for a, b in zip(kept[:6], source_weights[:6]):        # 2 conv + 1 dense kernels and biases: unchanged
            np.testing.assert_array_equal(a, b)
        assert np.abs(kept[6] - 0).max() > 0
        recorded = json.loads((run.path / "backbone.json").read_text())
        assert recorded["run"] == str(src.path) and recorded["layers"] == 6 and recorded["trainable"] == 0
        # the recorded config is resolved: evaluating the run needs nothing from the source run
        assert "backbone" not in (run.path / "config.yaml").read_text().split("model:")[1].split("optimizer:")[0] \
            or "backbone: null" in (run.path / "config.yaml").read_text()
    last = load_config("digits_cnn", ["data.classes=[5,6,7,8,9]", "data.train_size=20", "training.epochs=2",
                                      f"model.layers={head}",
                                      f"model.backbone={{run: {src.path}, trainable: 1, lr_scale: 0.1}}"])
    run = run_experiment(last, "torch", tmp_path / "last")
    kept = load_weights(run.path)
    for a, b in zip(kept[:4], source_weights[:4]):            # the convolutions stay frozen
        np.testing.assert_array_equal(a, b)
    assert np.abs(kept[4] - source_weights[4]).max() > 0      # the last backbone layer (dense 64) was trained
    assert get_backend  # imported lazily above


BAD = {
    "dropout rate": (["model.layers.5={type: dropout, rate: 1.5}"], "rate: input should be less than 1"),
    "negative weight decay": (["optimizer={name: adamw, lr: 0.001, weight_decay: -0.1}"],
                              "weight_decay: input should be greater than or equal to 0"),
    "schedule longer than training": (["training.schedule={name: step, step_epochs: 40}"],
                                      "is not shorter than the run (30 epochs)"),
    "early stopping longer than training": (["training.early_stopping={patience: 30}"], "could never stop training"),
    "two clippings": (["training.clip_norm=1", "training.clip_value=0.5"], "give clip_norm or clip_value, not both"),
    "smoothing a regression": (None, "label_smoothing smooths class labels"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_settings_are_one_sentence(case):
    overrides, message = BAD[case]
    with pytest.raises(ConfigError) as info:
        if overrides is None:
            load_config("linear_regression", ["training.label_smoothing=0.1"])
        else:
            load_config("digits_cnn", overrides)
    assert message in str(info.value).lower() if message.islower() else message in str(info.value)
    assert "\n" not in str(info.value)


def test_backbone_and_monitor_errors_name_the_fix_and_write_nothing(cli, tmp_path):
    runs = tmp_path / "runs"
    src = tmp_path / "src"
    done = cli("train", "digits_cnn", "-q", "--set", "training.epochs=1", "--set", "data.classes=[0,1,2,3,4]",
               "--set", "model.layers.6.units=5", "--runs-dir", str(src), "--result-json", str(tmp_path / "r.json"))
    assert done.returncode == 0, done.stderr
    source = json.loads((tmp_path / "r.json").read_text())["path"]
    cases = {
        "freezing a layer that does not exist": (
            [f"model.backbone={{run: {source}, trainable: 7}}", "model.layers=[{type: dense, units: 10}]"],
            "model.backbone.trainable is 7, but the backbone has only 3 layers with weights"),
        "a backbone whose output does not fit the head": (
            [f"model.backbone={{run: {source}, drop: 3}}", "model.layers=[{type: dense, units: 10}]"],
            "the backbone's output, of shape (2, 2, 32), does not fit the head"),
        "not a run": ([f"model.backbone={{run: {tmp_path}}}"], "is not a dlcourse run folder"),
        "unknown monitor": (["training.early_stopping={monitor: val_acc}"], "Did you mean 'val_accuracy'?"),
    }
    for name, (overrides, message) in cases.items():
        sets = [a for o in overrides for a in ("--set", o)]
        proc = cli("train", "digits_cnn", "-q", "--runs-dir", str(runs), *sets)
        assert proc.returncode == 2, (name, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (name, proc.stderr)
        assert _run_dirs(runs) == [], f"{name}: nothing written"


@pytest.mark.slow
def test_regularization_experiment_writes_tables_figures_and_report(cli, tmp_path):
    proc = cli("experiment", "regularization", "digits_mlp", "--train-size", "40", "--epochs", "4",
               "--runs-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    folder = next(p for p in tmp_path.iterdir() if p.name.endswith("-regularization"))
    data = json.loads((folder / "experiment.json").read_text())
    assert set(data["results"]) == {"torch", "tensorflow"}
    names = [r["variant"] for r in data["results"]["torch"]]
    assert names[0] == "baseline" and {"dropout", "l2", "early_stopping", "combined"} <= set(names)
    for rows in data["results"].values():
        for r in rows:
            assert r["score_gap"] == pytest.approx(r["train"] - r["val"])
            assert r["gap"] == pytest.approx(r["val_loss"] - r["train_loss"])
            assert Path(r["run"]).is_dir() and str(folder) in r["run"]
    for fw in ("torch", "tensorflow"):
        assert (folder / f"curves-{fw}.png").stat().st_size > 1000
    html = (folder / "report.html").read_text()
    assert "data:image/png;base64" in html and "early_stopping" in html
    assert "baseline" in proc.stdout
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir()), "no partial folder left"


@pytest.mark.slow
def test_transfer_experiment_pretrains_then_compares_three_methods(tmp_path):
    from dlcourse.training.experiments import transfer

    folder = transfer("transfer_source", "transfer_target", [10, 20], runs_dir=tmp_path, progress=lambda m: None,
                      source_overrides=["data.options.n_samples=2000", "training.epochs=2"],
                      target_overrides=["training.epochs=3"])
    data = json.loads((folder / "experiment.json").read_text())
    for fw in ("torch", "tensorflow"):
        rows = data["results"][fw]
        assert [(r["size"], r["method"]) for r in rows] == [(n, m) for n in (10, 20)
                                                            for m in ("scratch", "features", "fine_tune")]
        source = Path(data["sources"][fw]["run"])
        assert (source / "weights.npz").is_file() and str(folder) in str(source)
        for r in rows:
            recorded = Path(r["run"]) / "backbone.json"
            assert recorded.is_file() == (r["method"] != "scratch")
            if r["method"] != "scratch":
                record = json.loads(recorded.read_text())
                assert record["trainable"] == (0 if r["method"] == "features" else "all")
                assert record["run"] == str(source) and source.is_dir()     # the published path, not the partial one
    assert (folder / "transfer.png").stat().st_size > 1000 and "data:image/png;base64" in (folder / "report.html").read_text()
