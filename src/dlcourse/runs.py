"""Run folders: ``runs/<timestamp>-<name>-<framework>/`` with everything needed to repeat and reuse a run.

A run folder is created once the config and data are valid; ``status.json`` says
whether it is ``running``, ``complete``, ``interrupted``, ``diverged`` or ``failed``.
A run that fails before its first checkpoint is removed; one that stops later
keeps its checkpoints and can be resumed (``dlcourse train --resume RUN``).

Contents: ``config.yaml`` (resolved), ``environment.json`` (versions, seed, threads),
``history.csv`` (per epoch), ``metrics.json`` (final), ``preprocessing.json``,
and the model in the framework's native format (``model.keras`` or ``model.pt``).
"""

from __future__ import annotations

import csv
import json
import os
import platform
import shutil
import sys
import time
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from dlcourse.errors import RunFolderError

REQUIRED = ("config.yaml", "environment.json", "history.csv", "metrics.json")
# Layout version of a run folder, recorded in environment.json; bumped when files change meaning.
RUN_FORMAT = 1


def package_versions(names=("dlcourse", "numpy", "scikit-learn", "torch", "tensorflow", "keras")) -> dict[str, str | None]:
    """Installed versions, read from package metadata (imports nothing)."""
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")


def _runs_dir(runs_dir: str | Path) -> Path:
    """``runs_dir``, created if needed; an unwritable place is one sentence."""
    runs_dir = Path(runs_dir)
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunFolderError(f"cannot create the runs folder '{runs_dir}' ({exc.strerror}).",
                             "Choose a writable folder with --runs-dir.") from None
    return runs_dir


def partial_folder(runs_dir: str | Path, name: str) -> tuple[Path, Path]:
    """``(partial, final)`` for a folder of several runs (a comparison, an experiment): it is written in
    the hidden ``partial`` folder and moved to ``final`` (``<stamp>-<name>``, unused) once complete."""
    runs_dir = _runs_dir(runs_dir)
    base = f"{datetime.now().strftime('%Y%m%d-%H%M%S')}-{name}"
    final, i = runs_dir / base, 1
    while final.exists():
        i += 1
        final = runs_dir / f"{base}-{i}"
    partial = runs_dir / f".{final.name}.partial"
    partial.mkdir()
    return partial, final


