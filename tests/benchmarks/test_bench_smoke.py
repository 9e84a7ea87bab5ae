"""The CPU benchmark: its data helpers, its CNN counting, and tiny end-to-end runs per framework and model
(no timing assertion)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks"


def _load(name: str):
    """Import a module of benchmarks/ by path (benchmarks/ is not a package)."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthetic_data_is_mnist_shaped_seeded_and_learnable():
    common = _load("common")
    (x, y), (xt, yt) = common.synthetic_mnist(2000, 500, seed=3)
    assert x.shape == (2000, 28, 28) and x.dtype == np.uint8
    assert xt.shape == (500, 28, 28) and yt.dtype == np.uint8
    assert set(np.unique(y)) == set(range(10))
    (x2, y2), _ = common.synthetic_mnist(2000, 500, seed=3)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    (x3, _), _ = common.synthetic_mnist(2000, 500, seed=4)
    assert not np.array_equal(x, x3)
    # Learnable: a linear model beats chance by far, but the task is not trivial.
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(max_iter=200).fit(x.reshape(2000, -1) / 255.0, y)
    acc = clf.score(xt.reshape(500, -1) / 255.0, yt)
    assert 0.5 < acc < 0.999


def test_prepared_folder_is_read_by_dlcourse_and_in_torchvision_layout(tmp_path):
    common = _load("common")
    info = common.prepare_data(tmp_path / "d", None, samples=600, seed=0)
    assert info["n_train"] == 600 and info["n_test"] == 500
    from dlcourse.data.idx import load_idx_folder

    arrays = load_idx_folder(tmp_path / "d" / "idx")
    assert arrays["train_images"].shape == (600, 28, 28) and arrays["test_labels"].shape == (500,)
    (x, y), (xt, yt) = common.load_arrays(tmp_path / "d")
    assert np.array_equal(x, arrays["train_images"]) and np.array_equal(yt, arrays["test_labels"])
    raw = tmp_path / "d" / "torchvision" / "MNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(common.FILES.values())
    assert not list((tmp_path / "d").rglob(".*.tmp"))


def test_real_folder_with_test_pair_only_is_split(tmp_path):
    common = _load("common")
    (x, y), _ = common.synthetic_mnist(1200, 0, seed=1)
    src = tmp_path / "src"
    src.mkdir()
    common.write_idx(src / "t10k-images-idx3-ubyte", x)
    common.write_idx(src / "t10k-labels-idx1-ubyte", y)
    info = common.prepare_data(tmp_path / "d", src, samples=60000, seed=0)
    assert info["n_test"] == 200 and info["n_train"] == 1000
    (xtr, _), (xte, _) = common.load_arrays(tmp_path / "d")
    seen = {row.tobytes() for row in x}
    assert all(img.tobytes() in seen for img in xtr[:20]) and all(img.tobytes() in seen for img in xte[:20])


def test_time_to_accuracy_counts_training_seconds_up_to_the_first_epoch_at_target():
    bench = _load("bench_cpu")
    course = {"test_accuracy": [0.90, 0.95, 0.94, 0.95], "epoch_seconds": [4.0, 3.0, 3.0, 3.0]}
    tta = bench.time_to_accuracy(course)
    assert tta["target_accuracy"] == 0.95 and tta["reached_at_epoch"] == 2
    assert tta["seconds"] == 7.0 and tta["total_seconds"] == 13.0
    missing = bench.recipe_summary({"available": False, "reason": "no recipe"}, tta)
    assert missing == {"available": False, "reason": "no recipe"}
    slow = bench.recipe_summary({"available": True, "epoch_seconds": [1.0, 1.0], "final_test_accuracy": 0.93}, tta)
    assert slow["reached"] is False and slow["fraction_of_course"] is None


def _tiny_run(tmp_path, framework: str, model: str) -> tuple[subprocess.CompletedProcess, Path]:
    """``bench_cpu.py`` on 256 samples, 2 epochs, one framework and one model; returns the process and its JSON."""
    out = tmp_path / "cpu.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "bench_cpu.py"), "--epochs", "2", "--samples", "256", "--only", framework,
         "--model", model, "--no-thread-sweep", "--json", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=900, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc, out


@pytest.mark.slow
def test_tiny_benchmark_run_writes_complete_json(tmp_path, framework):
    proc, out = _tiny_run(tmp_path, framework, "mlp")
    assert "Seconds per epoch" in proc.stdout and "Speed targets" in proc.stdout
    report = json.loads(out.read_text())
    assert set(report) >= {"settings", "machine", "data", "startup", "floor", "results", "frameworks", "targets"}
    assert report["data"]["n_train"] == 256 and report["settings"]["epochs"] == 2
    assert report["startup"]["seconds"] > 0 and report["startup"]["imports_torch"] is False
    batch = "64" if framework == "torch" else "32"
    assert report["floor"][framework]["floor_seconds"][batch] > 0
    assert report["floor"][framework]["flops_per_epoch"] == 3 * 2 * (784 * 128 + 128 * 10) * 256
    jobs = report["results"][framework]
    for key in ("course", "dlcourse", "reference"):
        job = jobs[key]
        assert "error" not in job, job.get("error")
        assert len(job["epoch_seconds"]) == 2
        assert job["seconds_per_epoch"] > 0 and job["samples_per_second"] > 0
        assert job["peak_rss_mb"] > 0 and job["process_peak_rss_mb"] > 0
        assert job["first_step_seconds"] > 0
    assert len(jobs["course"]["test_accuracy"]) == 2
    assert 0 <= jobs["dlcourse"]["final_test_accuracy"] <= 1
    block = report["frameworks"][framework]
    for name in ("dlcourse_over_course", "dlcourse_over_reference", "dlcourse_over_floor"):
        assert block["ratios"][name] > 0
    assert block["time_to_accuracy"]["course"]["seconds"] > 0
    recipe = block["time_to_accuracy"]["recipe_fast"]
    assert recipe["available"] is False and recipe["reason"] or recipe["seconds"] > 0
    assert len(report["targets"]) == 4 and all("met" in row for row in report["targets"])
    assert report["cnn"]["results"] == {} and report["cnn"]["frameworks"] == {}


