"""Train one config with one framework and record everything in a run folder."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlcourse.config import ExperimentConfig
from dlcourse.data.splits import prepare_splits
from dlcourse.errors import ConfigError, DataError
from dlcourse.runs import RunFolder
from dlcourse.training.threads import resolve_threads


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
    check_layer_shapes(config.model, dataset.feature_shape)
    from dlcourse.training.watch import check_monitors

    check_monitors(config)
    if config.task == "classification":
        y = dataset.y
        if not np.issubdtype(y.dtype, np.integer):
            raise DataError(f"dataset '{dataset.name}': classification labels must be integers, got {y.dtype}.")
        if y.min() < 0 or y.max() >= needed:
            raise DataError(f"dataset '{dataset.name}': labels must lie in [0, {needed - 1}], "
                            f"found {int(y.min())}..{int(y.max())}.")


def check_layer_shapes(spec, feature_shape: tuple[int, ...]) -> None:
    """Follow one sample's shape through the layers (:func:`dlcourse.models.layers.trace`); the first layer
    that cannot take its input raises a teaching :class:`ConfigError` naming its index and the shapes.

    ``feature_shape`` is one sample's shape, e.g. ``(8, 8)`` for the digits.
    """
    spec.trace(tuple(feature_shape))


def _count_non_finite(what: str, arr: np.ndarray, dataset_name: str) -> None:
    """Raise :class:`DataError` if ``arr: (n, ...)`` float holds NaN or infinite values."""
    arr = np.asarray(arr)
    if not np.issubdtype(arr.dtype, np.floating) or arr.size == 0:
        return
    bad = ~np.isfinite(arr)
    total = int(bad.sum())
    if not total:
        return
    nan = int(np.isnan(arr).sum())
    rows = bad.reshape(len(arr), -1).any(axis=1)
    raise DataError(
        f"dataset '{dataset_name}': {what} holds {nan} NaN and {total - nan} infinite value(s) "
        f"in {int(rows.sum())} of {len(arr)} samples (first: sample {int(np.argmax(rows))}).",
        "Clean or impute the data (drop those samples, or fill them with sklearn.impute.SimpleImputer) before training.")


def check_finite_data(dataset, splits) -> None:
    """Refuse NaN or infinite inputs (and regression targets) before training starts.

    The raw arrays are checked first (``dataset.x: (n, *shape)``, ``dataset.y``, the publisher's
    test pair), so that the count is not inflated by scaling; then each preprocessed split
    (``splits.x_*: (n_*, *shape) float32``), which catches values that overflow when scaled.
    """
    name = dataset.name
    imputed = dataset.schema.get("kind") == "csv" and dataset.schema.get("missing") in ("mean", "median", "most_frequent")
    # a CSV's missing cells are NaN until imputed on the training split; the splits are checked after
    raw = ([] if imputed else [("the input data x (before the train/validation/test split)", dataset.x)]) + \
        [("the targets y (before the train/validation/test split)", dataset.y)]
    if dataset.test is not None:
        raw += [("the test split's inputs", dataset.test[0]), ("the test split's targets", dataset.test[1])]
    for what, arr in raw:
        _count_non_finite(what, arr, name)
    for split in ("train", "val", "test"):
        label = "validation" if split == "val" else split
        _count_non_finite(f"the {label} split's inputs after scaling", getattr(splits, f"x_{split}"), name)
        _count_non_finite(f"the {label} split's targets", getattr(splits, f"y_{split}"), name)


def linear_coefficients(weights: list[np.ndarray], scaler) -> dict[str, float] | None:
    """Slope and intercept in the data's original units, for a model that is one 1-in/1-out dense layer."""
    if len(weights) != 2 or weights[0].shape != (1, 1):
        return None
    w, b = float(weights[0][0, 0]), float(weights[1][0])
    shift = float(np.ravel(scaler.shift)[0]) if np.size(scaler.shift) else 0.0
    scale = float(np.ravel(scaler.scale)[0]) if np.size(scaler.scale) else 1.0
    return {"slope": w / scale, "intercept": b - w * shift / scale}


