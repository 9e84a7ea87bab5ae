"""``dlcourse doctor``: check the environment and say how to fix each problem.

Each framework is checked in its own subprocess (import, version, CUDA/MPS, and one
tiny training step), so a broken framework cannot crash the doctor itself.

``dlcourse doctor --classroom`` answers, in French, whether a learner's laptop is ready for the
training day: Python version, free disk, memory, one training step in each framework (timed),
JupyterLab and its kernel, and both frameworks usable in one notebook; a fix for each problem.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from typing import Callable

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


def _probe_process(name: str, train: bool, timeout: float) -> tuple[subprocess.CompletedProcess | None, float]:
    """Run :data:`_PROBE` for framework ``name`` in a fresh interpreter: (the finished process, or ``None``
    when it ran past ``timeout`` seconds; the seconds it took)."""
    import time

    args = [sys.executable, "-c", _PROBE, name] + (["train"] if train else [])
    start = time.perf_counter()
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, time.perf_counter() - start
    return proc, time.perf_counter() - start


def probe_framework(name: str, train: bool, timeout: float = 180) -> Check:
    from dlcourse.frameworks import label as framework_label

    label = framework_label(name)
    install = f"pip install 'dlcourse[{name}]'"
    if _version(name) is None:
        return Check(label, WARN, "not installed", f"install it with: {install} (optional if you use the other one)")
    proc, _ = _probe_process(name, train, timeout)
    if proc is None:
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


def _checked(run: Callable[[], list[Check]], working: str, title: str, columns: tuple[str, ...],
             states: dict[str, str]):
    """Run the checks under a spinner (``working``), print them as one table; return ``(console, broken parts)``."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from dlcourse.console import console as make_console

    console = make_console()
    with Console(stderr=True).status(working):
        checks = run()
    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    style = {OK: "green", WARN: "yellow", FAIL: "bold red"}
    for c in checks:
        table.add_row(escape(c.part), f"[{style[c.status]}]{states.get(c.status, c.status)}", escape(c.detail),
                      escape(c.fix))
    console.print(table)
    return console, [c.part for c in checks if c.status == FAIL]


def main(args) -> int:
    if getattr(args, "classroom", False):
        return classroom_main(args)
    console, broken = _checked(lambda: run_checks(train=not args.skip_training),
                               "checking Python, packages and each framework (import, one training step)...",
                               "dlcourse doctor", ("part", "status", "detail", "fix"), {})
    if broken:
        console.print(f"[bold red]{len(broken)} required part(s) broken: {', '.join(broken)}.")
        return 1
    console.print("[green]Everything required works.")
    return 0


# ----------------------------------------------------------------------------- dlcourse doctor --classroom
# What a learner's laptop needs for the training day, answered in French with a fix per problem.
MIN_FREE_DISK_GB = 5.0
MIN_MEMORY_GB = 4.0
CLASSROOM_TIMEOUT = 180.0
GB = 1e9
_STATE = {OK: "ok", WARN: "attention", FAIL: "problème"}


def python_version() -> tuple[int, int, int]:
    """The running interpreter's version (a probe the tests replace)."""
    return tuple(sys.version_info[:3])


def required_python() -> tuple[int, int]:
    """The oldest Python dlcourse supports, from its metadata's ``Requires-Python`` (``>=3.10``)."""
    import re

    try:
        spec = metadata.metadata("dlcourse").get("Requires-Python") or ""
    except metadata.PackageNotFoundError:
        spec = ""
    match = re.search(r">=\s*(\d+)\.(\d+)", spec)
    return (int(match.group(1)), int(match.group(2))) if match else (3, 10)


def free_disk(folder) -> int:
    """Free bytes on the disk holding ``folder``."""
    import shutil

    return shutil.disk_usage(folder).free


def total_memory() -> int | None:
    """This machine's memory in bytes (``None`` when it cannot be read)."""
    try:
        if sys.platform == "win32":
            import ctypes

            class _Status(ctypes.Structure):
                _fields_ = [("length", ctypes.c_ulong), ("load", ctypes.c_ulong), ("total", ctypes.c_ulonglong),
                            ("avail", ctypes.c_ulonglong), ("page_total", ctypes.c_ulonglong),
                            ("page_avail", ctypes.c_ulonglong), ("virtual_total", ctypes.c_ulonglong),
                            ("virtual_avail", ctypes.c_ulonglong), ("extended", ctypes.c_ulonglong)]

            status = _Status()
            status.length = ctypes.sizeof(_Status)
            ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status))
            return int(status.total) or None
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def importable(module: str) -> str | None:
    """``None`` when ``module`` imports, else the reason it does not."""
    import importlib

    try:
        importlib.import_module(module)
    except Exception as exc:                                   # a broken install raises anything
        from dlcourse.errors import first_sentence

        return "absent" if isinstance(exc, ModuleNotFoundError) and exc.name == module else first_sentence(exc)
    return None


def training_step(name: str, timeout: float = CLASSROOM_TIMEOUT) -> tuple[dict | None, str, float]:
    """One tiny training step (forward, backward, update) of framework ``name`` in its own process, with a
    time limit: (what the probe reported or ``None``, the problem in French, seconds)."""
    if _version(name) is None:
        return None, "non installé", 0.0
    proc, seconds = _probe_process(name, train=True, timeout=timeout)
    if proc is None:
        return None, f"pas de réponse en {timeout:.0f} s", seconds
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("DOCTOR")), None)
    if proc.returncode != 0 or line is None:
        last = (proc.stderr.strip().splitlines() or [f"code de sortie {proc.returncode}"])[-1]
        if proc.returncode < 0:
            last = f"arrêté par le signal {-proc.returncode}"
        return None, f"installé mais en panne : {last}", seconds
    return json.loads(line[len("DOCTOR"):]), "", seconds


