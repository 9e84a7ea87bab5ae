"""Nothing lost: interrupt and resume, divergence, checkpoints that survive SIGKILL and corruption."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

CONFIG = """name: resume
task: regression
seed: 1
data:
  dataset: linear
  options: {n_samples: N_SAMPLES}
  scaling: none
model:
  layers:
    - {type: dense, units: 8, activation: tanh}
    - {type: dense, units: 1}
optimizer: {name: adam, lr: 0.01}
training: {epochs: 3, batch_size: 8}
runtime: {threads: 1}
"""


# Keras' compiled loop runs these tiny steps over ten times faster than the PyTorch loop: it gets
# more samples so that an epoch lasts well over the 0.25 s the interrupt test waits.
N_SAMPLES = {"torch": 12000, "tensorflow": 150000}


def _config(tmp_path: Path, framework: str = "torch") -> Path:
    path = tmp_path / "resume.yaml"
    path.write_text(CONFIG.replace("N_SAMPLES", str(N_SAMPLES[framework])))
    return path


def _train(args, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "dlcourse", "train", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL, **kw)


def _only_run(runs: Path) -> Path:
    (run,) = [p for p in runs.iterdir() if p.is_dir()]
    return run


def _weights(run: Path, framework: str) -> list[np.ndarray]:
    code = {
        "torch": "import torch,sys,numpy as np\nsd=torch.load(sys.argv[1]+'/model.pt',weights_only=True)\n"
                 "np.savez(sys.argv[2], *[v.numpy() for v in sd.values()])",
        "tensorflow": "import keras,sys,numpy as np\nm=keras.saving.load_model(sys.argv[1]+'/model.keras')\n"
                      "np.savez(sys.argv[2], *m.get_weights())",
    }[framework]
    out = run / "weights.npz"
    subprocess.run([sys.executable, "-c", code, str(run), str(out)], check=True, capture_output=True)
    data = np.load(out)
    return [data[k] for k in sorted(data.files, key=lambda k: int(k.split("_")[1]))]


def _interrupt(cfg: Path, runs: Path, framework: str, sig: int) -> subprocess.CompletedProcess:
    """Start a training, wait for the first epoch line, send ``sig`` mid-epoch 2, wait for the exit."""
    proc = subprocess.Popen([sys.executable, "-m", "dlcourse", "train", str(cfg), "-f", framework,
                             "--runs-dir", str(runs)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, stdin=subprocess.DEVNULL)
    for line in proc.stdout:
        if line.startswith("epoch 1/3"):
            break
    time.sleep(0.25)                       # past epoch 1's checkpoint, well inside epoch 2 (over 0.5 s)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_mid_epoch_then_resume_matches_uninterrupted(framework, sig, tmp_path):
    cfg = _config(tmp_path, framework)
    reference = _train([str(cfg), "-f", framework, "--quiet", "--runs-dir", str(tmp_path / "ref")])
    assert reference.returncode == 0, reference.stderr

    runs = tmp_path / "runs"
    stopped = _interrupt(cfg, runs, framework, sig)
    assert stopped.returncode == 130, stopped.stderr
    run = _only_run(runs)
    assert f"interrupted by {signal.Signals(sig).name} at epoch 2, step" in stopped.stderr
    assert f"Resume with: dlcourse train --resume {run}" in stopped.stderr
    assert json.loads((run / "status.json").read_text())["state"] == "interrupted"
    latest = sorted((run / "checkpoints").glob("*.json"))[-1]
    meta = json.loads(latest.read_text())
    assert meta["epoch"] == 2 and 0 < meta["step"] < N_SAMPLES[framework] * 0.8 / 8, "the stop happened mid-epoch"
    assert not (run / "metrics.json").exists()

    resumed = _train(["--resume", str(run), "--quiet"])
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((run / "status.json").read_text())["state"] == "complete"
    ref_w, res_w = _weights(_only_run(tmp_path / "ref"), framework), _weights(run, framework)
    for a, b in zip(ref_w, res_w):
        if framework == "torch":
            np.testing.assert_array_equal(a, b)                   # bit for bit
        else:
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)   # Keras: equal within 1e-5
    history = (run / "history.csv").read_text().splitlines()
    assert len(history) == 4                                      # header + 3 epochs


def test_corrupt_latest_checkpoint_falls_back_to_previous(tmp_path):
    cfg = _config(tmp_path)
    runs = tmp_path / "runs"
    stopped = _interrupt(cfg, runs, "torch", signal.SIGINT)
    assert stopped.returncode == 130
    run = _only_run(runs)
    metas = sorted((run / "checkpoints").glob("*.json"))
    assert len(metas) == 2
    newest = run / "checkpoints" / json.loads(metas[-1].read_text())["file"]
    newest.write_bytes(newest.read_bytes()[:100])                 # truncated: corrupt
    resumed = _train(["--resume", str(run), "--quiet"])
    assert resumed.returncode == 0, resumed.stderr
    assert f"checkpoint {metas[-1].stem} is unusable" in resumed.stderr
    assert f"falling back to {metas[0].stem}" in resumed.stderr
    ref = _train([str(cfg), "-f", "torch", "--quiet", "--runs-dir", str(tmp_path / "ref")])
    for a, b in zip(_weights(_only_run(tmp_path / "ref"), "torch"), _weights(run, "torch")):
        np.testing.assert_array_equal(a, b)


def test_nan_at_a_given_step_stops_and_keeps_the_last_good_checkpoint(framework, tmp_path):
    cfg = _config(tmp_path)
    runs = tmp_path / "runs"
    # Keras' compiled loop runs many steps per call and still names the exact step
    proc = _train([str(cfg), "-f", framework, "--quiet", "--runs-dir", str(runs)], env={"DLCOURSE_FAULT_NAN_AT": "2:5"})
    assert proc.returncode == 1
    run = _only_run(runs)
    (meta_file,) = (run / "checkpoints").glob("*.json")
    meta = json.loads(meta_file.read_text())
    assert meta["epoch"] == 1
    ckpt = run / "checkpoints" / meta["file"]
    message = proc.stderr.strip()
    assert message.startswith("error: the loss became nan at epoch 2, step 6 (learning rate 0.01).")
    assert f"The last good checkpoint is {ckpt}." in message
    assert "Train again with a lower learning rate (--set optimizer.lr=0.001)" in message
    assert len(message.splitlines()) == 1
    import hashlib
    assert hashlib.sha256(ckpt.read_bytes()).hexdigest() == meta["sha256"]   # bytes unchanged
    assert json.loads((run / "status.json").read_text())["state"] == "diverged"


KILL_WRITER = r"""
import sys, time
from pathlib import Path
from dlcourse.training.checkpoints import CheckpointStore
store = CheckpointStore(Path(sys.argv[1]))
store.write(1, 10, ".pt", lambda tmp: tmp.write_bytes(b"first checkpoint"), {"history": []})
def slow(tmp):
    with open(tmp, "wb") as fh:
        fh.write(b"half of the second")
        fh.flush()
        print("writing", flush=True)
        time.sleep(60)
