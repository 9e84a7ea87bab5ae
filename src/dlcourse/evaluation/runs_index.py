"""List the run folders under a runs directory, with their main metric (no framework imported)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import yaml

from dlcourse.errors import RunFolderError

MAIN_METRIC = {"classification": "accuracy", "regression": "r2"}


def list_runs(runs_dir: str | Path) -> list[dict]:
    """One dict per finished run under ``runs_dir`` (newest first).

    Keys: ``name``, ``framework``, ``task``, ``date`` (``YYYY-mm-dd HH:MM:SS``), ``metric``
    (name), ``value``, ``epochs``, ``seconds``, ``path``. Hidden ``.partial`` folders and
    comparison folders are skipped.
    """
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        raise RunFolderError(f"runs folder '{runs_dir}' does not exist.",
                             "Train a model first (dlcourse train digits_mlp) or pass --runs-dir.")
    out = []
    for path in runs_dir.iterdir():
        if not path.is_dir() or path.name.startswith(".") or not (path / "metrics.json").is_file():
            continue
        try:
            metrics = json.loads((path / "metrics.json").read_text(encoding="utf-8"))
            config = yaml.safe_load((path / "config.yaml").read_text(encoding="utf-8")) or {}
            env = json.loads((path / "environment.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, yaml.YAMLError):
            continue
        task = config.get("task", "")
        name = MAIN_METRIC.get(task, "")
        started = env.get("started", "")
        try:
            date = datetime.strptime(started, "%Y-%m-%dT%H:%M:%S%z").strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            date = datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M:%S")
        out.append({"name": config.get("name", path.name), "framework": env.get("framework", config.get("framework", "")),
                    "task": task, "date": date, "metric": name,
                    "value": (metrics.get("test") or {}).get(name), "epochs": metrics.get("epochs"),
                    "seconds": metrics.get("train_seconds"), "path": str(path)})
    return sorted(out, key=lambda r: (r["date"], r["path"]), reverse=True)
