"""Beyond one process: torchrun/DDP, tf.distribute (mirrored, multi-worker), bf16, and the refusals.

Each distributed run is a real launch in subprocesses on 127.0.0.1, with timeouts so that a hang
fails the test instead of blocking; results are compared with a single-process run of the same
config and global batch size.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
EPOCHS = ["--set", "training.epochs=3", "--quiet"]
TIMEOUT = 300


def _run(args: list[str], env: dict | None = None, module: str = "dlcourse") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=TIMEOUT, stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})})


def _runs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def _weights(run: Path) -> list[np.ndarray]:
    code = {"model.pt": "import torch,sys,numpy as np\nsd=torch.load(sys.argv[1],weights_only=True)\n"
                        "np.savez(sys.argv[2], *[v.numpy() for v in sd.values()])",
            "model.keras": "import keras,sys,numpy as np\n"
                           "np.savez(sys.argv[2], *keras.saving.load_model(sys.argv[1]).get_weights())"}
    name = "model.pt" if (run / "model.pt").is_file() else "model.keras"
    out = run / "w.npz"
    subprocess.run([sys.executable, "-c", code[name], str(run / name), str(out)], check=True, capture_output=True,
                   timeout=TIMEOUT)
    data = np.load(out)
    return [data[k] for k in sorted(data.files, key=lambda k: int(k.split("_")[1]))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _single(framework: str, tmp_path: Path) -> Path:
    proc = _run(["train", "digits_mlp", "-f", framework, "--runs-dir", str(tmp_path / "single"), *EPOCHS])
    assert proc.returncode == 0, proc.stderr[-2000:]
    (run,) = _runs(tmp_path / "single")
    return run


def _same_result(run: Path, single: Path, atol: float) -> None:
    for a, b in zip(_weights(run), _weights(single), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=atol)
    test = json.loads((run / "metrics.json").read_text())["test"]["accuracy"]
    assert test == pytest.approx(json.loads((single / "metrics.json").read_text())["test"]["accuracy"], abs=0.006)


@pytest.mark.slow
def test_torchrun_two_cpu_processes_match_one_process(tmp_path):
    """DDP over gloo, each process half of every mini-batch: the same weights (float reduction order
    aside: within 1e-5) as one process with the same global batch, and exactly one run folder."""
    pytest.importorskip("torch")
    port = _free_port()
    proc = _run(["--nnodes=1", "--nproc_per_node=2", "--rdzv-backend=c10d", f"--rdzv-endpoint=127.0.0.1:{port}",
                 "-m", "dlcourse", "train", "digits_mlp", "-f", "torch", "--runs-dir", str(tmp_path / "ddp"), *EPOCHS],
                env={"DLCOURSE_DIST_TIMEOUT": "120"}, module="torch.distributed.run")
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = _runs(tmp_path / "ddp")
    assert len(runs) == 1, runs
    settings = json.loads((runs[0] / "environment.json").read_text())["settings"]
    assert settings["distributed"] == {"engine": "torch DistributedDataParallel", "backend": "gloo", "world_size": 2}
    _same_result(runs[0], _single("torch", tmp_path), atol=1e-5)


@pytest.mark.slow
def test_mirrored_strategy_over_two_cpu_devices_matches_one_device(tmp_path):
    pytest.importorskip("tensorflow")
    proc = _run(["train", "digits_mlp", "-f", "tensorflow", "--runs-dir", str(tmp_path / "mirrored"),
                 "--set", "runtime.distribution=mirrored", "--set", "runtime.cpu_replicas=2", *EPOCHS])
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run,) = _runs(tmp_path / "mirrored")
    settings = json.loads((run / "environment.json").read_text())["settings"]
    assert settings["distributed"] == {"engine": "tf.distribute.MirroredStrategy", "replicas": 2}
    _same_result(run, _single("tensorflow", tmp_path), atol=1e-4)      # Adam's epsilon on summed gradients


@pytest.mark.slow
def test_mirrored_strategy_augments_like_one_device(tmp_path):
    """Augmentation is applied under a strategy too: the same augmented steps as one device (within 1e-4),
    not the plain ones; and the run records the optimizer kernel it really used."""
    pytest.importorskip("tensorflow")
    augment = ["--set", "data.augment=shift=0.1"]
    for name, extra in (("one", []), ("mirrored", ["--set", "runtime.distribution=mirrored",
                                                   "--set", "runtime.cpu_replicas=2"])):
        proc = _run(["train", "digits_mlp", "-f", "tensorflow", "--runs-dir", str(tmp_path / name), *augment, *extra,
                     *EPOCHS])
        assert proc.returncode == 0, proc.stderr[-3000:]
    (one,), (mirrored,) = _runs(tmp_path / "one"), _runs(tmp_path / "mirrored")
    _same_result(mirrored, one, atol=1e-4)
    plain = _weights(_single("tensorflow", tmp_path))
    assert max(np.abs(a - b).max() for a, b in zip(_weights(mirrored), plain)) > 1e-2, "augmentation was applied"
    execution = json.loads((mirrored / "environment.json").read_text())["settings"]["execution"]
    assert execution["optimizer_kernel"] == "keras optimizer.apply"


@pytest.mark.slow
def test_multi_worker_strategy_two_local_workers(tmp_path):
    """MultiWorkerMirroredStrategy from TF_CONFIG, two workers on free ports of 127.0.0.1: one run folder
    (the first worker's), the same result as one process."""
    pytest.importorskip("tensorflow")
    ports = [_free_port(), _free_port()]
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    procs = [subprocess.Popen(
        [sys.executable, "-m", "dlcourse", "train", "digits_mlp", "-f", "tensorflow", "--runs-dir", str(tmp_path / "mw"),
         "--set", "runtime.distribution=multi_worker", "--set", "runtime.threads=1", *EPOCHS],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, stdin=subprocess.DEVNULL,
        env={**os.environ, "DLCOURSE_DIST_TIMEOUT": "120",
             "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})}) for i in (0, 1)]
    try:
        outcomes = [p.communicate(timeout=TIMEOUT) for p in procs]
    finally:
        for p in procs:
            p.kill()
    for p, (_, err) in zip(procs, outcomes):
        assert p.returncode == 0, err[-3000:]
    (run,) = _runs(tmp_path / "mw")
    settings = json.loads((run / "environment.json").read_text())["settings"]
    assert settings["distributed"] == {"engine": "tf.distribute.MultiWorkerMirroredStrategy", "replicas": 2}
    _same_result(run, _single("tensorflow", tmp_path), atol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["torch", "tensorflow"])
def test_bf16_on_a_cpu_stays_within_one_point_of_float32(framework, tmp_path):
    pytest.importorskip(framework)
    accuracy = {}
    for precision in ("32", "bf16"):
        result = tmp_path / f"{precision}.json"
        proc = _run(["train", "digits_cnn", "-f", framework, "--precision", precision, "--quiet",
                     "--runs-dir", str(tmp_path / precision), "--result-json", str(result)])
        assert proc.returncode == 0, proc.stderr[-3000:]
        data = json.loads(result.read_text())
        settings = json.loads((Path(data["path"]) / "environment.json").read_text())["settings"]
        assert settings["precision"] == precision and settings["device"] == "cpu"
        accuracy[precision] = data["metrics"]["test"]["accuracy"]
    assert abs(accuracy["bf16"] - accuracy["32"]) <= 0.01, accuracy


REFUSALS = {
    "cuda-torch": (["-f", "torch", "--device", "cuda"], {}, r"--device cuda: PyTorch finds no CUDA GPU on this machine"),
    "cuda-tensorflow": (["-f", "tensorflow", "--device", "cuda"], {}, r"--device cuda: TensorFlow finds no GPU"),
    "fp16-on-cpu": (["-f", "torch", "--precision", "16-mixed"], {},
                    r"--precision 16-mixed needs a CUDA GPU .* this run is on the cpu\. Use --precision bf16"),
    "fp16-on-cpu-tensorflow": (["-f", "tensorflow", "--precision", "16-mixed"], {}, r"--precision 16-mixed needs a CUDA"),
    "world-does-not-divide-batch": (["-f", "torch", "--set", "training.batch_size=31"],
                                    {"WORLD_SIZE": "2", "RANK": "0", "LOCAL_RANK": "0"},
                                    r"training\.batch_size 31 cannot be shared evenly between 2 processes\. "
                                    r"Use a multiple of 2, e\.g\. --set training\.batch_size=30\."),
    "torchrun-with-keras": (["-f", "tensorflow"], {"WORLD_SIZE": "2", "RANK": "0"}, r"started by torchrun"),
    "mirrored-with-torch": (["-f", "torch", "--set", "runtime.distribution=mirrored"], {},
                            r"runtime\.distribution: mirrored is TensorFlow's; PyTorch distributes with torchrun"),
}


BEFORE_ANY_FRAMEWORK = ("world-does-not-divide-batch", "torchrun-with-keras")


@pytest.mark.parametrize("case", [c if c in BEFORE_ANY_FRAMEWORK else pytest.param(c, marks=pytest.mark.slow)
                                  for c in REFUSALS])
def test_what_the_machine_cannot_run_is_one_sentence(case, tmp_path):
    import re

    if case in ("cuda-torch", "fp16-on-cpu"):
        torch = pytest.importorskip("torch")
        if torch.cuda.is_available():
            pytest.skip("this machine has CUDA")
    args, env, pattern = REFUSALS[case]
    proc = _run(["train", "digits_mlp", "--runs-dir", str(tmp_path / "runs"), "--quiet", *args], env=env)
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and re.search(pattern, lines[0]), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert not _runs(tmp_path / "runs"), "nothing left behind"


@pytest.mark.slow
def test_torchrun_run_stopped_by_a_fault_resumes_under_torchrun(tmp_path):
    """A distributed run that diverges (NaN injected at epoch 3) keeps epoch 2's checkpoint; resumed under
    torchrun it ends with the weights of one uninterrupted process (within 1e-5)."""
    pytest.importorskip("torch")

    def launch(*args, env=None):
        port = _free_port()
        return _run(["--nnodes=1", "--nproc_per_node=2", "--rdzv-backend=c10d", f"--rdzv-endpoint=127.0.0.1:{port}",
                     "-m", "dlcourse", "train", *args], env={"DLCOURSE_DIST_TIMEOUT": "120", **(env or {})},
                    module="torch.distributed.run")

    stopped = launch("digits_mlp", "-f", "torch", "--runs-dir", str(tmp_path / "ddp"), "--set", "training.epochs=4",
                     "--quiet", env={"DLCOURSE_FAULT_NAN_AT": "3:5"})
    assert stopped.returncode != 0 and "the loss became nan at epoch 3, step 6" in stopped.stderr
    (run,) = _runs(tmp_path / "ddp")
    assert json.loads((run / "status.json").read_text())["state"] == "diverged"
    resumed = launch("--resume", str(run), "--quiet")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert json.loads((run / "status.json").read_text())["state"] == "complete"
    single = _run(["train", "digits_mlp", "-f", "torch", "--runs-dir", str(tmp_path / "single"), "--quiet",
                   "--set", "training.epochs=4"])
    assert single.returncode == 0, single.stderr[-2000:]
    _same_result(run, _runs(tmp_path / "single")[0], atol=1e-5)
