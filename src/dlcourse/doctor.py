"""``dlcourse doctor``: check the environment and say how to fix each problem.

Each framework is checked in its own subprocess (import, version, CUDA/MPS, and one
tiny training step), so a broken framework cannot crash the doctor itself.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata

from dlcourse.frameworks import NAMES as FRAMEWORKS
from dlcourse.frameworks import UNINSTALL_TRITON, triton_installed

OK, WARN, FAIL = "ok", "warning", "error"

CORE = ("numpy", "scikit-learn", "pandas", "matplotlib", "pillow", "pyyaml", "pydantic", "rich", "platformdirs")
OPTIONAL = ("jupytext", "nbclient", "tensorboard", "torchvision")

# Runs in a fresh interpreter: import the framework, report devices, train one step.
_PROBE = r"""
import json, sys, time
name = sys.argv[1]
out = {}
t0 = time.perf_counter()
if name == "torch":
    import torch
    out["version"] = torch.__version__
    out["cuda"] = torch.cuda.is_available()
    out["gpu"] = torch.cuda.get_device_name(0) if out["cuda"] else None
    out["mps"] = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    out["threads"] = torch.get_num_threads()
else:
    import os
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf, keras
    out["version"] = tf.__version__ + " (keras " + keras.__version__ + ")"
    gpus = tf.config.list_physical_devices("GPU")
    out["cuda"] = bool(gpus)
    out["gpu"] = gpus[0].name if gpus else None
    out["mps"] = False
out["import_seconds"] = time.perf_counter() - t0
if len(sys.argv) > 2:
    from dlcourse.config import validate_config
    from dlcourse.backends import get_backend
    from dlcourse.data.dataset import Splits
    import numpy as np
    cfg = validate_config({"name": "doctor", "task": "classification", "data": {"dataset": "digits"},
        "model": {"layers": [{"type": "dense", "units": 8, "activation": "relu"}, {"type": "dense", "units": 2}]},
        "optimizer": {"name": "sgd", "lr": 0.1}, "training": {"epochs": 1, "batch_size": 8}})
    backend = get_backend(name)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 4)).astype("float32"); y = (x[:, 0] > 0).astype("int64")
    model = backend.build_model(cfg.model, (4,), seed=0)
    from dlcourse.training.loop import fit
    hist = fit(backend, model, cfg, Splits(x, y, x[:0], y[:0], x, y))
    out["step_loss"] = hist[-1]["loss"]
print("DOCTOR" + json.dumps(out))
"""


@dataclass
class Check:
    part: str
    status: str
    detail: str
    fix: str = ""


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def probe_framework(name: str, train: bool, timeout: float = 180) -> Check:
    from dlcourse.frameworks import label as framework_label

    label = framework_label(name)
    install = f"pip install 'dlcourse[{name}]'"
    if _version(name) is None:
        return Check(label, WARN, "not installed", f"install it with: {install} (optional if you use the other one)")
    args = [sys.executable, "-c", _PROBE, name] + (["train"] if train else [])
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return Check(label, FAIL, f"did not answer within {timeout:.0f}s", "reinstall it: " + install)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("DOCTOR")), None)
    if proc.returncode != 0 or line is None:
        last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        if proc.returncode < 0:
            last = f"crashed with signal {-proc.returncode}"
        return Check(label, FAIL, f"installed but broken: {last}", f"reinstall it: pip install --force-reinstall '{name}'")
    info = json.loads(line[len("DOCTOR"):])
    accel = "CUDA " + (info["gpu"] or "") if info["cuda"] else ("Apple MPS" if info["mps"] else "CPU only")
    detail = f"{info['version']}, {accel}, import {info['import_seconds']:.1f}s"
    if train:
        detail += f", training step ok (loss {info['step_loss']:.3f})"
    return Check(label, OK, detail)


def run_checks(train: bool = True) -> list[Check]:
    checks = []
    py = sys.version_info
    checks.append(Check("Python", OK if py >= (3, 10) else FAIL, platform.python_version() + f" ({sys.executable})",
                        "" if py >= (3, 10) else "install Python 3.11 and recreate the virtual environment"))
    checks.append(Check("System", OK, f"{platform.system()} {platform.release()} {platform.machine()}, "
                                      f"{os.cpu_count()} CPU threads"))
    for name in CORE:
        v = _version(name)
        checks.append(Check(name, OK if v else FAIL, v or "missing", "" if v else f"pip install {name}"))
    for name in OPTIONAL:
        v = _version(name)
        checks.append(Check(name, OK if v else WARN, v or "missing (optional)", "" if v else f"pip install {name}"))
    frameworks = [probe_framework(n, train) for n in FRAMEWORKS]
    checks += frameworks
    if all(c.status == OK for c in frameworks) and triton_installed():
        checks.append(Check("both in one process", WARN,
                            "triton is installed: a process that loads TensorFlow, then creates a PyTorch optimizer, "
                            "crashes (a notebook using both frameworks)",
                            f"{UNINSTALL_TRITON} (PyTorch needs triton only for torch.compile on CUDA GPUs)"))
    if not any(c.status == OK for c in frameworks):
        checks.append(Check("frameworks", FAIL, "no working framework",
                            "install one: pip install 'dlcourse[torch]' or 'dlcourse[tensorflow]'"))
    return checks


def main(args) -> int:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from dlcourse.console import console as make_console

    console = make_console()
    with Console(stderr=True).status("checking Python, packages and each framework (import, one training step)..."):
        checks = run_checks(train=not args.skip_training)
    table = Table(title="dlcourse doctor")
    for col in ("part", "status", "detail", "fix"):
        table.add_column(col)
    style = {OK: "green", WARN: "yellow", FAIL: "bold red"}
    for c in checks:
        table.add_row(escape(c.part), f"[{style[c.status]}]{c.status}", escape(c.detail), escape(c.fix))
    console.print(table)
    broken = [c.part for c in checks if c.status == FAIL]
    if broken:
        console.print(f"[bold red]{len(broken)} required part(s) broken: {', '.join(broken)}.")
        return 1
    console.print("[green]Everything required works.")
    return 0
