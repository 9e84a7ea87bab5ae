"""Train one config with one framework and record everything in a run folder."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlcourse.config import ExperimentConfig
from dlcourse.data.splits import prepare_splits
from dlcourse.errors import ConfigError, DataError
from dlcourse.runs import RunFolder


@dataclass
class RunResult:
    path: Path
    framework: str
    metrics: dict
    history: list[dict]
    seconds: float


def check_model_fits_data(config: ExperimentConfig, dataset) -> None:
    """Teaching errors raised before training: wrong output units, wrong task, labels out of range."""
    if dataset.task != config.task:
        raise ConfigError(f"config task is '{config.task}' but dataset '{dataset.name}' is a {dataset.task} dataset.",
                          f"Set task: {dataset.task}.")
    units, needed = config.model.output_units, dataset.n_outputs
    if units != needed:
        what = f"{needed} classes" if config.task == "classification" else f"{needed} target value(s)"
        raise ConfigError(f"model: the last dense layer has {units} units but dataset '{dataset.name}' has {what}.",
                          f"Set its units to {needed}.")
    if config.task == "classification":
        y = dataset.y
        if not np.issubdtype(y.dtype, np.integer):
            raise DataError(f"dataset '{dataset.name}': classification labels must be integers, got {y.dtype}.")
        if y.min() < 0 or y.max() >= needed:
            raise DataError(f"dataset '{dataset.name}': labels must lie in [0, {needed - 1}], "
                            f"found {int(y.min())}..{int(y.max())}.")


def linear_coefficients(weights: list[np.ndarray], scaler) -> dict[str, float] | None:
    """Slope and intercept in the data's original units, for a model that is one 1-in/1-out dense layer."""
    if len(weights) != 2 or weights[0].shape != (1, 1):
        return None
    w, b = float(weights[0][0, 0]), float(weights[1][0])
    shift = float(np.ravel(scaler.shift)[0]) if np.size(scaler.shift) else 0.0
    scale = float(np.ravel(scaler.scale)[0]) if np.size(scaler.scale) else 1.0
    return {"slope": w / scale, "intercept": b - w * shift / scale}


def run_experiment(config: ExperimentConfig, framework: str | None = None, runs_dir: str | Path = "runs",
                   reporter=None) -> RunResult:
    """Train ``config`` with ``framework`` (default: the config's) and write its run folder.

    Nothing is left under a run's name if anything fails.
    """
    from dlcourse.backends import get_backend
    from dlcourse.evaluation.metrics import final_metrics
    from dlcourse.training.progress import Reporter

    framework = framework or config.framework
    config = config.model_copy(update={"framework": framework})
    backend = get_backend(framework)
    dataset, splits, scaler = prepare_splits(config.data, config.seed)
    check_model_fits_data(config, dataset)
    settings = backend.setup_runtime(config.seed, config.runtime.threads, config.runtime.deterministic)
    run = RunFolder.create(runs_dir, config.name, framework)
    try:
        run.write_config(config.to_dict())
        run.write_environment(framework, settings, {"backend": backend.versions(), "splits": splits.sizes()})
        run.write_json("preprocessing.json", {"scaler": scaler.to_dict(), **splits.info})
        t0 = time.perf_counter()
        model = backend.build_model(config.model, dataset.feature_shape, seed=config.seed)
        history = backend.fit(model, config, splits, reporter or Reporter())
        seconds = time.perf_counter() - t0
        outputs = backend.predict(model, splits.x_test)
        metrics = {"test": final_metrics(config.task, splits.y_test, outputs),
                   "epochs": len(history), "train_seconds": seconds, "params": backend.count_params(model)}
        coef = linear_coefficients(backend.get_weights(model), scaler)
        if coef:
            metrics["linear"] = coef
        run.write_history(history)
        run.write_json("metrics.json", metrics)
        backend.save_model(model, run.path)
        path = run.finish()
    except BaseException:
        run.discard()
        raise
    return RunResult(path, framework, metrics, history, seconds)
