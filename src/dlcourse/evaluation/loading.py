"""Open a finished run folder and reload its model, with the preprocessing it was trained with."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dlcourse.errors import RunFolderError
from dlcourse.frameworks import FRAMEWORKS

MODEL_FILES = {name: f.model_file for name, f in FRAMEWORKS.items()}


@dataclass
class RunInfo:
    """What a run folder says, read without importing any framework.

    ``feature_shape`` is one sample's shape (``(8, 8)`` for digits, ``(1,)`` for
    the linear dataset); ``classes`` is ``None`` for regression.
    """

    path: Path
    run: dict[str, Any]
    config: Any                     # dlcourse.config.ExperimentConfig
    preprocessing: dict[str, Any]
    framework: str
    task: str
    feature_shape: tuple[int, ...]
    classes: list[str] | None
    n_outputs: int

    @property
    def scaler(self):
        from dlcourse.data.preprocessing import Scaler

        return Scaler.from_dict(self.preprocessing["scaler"])

    @property
    def name(self) -> str:
        return self.config.name


def open_run(path: str | Path) -> RunInfo:
    """Read ``path`` (a run folder) and check that it holds a model and its preprocessing.

    Raises :class:`RunFolderError` with one sentence when the folder is missing or incomplete.
    """
    from dlcourse.config import validate_config
    from dlcourse.runs import read_run

    path = Path(path)
    if path.is_dir() and (path / "compare.json").is_file():
        raise RunFolderError(f"'{path}' is a comparison folder, not a run folder.",
                             "Give one of the run folders listed in its compare.json.")
    run = read_run(path)
    config = validate_config(run["config"], source=str(path / "config.yaml"))
    framework = str(run["environment"].get("framework") or config.framework)
    if framework not in MODEL_FILES:
        raise RunFolderError(f"run folder '{path}' names an unknown framework '{framework}'; "
                             f"expected one of {', '.join(MODEL_FILES)}.")
    missing = [name for name in ("preprocessing.json", MODEL_FILES[framework]) if not (path / name).is_file()]
    if missing:
        raise RunFolderError(f"run folder '{path}' is incomplete: missing {', '.join(missing)}.",
                             "The run probably did not finish; train it again.")
    try:
        pre = json.loads((path / "preprocessing.json").read_text(encoding="utf-8"))
    except ValueError as exc:
        raise RunFolderError(f"run folder '{path}' has an unreadable preprocessing.json ({exc}).") from None
    shape = tuple(int(s) for s in pre.get("feature_shape") or ())
    if not shape:
        raise RunFolderError(f"run folder '{path}': preprocessing.json has no feature_shape.")
    classes = pre.get("classes") if config.task == "classification" else None
    if config.task == "classification" and not classes:
        classes = [str(i) for i in range(config.model.output_units)]
    return RunInfo(path, run, config, pre, framework, config.task, shape, classes, config.model.output_units)


@dataclass
class LoadedRun:
    """A run with its model reloaded in its own framework."""

    info: RunInfo
    backend: Any
    model: Any = field(repr=False)

    def predict_scaled(self, x: np.ndarray) -> np.ndarray:
        """``x: (n, *feature_shape)`` float32, already scaled -> ``(n, outputs)`` float32 logits or values."""
        return np.asarray(self.backend.predict(self.model, np.asarray(x, np.float32)))

    def predict(self, x_raw: np.ndarray) -> np.ndarray:
        """``x_raw: (n, *feature_shape)`` in the dataset's own units -> ``(n, outputs)`` logits or values."""
        return self.predict_scaled(self.info.scaler.transform(np.asarray(x_raw)))


def load_run(path: str | Path | RunInfo) -> LoadedRun:
    """Open a run folder and reload its model (imports the run's framework)."""
    from dlcourse.backends import get_backend

    info = path if isinstance(path, RunInfo) else open_run(path)
    backend = get_backend(info.framework)
    try:
        model = backend.load_model(info.path, info.config, info.feature_shape)
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        raise RunFolderError(f"run folder '{info.path}': cannot load {MODEL_FILES[info.framework]} ({exc}).") from None
    return LoadedRun(info, backend, model)