class RunFolder:
    """A run being written: :meth:`create` (or :meth:`open` to resume), write files into :attr:`path`,
    then :meth:`finish` (complete), :meth:`mark` (stopped, kept) or :meth:`discard` (removed)."""

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def create(cls, runs_dir: str | Path, name: str, framework: str) -> "RunFolder":
        runs_dir = _runs_dir(runs_dir)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        base = f"{stamp}-{name}-{framework}"
        path, i = runs_dir / base, 1
        while True:
            try:
                path.mkdir()
                break
            except FileExistsError:
                i += 1
                path = runs_dir / f"{base}-{i}"
            except OSError as exc:
                raise RunFolderError(f"cannot write in the runs folder '{runs_dir}' ({exc.strerror}).",
                                     "Choose a writable folder with --runs-dir.") from None
        run = cls(path)
        run.mark("running")
        return run

    @classmethod
    def open(cls, path: str | Path) -> "RunFolder":
        """An existing, unfinished run folder, to resume it."""
        path = Path(path)
        if not path.is_dir():
            raise RunFolderError(f"run folder '{path}' does not exist.", "List runs with 'dlcourse runs list'.")
        if not (path / "config.yaml").is_file():
            raise RunFolderError(f"'{path}' is not a run folder (no config.yaml).")
        if (path / "metrics.json").is_file():
            raise RunFolderError(f"run '{path}' is already complete; there is nothing to resume.",
                                 "Train a new run, or raise training.epochs in a new config.")
        return cls(path)

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    def mark(self, state: str, **info: Any) -> None:
        """Record the run's state in ``status.json`` (written atomically)."""
        tmp = self.path / ".status.json.tmp"
        write_json(tmp, {"state": state, "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **info})
        os.replace(tmp, self.path / "status.json")

    def write_config(self, config: dict) -> None:
        (self.path / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    def write_environment(self, framework: str, settings: dict, extra: dict | None = None) -> None:
        write_json(self.path / "environment.json", {
            "run_format": RUN_FORMAT,
            "framework": framework,
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "versions": package_versions(),
            "settings": settings,
            "command": sys.argv,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            **(extra or {}),
        })

    def write_history(self, history: list[dict]) -> None:
        keys: list[str] = []
        for row in history:
            keys += [k for k in row if k not in keys]
        with open(self.path / "history.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=keys)
            writer.writeheader()
            writer.writerows(history)

    def write_json(self, name: str, data: Any) -> None:
        write_json(self.path / name, data)

    def finish(self) -> Path:
        """Mark the run complete; returns its folder."""
        self.mark("complete")
        return self.path

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def run_state(path: str | Path) -> str:
    """``running``, ``complete``, ``interrupted``, ``diverged``, ``failed`` or ``unknown``."""
    try:
        return json.loads((Path(path) / "status.json").read_text(encoding="utf-8"))["state"]
    except (OSError, ValueError, KeyError):
        return "complete" if (Path(path) / "metrics.json").is_file() else "unknown"


def read_run(path: str | Path) -> dict[str, Any]:
    """Read a finished run folder: its config, environment, history rows and metrics."""
    path = Path(path)
    if not path.is_dir():
        raise RunFolderError(f"run folder '{path}' does not exist.", "List runs with 'dlcourse runs list'.")
    missing = [name for name in REQUIRED if not (path / name).is_file()]
    if missing:
        state = run_state(path)
        hint = (f"It was {state}; resume it with: dlcourse train --resume {path}"
                if state in ("interrupted", "diverged", "failed") and (path / "checkpoints").is_dir()
                else "The run probably did not finish; train it again.")
        raise RunFolderError(f"run folder '{path}' is incomplete: missing {', '.join(missing)}.", hint)
    def parse(name: str, reader) -> Any:
        try:
            return reader(path / name)
        except (ValueError, TypeError, KeyError, csv.Error, yaml.YAMLError, OSError) as exc:
            detail = " ".join(str(exc).split())
            raise RunFolderError(f"run folder '{path}' has an unreadable file, {name} ({detail}).",
                                 "The run was probably damaged or edited by hand; train it again.") from None

    def history_rows(file: Path) -> list[dict[str, Any]]:
        with open(file, newline="", encoding="utf-8") as fh:
            return [{k: float(v) if k != "epoch" else int(v) for k, v in row.items()} for row in csv.DictReader(fh)]

    run = {
        "path": path,
        "config": parse("config.yaml", lambda f: yaml.safe_load(f.read_text(encoding="utf-8"))),
        "environment": parse("environment.json", lambda f: json.loads(f.read_text(encoding="utf-8"))),
        "metrics": parse("metrics.json", lambda f: json.loads(f.read_text(encoding="utf-8"))),
        "history": parse("history.csv", history_rows),
    }
    for name in ("config", "environment", "metrics"):
        if not isinstance(run[name], dict):
            raise RunFolderError(f"run folder '{path}': {name} file must hold a mapping, got {type(run[name]).__name__}.",
                                 "The run was probably damaged or edited by hand; train it again.")
    found = run["environment"].get("run_format", 1)       # folders written before the field existed are format 1
    if found != RUN_FORMAT:
        versions = run["environment"].get("versions")
        version = versions.get("dlcourse", "unknown") if isinstance(versions, dict) else "unknown"
        from dlcourse import __version__
        raise RunFolderError(f"run folder '{path}' uses run format {found!r} (written by dlcourse {version}); "
                             f"this dlcourse {__version__} reads format {RUN_FORMAT}.",
                             f"Install dlcourse {version} to read it, or train the run again.")
    return run