def process_rank(config: ExperimentConfig) -> tuple[int, int, str | None]:
    """``(rank, world size, launcher)`` of this process: from ``torchrun``'s variables, or for
    ``runtime.distribution: multi_worker`` from ``TF_CONFIG`` (the worker's index among the workers);
    ``(0, 1, None)`` for a single process."""
    if int(os.environ.get("WORLD_SIZE", 1)) > 1:
        return int(os.environ.get("RANK", 0)), int(os.environ["WORLD_SIZE"]), "torchrun"
    if config.runtime.distribution == "multi_worker" and os.environ.get("TF_CONFIG"):
        import json

        try:
            tf_config = json.loads(os.environ["TF_CONFIG"])
            workers = len(tf_config["cluster"]["worker"]) + len(tf_config["cluster"].get("chief", []))
            task = tf_config["task"]
            rank = int(task["index"]) + (0 if task["type"] == "chief" or "chief" not in tf_config["cluster"] else 1)
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"TF_CONFIG is not a valid cluster description ({exc!r} missing or malformed).",
                              'Set it as {"cluster": {"worker": ["host1:port", ...]}, "task": {"type": "worker", '
                              '"index": 0}}.') from None
        return rank, workers, "tf_config"
    return 0, 1, None


class _NoRunFolder:
    """What a process other than the first of a distributed run has in place of a run folder: it writes nothing."""

    def __init__(self, path: Path | None):
        self.path = path
        self.checkpoints = path / "checkpoints" if path else None

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def check_distribution(config: ExperimentConfig, framework: str, world: int, launcher: str | None) -> None:
    """A distributed launch that cannot work is one sentence, before any framework is imported."""
    if launcher == "tf_config" and framework != "tensorflow":
        raise ConfigError("runtime.distribution: multi_worker is TensorFlow's; the run uses torch.",
                          "Use -f tensorflow, or launch PyTorch with torchrun.")
    if launcher != "torchrun":
        return
    if framework != "torch":
        raise ConfigError(f"this process was started by torchrun ({world} processes), which distributes PyTorch; "
                          f"the run uses {framework}.", "Use -f torch, or for TensorFlow run one process with "
                                                        "--set runtime.distribution=mirrored.")
    if config.training.batch_size % world:
        raise ConfigError(f"training.batch_size {config.training.batch_size} cannot be shared evenly between "
                          f"{world} processes.", f"Use a multiple of {world}, e.g. --set training.batch_size="
                                                 f"{max(world, config.training.batch_size // world * world)}.")


@dataclass
class PreparedData:
    """What :func:`prepare_data` gives: the config (framework set, ``model.backbone`` resolved into layers),
    the dataset, its preprocessed splits and fitted scaler, and the backbone's weights and record (or ``None``)."""

    config: ExperimentConfig
    dataset: object
    splits: object
    scaler: object
    backbone_weights: list | None
    backbone: dict | None


def prepare_data(config: ExperimentConfig, framework: str) -> PreparedData:
    """Everything a run needs before a framework is imported, with every teaching error found now
    (seconds earlier on a laptop): the splits, the backbone, the model's fit to the data, NaN checks."""
    from dlcourse.training.transfer import resolve_backbone

    config = config.model_copy(update={"framework": framework})
    with np.errstate(invalid="ignore", over="ignore"):      # NaN/inf are reported just below
        dataset, splits, scaler = prepare_splits(config.data, config.seed)
    config, weights, record = resolve_backbone(config, dataset.feature_shape)
    check_model_fits_data(config, dataset)
    check_finite_data(dataset, splits)
    return PreparedData(config, dataset, splits, scaler, weights, record)


def start_runtime(backend, config: ExperimentConfig, feature_shape: tuple[int, ...]) -> dict:
    """Seed and set up ``backend`` as ``config.runtime`` says, with the thread count for ``feature_shape``;
    returns the settings applied (what the run folder records)."""
    threads, why = resolve_threads(config, feature_shape)
    rt = config.runtime
    settings = backend.setup_runtime(config.seed, threads, rt.deterministic, rt.device, rt.precision,
                                     rt.distribution, rt.cpu_replicas)
    settings["threads_reason"] = why
    return settings