store.write(2, 10, ".pt", slow, {"history": []})
"""


def test_sigkill_while_writing_a_checkpoint_keeps_the_previous_one(tmp_path):
    from dlcourse.training.checkpoints import CheckpointStore

    folder = tmp_path / "checkpoints"
    proc = subprocess.Popen([sys.executable, "-c", KILL_WRITER, str(folder)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    proc.kill()
    proc.wait()
    store = CheckpointStore(folder)
    loaded = []
    meta = store.restore(lambda path, meta: loaded.append(path.read_bytes()))
    assert meta["epoch"] == 1 and loaded == [b"first checkpoint"]
    assert not (folder / "epoch-002-step-00010.pt").exists()


def test_full_disk_keeps_the_previous_checkpoint(tmp_path):
    import errno

    from dlcourse.training.checkpoints import CheckpointError, CheckpointStore

    store = CheckpointStore(tmp_path)
    first = store.write(1, 5, ".pt", lambda tmp: tmp.write_bytes(b"good"), {"history": []})

    def full(tmp):
        tmp.write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(CheckpointError, match=r"no space left on the disk\)\. The previous checkpoint .* is intact"):
        store.write(2, 5, ".pt", full, {"history": []})
    assert first.read_bytes() == b"good"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, "epoch-001-step-00005.json"])
