"""End to end: train, evaluate, predict on exported images, report, compare (real trainings, subprocesses)."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.slow


def _train(cli, framework, runs_dir, config="digits_mlp", epochs=3) -> Path:
    result = runs_dir / f"result-{framework}.json"
    proc = cli("train", config, "--framework", framework, "--quiet", "--runs-dir", str(runs_dir),
               "--result-json", str(result), "--set", f"training.epochs={epochs}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return Path(json.loads(result.read_text())["path"])


@pytest.mark.parametrize("config", ["digits_mlp", "digits_cnn"])
def test_predict_on_exported_images_matches_evaluate(cli, framework, runs_dir, tmp_path, config):
    """Images exported from the test split, read back as files, get the classes evaluate computed (MLP and CNN)."""
    run = _train(cli, framework, runs_dir, config)
    assert (run / "tensorboard" / "train").is_dir()
    proc = cli("evaluate", str(run), "--export-images", "24")
    assert proc.returncode == 0, proc.stderr[-3000:]
    evaluation = json.loads((run / "evaluation.json").read_text())
    assert evaluation["framework"] == framework and evaluation["n"] == 360
    assert {"plots/confusion_matrix.png", "plots/learning_curves.png"} <= set(evaluation["plots"])
    assert (run / "plots" / "confusion_matrix.svg").is_file()
    images = sorted((run / "samples").glob("test-*.png"))
    assert len(images) == 24
    out = tmp_path / "pred.csv"
    proc = cli("predict", str(run), *map(str, images), "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out, newline="") as fh:
        predicted = [row["predicted"] for row in csv.DictReader(fh)]
    expected = [str(c) for c in evaluation["predicted"][:24]]
    assert predicted == expected
    assert proc.stdout.count("top-3") == 24
    # the report embeds its images and tables
    proc = cli("report", str(run))
    assert proc.returncode == 0, proc.stderr[-3000:]
    page = (run / "report.html").read_text()
    assert page.count("data:image/png;base64,") >= 3 and "<table>" in page and "Per class" in page
    assert "](plots/confusion_matrix.png)" in (run / "report.md").read_text()


def test_compare_regression_table_plot_report(cli, tmp_path):
    proc = cli("compare", "linear_regression", "--runs-dir", str(tmp_path / "runs"), "--set", "training.epochs=3")
    assert proc.returncode == 0, proc.stderr[-3000:]
    folders = [p for p in (tmp_path / "runs").iterdir() if p.name.endswith("-compare")]
    assert len(folders) == 1
    folder = folders[0]
    data = json.loads((folder / "compare.json").read_text())
    assert data["frameworks"] == ["torch", "tensorflow"]
    items = {row["item"]: row for row in data["rows"]}
    assert items["parameters"]["torch"] == items["parameters"]["tensorflow"] == 2
    assert items["peak memory (MiB)"]["torch"] > 50 and items["peak memory (MiB)"]["tensorflow"] > 50
    assert abs(items["learned slope"]["torch"] - items["learned slope"]["tensorflow"]) < 0.1
    for name in ("learning_curves.png", "learning_curves.svg", "report.html", "report.md", "compare.md"):
        assert (folder / name).is_file(), name
    for fw in ("torch", "tensorflow"):
        assert (Path(data["runs"][fw]["path"]) / "plots" / "residuals.png").is_file()
    assert "PyTorch" in proc.stdout and "TensorFlow/Keras" in proc.stdout and "seconds per epoch" in proc.stdout
    page = (folder / "report.html").read_text()
    assert page.count("data:image/png;base64,") >= 5 and "src=\"http" not in page
    if shutil.which("chromium"):
        _screenshot_not_blank(folder / "report.html", tmp_path / "shot.png")


def _screenshot_not_blank(page: Path, shot: Path) -> None:
    profile = shot.parent / "chromium-profile"
    proc = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                           "--disable-component-update", "--disable-sync", "--no-first-run",
                           f"--user-data-dir={profile}", f"--screenshot={shot}", "--window-size=1280,2000",
                           page.resolve().as_uri()], capture_output=True, text=True, timeout=180)
    assert shot.is_file(), proc.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=np.float32)
    assert pixels.std() > 10                                   # not a blank page
    colourful = (pixels.max(axis=2) - pixels.min(axis=2)) > 60  # plot colours (framework orange/red, blue)
    assert colourful.mean() > 0.002


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_run_report_renders_in_chromium(cli, runs_dir, tmp_path):
    run = _train(cli, "torch", runs_dir, "linear_regression", epochs=2)
    assert cli("report", str(run)).returncode == 0
    _screenshot_not_blank(run / "report.html", tmp_path / "run.png")


def test_report_labels_each_metric_with_its_split_after_evaluate_on_val(cli, runs_dir):
    run = _train(cli, "torch", runs_dir, "digits_mlp", epochs=1)
    assert cli("evaluate", str(run), "--data", "val").returncode == 0
    assert cli("report", str(run)).returncode == 0
    md = (run / "report.md").read_text(encoding="utf-8")
    sections = {block.split("\n", 1)[0]: block for block in md.split("\n## ")[1:]}
    test = sections["Test metrics (at the end of training)"]
    (val_title,) = [t for t in sections if t.startswith("Evaluation on the val split")]
    val = sections[val_title]
    assert "| accuracy |" in test and "| accuracy |" in val
    assert "log loss" not in test and "ROC-AUC" not in test                   # validation numbers never mixed in
    assert "log loss" in val and "ROC-AUC" in val and "(180 samples)" in val_title
    assert "Per class, on the val split of 'digits'" in sections
    assert "![Confusion matrix (val split of 'digits')]" in md and "(test split)" not in md
    env = sections["Environment"]
    assert "| deterministic | true |" in env and "{" not in env                # no raw dict, no 1 for true