def run_experiment(config: ExperimentConfig, framework: str | None = None, runs_dir: str | Path = "runs",
                   reporter=None, resume: str | Path | None = None, catch_signals: bool = False) -> RunResult:
    """Train ``config`` with ``framework`` (default: the config's) and write its run folder.

    With ``resume``, continue the unfinished run in that folder from its newest valid
    checkpoint (its own ``config.yaml`` is used). A run that fails before its first
    checkpoint leaves nothing behind; one that is interrupted (Ctrl-C, SIGTERM with
    ``catch_signals``), diverges or fails later keeps its checkpoints, with its state in
    ``status.json``.
    """
    from dlcourse.backends import get_backend
    from dlcourse.errors import TrainingDiverged
    from dlcourse.data.batches import targets
    from dlcourse.evaluation.metrics import final_metrics, loss_value
    from dlcourse.training.control import TrainingControl, TrainingInterrupted
    from dlcourse.training.loop import fit
    from dlcourse.training.progress import Reporter

    run = RunFolder.open(resume) if resume else None
    if run:
        config = load_run_config(run.path)
    from dlcourse.training.transfer import apply_backbone, save_weights

    framework = framework or config.framework
    prepared = prepare_data(config, framework)
    config, dataset, splits, scaler = prepared.config, prepared.dataset, prepared.splits, prepared.scaler
    rank, world, launcher = process_rank(config)
    check_distribution(config, framework, world, launcher)
    if rank > 0:                                            # only the first process writes
        run, reporter = _NoRunFolder(run.path if run else None), Reporter()
    elif run is None:
        run = RunFolder.create(runs_dir, config.name, framework)   # an unwritable folder is found before training
    control = TrainingControl(run.checkpoints, resume=bool(resume), write=rank == 0,
                              interval=config.runtime.checkpoint_interval)
    control.run_path = run.path
    control.tensorboard = run.path / "tensorboard" if rank == 0 else None
    try:
        backend = get_backend(framework)
        settings = start_runtime(backend, config, dataset.feature_shape)
        if not resume:
            run.write_config(config.to_dict())
            settings["execution"] = backend.execution_settings(config, splits.x_train.shape)
            for note in settings["execution"].get("ignored", []) if rank == 0 else []:
                print(f"note: {note}.", file=sys.stderr)
            run.write_environment(framework, settings, {"backend": backend.versions(), "splits": splits.sizes()})
            run.write_json("preprocessing.json", {"scaler": scaler.to_dict(), **splits.info})
            if prepared.backbone:
                run.write_json("backbone.json", prepared.backbone)
        run.mark("running")
        t0 = time.perf_counter()
        model = backend.build_model(config.model, dataset.feature_shape, seed=config.seed)
        if not resume:
            apply_backbone(backend, model, prepared.backbone_weights)
        if catch_signals:
            with control.catch_signals():
                history = fit(backend, model, config, splits, reporter or Reporter(), control)
        else:
            history = fit(backend, model, config, splits, reporter or Reporter(), control)
        seconds = sum(h["seconds"] for h in history) if resume else time.perf_counter() - t0
        outputs = backend.predict(model, splits.x_test)
        seen = {}
        for split in ("train", "val"):                          # the kept model, in inference mode: the true gap
            xs, ys = getattr(splits, f"x_{split}"), getattr(splits, f"y_{split}")
            if len(xs):
                out = backend.predict(model, xs)
                seen[split] = {"loss": loss_value(config.task, targets(ys, config.task), out),
                               **final_metrics(config.task, ys, out)}
        metrics = {"test": final_metrics(config.task, splits.y_test, outputs), **seen,
                   "epochs": len(history), "train_seconds": seconds, "params": backend.count_params(model)}
        metrics.update(control.outcome)
        coef = linear_coefficients(backend.get_weights(model), scaler)
        if coef:
            metrics["linear"] = coef
        run.write_history(history)
        if rank == 0:
            backend.save_model(model, run.path)
            save_weights(run.path, backend.get_weights(model))     # framework-free: a backbone for other runs
        run.write_json("metrics.json", metrics)                 # written last: its presence means complete
        path = run.finish()
    except BaseException as exc:
        kept = control.last_checkpoint
        if kept is None and not resume:
            run.discard()
        else:
            state = ("interrupted" if isinstance(exc, (TrainingInterrupted, KeyboardInterrupt))
                     else "diverged" if isinstance(exc, TrainingDiverged) else "failed")
            run.mark(state, checkpoint=str(kept) if kept else None, error=str(exc)[:500])
        raise
    return RunResult(path, framework, metrics, history, seconds)


def load_run_config(path: Path) -> ExperimentConfig:
    """The resolved config recorded in a run folder."""
    from dlcourse.config import read_yaml, validate_config

    return validate_config(read_yaml(Path(path) / "config.yaml"), source=str(Path(path) / "config.yaml"))