# ----------------------------------------------------------------------------- the CNN rows
def _cnn_spec():
    from dlcourse.config import ModelSpec, read_yaml, resolve_config_path

    return ModelSpec.model_validate(read_yaml(resolve_config_path("mnist_cnn"))["model"])


def test_cnn_floor_counts_the_products_of_the_shipped_config():
    floor = _load("floor")
    products = floor.cnn_products()
    trace = _cnn_spec().trace((28, 28))
    assert [p["type"] for p in products] == ["conv2d", "conv2d", "dense"]
    assert [p["multiply_adds"] for p in products] == [26 * 26 * 32 * 9, 11 * 11 * 64 * 9 * 32, 1600 * 10]
    assert [p["multiply_adds"] for p in products] == [t.multiply_adds for t in trace if t.layer.type in ("conv2d", "dense")]
    assert products[0]["input"] == (28, 28, 1) and products[1]["input"] == (13, 13, 32)
    assert products[1]["padding"] == ((0, 0), (0, 0)) and products[2]["input"] == (1600,)
    forward = sum(p["multiply_adds"] for p in products)
    # forward, weight gradients, input gradients of all but the first layer; 2 FLOPs per multiply-add
    assert floor.cnn_step_flops_per_sample(products) == 2 * (3 * forward - products[0]["multiply_adds"])


def test_reference_cnn_is_the_shipped_config(framework):
    loops = _load("reference_loops")
    trace = _cnn_spec().trace((28, 28))
    if framework == "torch":
        import torch

        model = loops.torch_model("cnn")
        params = sum(p.numel() for p in model.parameters())
        out = model(torch.zeros(2, 1, 28, 28))
    else:
        model = loops.keras_model("cnn")
        params = model.count_params()
        out = model(np.zeros((2, 28, 28, 1), np.float32))
    assert params == sum(t.params for t in trace) == 34826
    assert tuple(out.shape) == (2, 10)


def test_cnn_targets_are_one_row_per_framework_after_the_mlp_rows():
    bench = _load("bench_cpu")
    ratios = {"dlcourse_over_reference": 1.2}
    report = {"frameworks": {}, "startup": {"seconds": 0.1},
              "cnn": {"frameworks": {"torch": {"ratios": ratios, "reference": "reference"},
                                     "tensorflow": {"ratios": {"dlcourse_over_reference": 1.4},
                                                    "reference": "reference_function"}}}}
    rows = bench.targets(report)
    assert [r["met"] for r in rows] == [True, False, True]
    assert rows[0]["target"].startswith("PyTorch CNN: dlcourse within 1.3x") and "(reference_function)" in rows[1]["target"]
    assert bench.targets({"frameworks": {}, "startup": {"seconds": 0.1}})[-1]["target"].startswith("dlcourse --help")


@pytest.mark.slow
def test_tiny_cnn_benchmark_run_writes_complete_json(tmp_path, framework):
    proc, out = _tiny_run(tmp_path, framework, "cnn")
    assert "Seconds per epoch" in proc.stdout and "CNN (configs/mnist_cnn.yaml: conv 32" in proc.stdout
    assert "Speed targets" in proc.stdout and "Time to the course" not in proc.stdout
    report = json.loads(out.read_text())
    assert report["settings"]["model"] == "cnn" and report["results"] == {} and report["frameworks"] == {}
    cnn = report["cnn"]
    floor = cnn["floor"][framework]
    per_sample = 2 * (3 * (194688 + 2230272 + 16000) - 194688)
    assert floor["flops_per_epoch"] == per_sample * 256 and floor["floor_seconds"]["64"] > 0
    assert set(floor["by_lib"]["64"]) == {"torch", "tensorflow"}
    jobs = cnn["results"][framework]
    keys = ("course", "dlcourse", "reference") + (("reference_function",) if framework == "tensorflow" else ())
    assert set(jobs) == set(keys)
    for key in keys:
        job = jobs[key]
        assert "error" not in job, job.get("error")
        assert len(job["epoch_seconds"]) == 2 and job["batch_size"] == 64
        assert job["seconds_per_epoch"] > 0 and job["first_step_seconds"] > 0 and job["peak_rss_mb"] > 0
        assert job["params"] == 34826, key                   # the same network everywhere
    assert jobs["dlcourse"]["layers"][0] == "conv2d(32, 3x3, valid, relu)"
    assert 0 <= jobs["dlcourse"]["final_test_accuracy"] <= 1 and len(jobs["course"]["test_accuracy"]) == 2
    block = cnn["frameworks"][framework]
    for name in ("dlcourse_over_course", "dlcourse_over_reference", "dlcourse_over_floor"):
        assert block["ratios"][name] > 0
    assert "recipe_fast" not in block["time_to_accuracy"]
    assert [row["target"].split(":")[0] for row in report["targets"]] == \
        [f"{'PyTorch' if framework == 'torch' else 'Keras'} CNN", "dlcourse --help under 0.3 s"]
