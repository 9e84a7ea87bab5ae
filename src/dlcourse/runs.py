"""Run folders: ``runs/<timestamp>-<name>-<framework>/`` with everything needed to repeat and reuse a run.

A run is written in a hidden ``.partial`` folder and renamed when complete, so
a failed run never leaves a half-written folder under a run's name.

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


class RunFolder:
    """A run being written. Use :meth:`create`, write files into :attr:`path`, then :meth:`finish`."""

    def __init__(self, final: Path, partial: Path):
        self.final, self.path = final, partial

    @classmethod
    def create(cls, runs_dir: str | Path, name: str, framework: str) -> "RunFolder":
        runs_dir = Path(runs_dir)
        try:
            runs_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunFolderError(f"cannot create the runs folder '{runs_dir}' ({exc.strerror}).",
                                 "Choose a writable folder with --runs-dir.") from None
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        base = f"{stamp}-{name}-{framework}"
        final, i = runs_dir / base, 1
        while final.exists() or (runs_dir / f".{final.name}.partial").exists():
            i += 1
            final = runs_dir / f"{base}-{i}"
        partial = runs_dir / f".{final.name}.partial"
        try:
            partial.mkdir()
        except OSError as exc:
            raise RunFolderError(f"cannot write in the runs folder '{runs_dir}' ({exc.strerror}).",
                                 "Choose a writable folder with --runs-dir.") from None
        return cls(final, partial)

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
        """Rename the complete run to its final name; returns it."""
        os.replace(self.path, self.final)
        self.path = self.final
        return self.final

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def read_run(path: str | Path) -> dict[str, Any]:
    """Read a finished run folder: its config, environment, history rows and metrics."""
    path = Path(path)
    if not path.is_dir():
        raise RunFolderError(f"run folder '{path}' does not exist.", "List runs with 'dlcourse runs list'.")
    missing = [name for name in REQUIRED if not (path / name).is_file()]
    if missing:
        raise RunFolderError(f"run folder '{path}' is incomplete: missing {', '.join(missing)}.",
                             "The run probably did not finish; train it again.")
    try:
        with open(path / "history.csv", newline="", encoding="utf-8") as fh:
            history = [{k: float(v) if k != "epoch" else int(v) for k, v in row.items()} for row in csv.DictReader(fh)]
        run = {
            "path": path,
            "config": yaml.safe_load((path / "config.yaml").read_text(encoding="utf-8")),
            "environment": json.loads((path / "environment.json").read_text(encoding="utf-8")),
            "metrics": json.loads((path / "metrics.json").read_text(encoding="utf-8")),
            "history": history,
        }
    except (ValueError, TypeError, yaml.YAMLError, OSError) as exc:
        detail = " ".join(str(exc).split())
        raise RunFolderError(f"run folder '{path}' has an unreadable file ({detail}).",
                             "The run was probably damaged or edited by hand; train it again.") from None
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
