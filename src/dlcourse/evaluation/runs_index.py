"""List the run folders under a runs directory, with their main metric (no framework imported)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import yaml

from dlcourse.errors import RunFolderError

MAIN_METRIC = {"classification": "accuracy", "regression": "r2"}


def list_runs(runs_dir: str | Path) -> list[dict]:
    """One dict per run folder under ``runs_dir``, finished or not (newest first).

    Keys: ``name``, ``framework``, ``task``, ``date`` (``YYYY-mm-dd HH:MM:SS``), ``state``
    (``complete``, ``running``, ``interrupted``, ``diverged``, ``failed``, ``unknown``), ``metric``
    (name), ``value`` (``None`` unless complete), ``epochs``, ``seconds``, ``path`` and ``resume``
    (the command that continues an unfinished run that kept a checkpoint, else ``None``). Hidden
    ``.partial`` folders and comparison folders (no ``config.yaml``) are skipped.
    """
    from dlcourse.runs import run_state

    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        raise RunFolderError(f"runs folder '{runs_dir}' does not exist.",
                             "Train a model first (dlcourse train digits_mlp) or pass --runs-dir.")
    out = []
    for path in runs_dir.iterdir():
        if not path.is_dir() or path.name.startswith(".") or not (path / "config.yaml").is_file():
            continue
        if not ((path / "metrics.json").is_file() or (path / "status.json").is_file()):
            continue
        state = run_state(path)
        try:
            config = yaml.safe_load((path / "config.yaml").read_text(encoding="utf-8")) or {}
            metrics = (json.loads((path / "metrics.json").read_text(encoding="utf-8"))
                       if (path / "metrics.json").is_file() else {})
            env = (json.loads((path / "environment.json").read_text(encoding="utf-8"))
                   if (path / "environment.json").is_file() else {})
        except (OSError, ValueError, yaml.YAMLError):
            continue
        if not isinstance(config, dict) or not isinstance(metrics, dict) or not isinstance(env, dict):
            continue
        task = config.get("task", "")
        name = MAIN_METRIC.get(task, "")
        started = env.get("started", "")
        try:
            date = datetime.strptime(started, "%Y-%m-%dT%H:%M:%S%z").strftime("%Y-%m-%d %H:%M:%S")
        except ValueError:
            date = datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M:%S")
        # a diverged run would diverge again from its checkpoint (same steps): it is trained again instead
        resumable = state in ("interrupted", "failed", "running") and (path / "checkpoints").is_dir() \
            and not (path / "metrics.json").is_file()
        out.append({"name": config.get("name", path.name), "framework": env.get("framework", config.get("framework", "")),
                    "task": task, "date": date, "state": state, "metric": name,
                    "value": (metrics.get("test") or {}).get(name), "epochs": metrics.get("epochs"),
                    "seconds": metrics.get("train_seconds"), "path": str(path),
                    "resume": f"dlcourse train --resume {path}" if resumable else None})
    return sorted(out, key=lambda r: (r["date"], r["path"]), reverse=True)