def classroom_checks(train: bool = True, timeout: float = CLASSROOM_TIMEOUT) -> list[Check]:
    """What a learner's laptop must have for the day: Python, free disk, memory, a training step in each
    framework, JupyterLab and its kernel, and both frameworks usable in one notebook; French, a fix per problem."""
    from pathlib import Path

    from dlcourse.frameworks import FRAMEWORKS as REGISTRY

    py = sys.executable
    checks = []
    version, needed = python_version(), required_python()
    shown = ".".join(map(str, version))
    wanted = ".".join(map(str, needed))
    checks.append(Check("Python", OK, f"{shown} ({py})") if tuple(version[:2]) >= needed else
                  Check("Python", FAIL, f"{shown} : dlcourse demande Python {wanted} ou plus récent",
                        "Installez Python 3.11 (https://www.python.org/downloads/), puis relancez avec lui "
                        "l'installateur du dossier de la formation : PYTHON=python3.11 sh installer.sh (sous "
                        "Windows : installer.bat)."))
    home = Path.home()
    free = free_disk(home) / GB
    checks.append(Check("Espace disque", OK, f"{free:.1f} Go libres ({home})") if free >= MIN_FREE_DISK_GB else
                  Check("Espace disque", FAIL, f"{free:.1f} Go libres ({home}), il en faut {MIN_FREE_DISK_GB:g}",
                        f"Libérez au moins {MIN_FREE_DISK_GB - free:.1f} Go sur ce disque : videz la corbeille et "
                        "supprimez les fichiers dont vous n'avez plus besoin (téléchargements, vidéos)."))
    memory = total_memory()
    if memory is None:
        checks.append(Check("Mémoire", WARN, "taille inconnue sur ce système",
                            f"Vérifiez que ce poste a au moins {MIN_MEMORY_GB:g} Go de mémoire."))
    elif memory / GB >= MIN_MEMORY_GB:
        checks.append(Check("Mémoire", OK, f"{memory / GB:.1f} Go"))
    else:
        checks.append(Check("Mémoire", FAIL, f"{memory / GB:.1f} Go, il en faut {MIN_MEMORY_GB:g}",
                            "Prévoyez un autre poste pour la journée ; à défaut, fermez toutes les autres "
                            "applications et exécutez les leçons en mode rapide (FAST = True)."))
    working = []
    for name, framework in REGISTRY.items():
        part = f"{framework.label} : pas d'entraînement"
        install = f'{py} -m pip install "dlcourse[{framework.extra}]"'
        if not train:
            found = _version(name)
            checks.append(Check(framework.label, OK if found else FAIL, found or "non installé",
                                "" if found else f"Installez-le : {install}"))
            working += [name] if found else []
            continue
        info, problem, seconds = training_step(name, timeout)
        if info is None and problem == "non installé":
            checks.append(Check(part, FAIL, problem, f"Installez-le : {install} (ou relancez l'installateur "
                                                     "du dossier de la formation)."))
        elif info is None and problem.startswith("pas de réponse"):
            checks.append(Check(part, FAIL, problem,
                                "Fermez les autres applications et relancez : dlcourse doctor --classroom ; si le "
                                f"problème persiste, réinstallez : {py} -m pip install --force-reinstall "
                                f"{framework.module}"))
        elif info is None:
            checks.append(Check(part, FAIL, problem,
                                f"Réinstallez-le : {py} -m pip install --force-reinstall {framework.module}"))
        else:
            accel = "CUDA" if info["cuda"] else "Apple MPS" if info["mps"] else "CPU"
            imported = info["import_seconds"]
            checks.append(Check(part, OK, f"{info['version']}, {accel} : un petit entraînement (avant, arrière, "
                                          f"mise à jour) réussi en {seconds:.1f} s, dont {imported:.1f} s d'import"))
            working.append(name)
    for module, label in (("jupyterlab", "JupyterLab"), ("ipykernel", "Noyau Jupyter (ipykernel)")):
        problem = importable(module)
        checks.append(Check(label, OK, _version(module) or "importable") if problem is None else
                      Check(label, FAIL, "absent" if problem == "absent" else f"en panne : {problem}",
                            f'Installez-le : {py} -m pip install "dlcourse[lessons]"'))
    if len(working) == len(REGISTRY) and triton_installed():
        checks.append(Check("Les deux frameworks dans un notebook", FAIL,
                            "triton est installé : un notebook qui charge TensorFlow puis crée un optimiseur "
                            "PyTorch plante",
                            f"Désinstallez-le (PyTorch n'en a besoin que pour torch.compile sur GPU NVIDIA) : "
                            f"{UNINSTALL_TRITON}"))
    return checks


def classroom_main(args) -> int:
    """``dlcourse doctor --classroom``: exit code 0 when the laptop is ready for the day, 1 otherwise."""
    from rich.markup import escape

    train = not getattr(args, "skip_training", False)
    console, broken = _checked(lambda: classroom_checks(train=train),
                               "vérification de ce poste pour la formation (Python, disque, mémoire, un pas "
                               "d'entraînement par framework, JupyterLab)...",
                               "dlcourse doctor --classroom : ce poste est-il prêt pour la formation ?",
                               ("élément", "état", "détail", "correction"), _STATE)
    if broken:
        console.print(f"[bold red]{len(broken)} problème(s) à corriger avant la formation : "
                      f"{escape(', '.join(broken))}. Appliquez la correction de chaque ligne, puis relancez : "
                      "dlcourse doctor --classroom")
        return 1
    console.print("[green]Ce poste est prêt pour la formation.")
    return 0
