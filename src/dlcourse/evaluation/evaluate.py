"""Final evaluation of a run: metrics (scikit-learn), per-sample predictions and plots, saved in the run folder.

Writes, in the run folder: ``evaluation.json``, ``predictions.csv`` and
``plots/`` (``learning_curves``, ``confusion_matrix``, ``worst_misclassified`` for
classification; ``predicted_vs_true``, ``residuals`` for regression; PNG and SVG).
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np

from dlcourse.errors import DataError
from dlcourse.evaluation import plots
from dlcourse.evaluation.loading import LoadedRun, RunInfo, load_run

SPLITS = ("test", "val", "train")
PLOTS_DIR = "plots"


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def load_data(info: RunInfo, data: str = "test") -> tuple[np.ndarray, np.ndarray, str]:
    """The samples to evaluate on, in raw units: ``(x (n, *feature_shape) float32, y, label)``.

    ``data`` is a split of the run's own dataset (``test``, ``val``, ``train``: rebuilt
    from the config's seed, so the same samples as during training) or a file:
    ``.npz`` with arrays ``x`` and ``y``, or ``.csv`` with the feature columns
    (see :func:`dlcourse.evaluation.inputs.feature_columns`) and a ``y`` column.
    """
    from dlcourse.data.splits import raw_splits

    if data in SPLITS:
        cfg = info.config.data
        _, parts = raw_splits(cfg, info.config.seed)
        x, y = parts[data]
        schema = info.preprocessing.get("schema") or {}
        if schema.get("imputer"):                           # a CSV's missing cells, filled as in training
            from dlcourse.data.tabular import apply_imputer

            x = apply_imputer(schema, schema["imputer"], x)
        if len(x) == 0:
            raise DataError(f"--data {data}: this run has no {data} split (its fraction is 0); choose another split.")
        return np.asarray(x, np.float32), np.asarray(y), f"{data} split of '{cfg.dataset}'"
    path = Path(data)
    if not path.is_file():
        raise DataError(f"--data: '{data}' is neither a split ({', '.join(SPLITS)}) nor an existing file.",
                        "Give a split name, or a .npz file with arrays x and y, or a .csv file with a y column.")
    if path.suffix.lower() == ".npz":
        try:
            with np.load(path, allow_pickle=False) as archive:
                if "x" not in archive or "y" not in archive:
                    raise DataError(f"--data: '{path}' must hold arrays named 'x' and 'y', "
                                    f"found {', '.join(archive.files) or 'none'}.")
                x, y = archive["x"], archive["y"]
        except (ValueError, OSError) as exc:
            raise DataError(f"--data: '{path}' is not a readable .npz file ({exc}).") from None
        if tuple(x.shape[1:]) != info.feature_shape:
            raise DataError(f"--data: '{path}' has x of shape {x.shape}; the model expects "
                            f"(n, {', '.join(map(str, info.feature_shape))}).")
    elif path.suffix.lower() == ".csv" and (info.preprocessing.get("schema") or {}).get("kind") == "csv":
        x, y = _raw_rows_with_target(path, info)            # rows in the training CSV's own format
    elif path.suffix.lower() == ".csv":
        from dlcourse.evaluation.inputs import read_csv_features

        x, table = read_csv_features(path, info.feature_shape)
        if "y" not in table.columns:
            raise DataError(f"--data: '{path}' has no column 'y' (the true label or target).",
                            "Add it, or use dlcourse predict for data without labels.")
        y = table["y"].to_numpy()
    else:
        raise DataError(f"--data: '{path}' must be a .npz or .csv file, got '{path.suffix or '(no extension)'}'.")
    if len(x) != len(y):
        raise DataError(f"--data: '{path}' has {len(x)} samples but {len(y)} labels; they must match.")
    if info.task == "classification":
        if not np.all(np.asarray(y) == np.round(np.asarray(y, np.float64))) or y.min() < 0 or y.max() >= info.n_outputs:
            raise DataError(f"--data: '{path}': labels must be integers in [0, {info.n_outputs - 1}], "
                            f"found {y.min()}..{y.max()}.")
        y = np.asarray(y).astype(np.int64)
    else:
        y = np.asarray(y, np.float32).reshape(len(y), -1)
    return np.asarray(x, np.float32), y, str(path)


def _raw_rows_with_target(path: Path, info: RunInfo) -> tuple[np.ndarray, np.ndarray]:
    """Rows of a CSV in the training file's format, target column included -> ``(x (n, d), y)``."""
    from dlcourse.data.tabular import _read, encode_frame

    schema = info.preprocessing["schema"]
    frame = _read(path, schema.get("sep", ","))
    frame.columns = [str(c).strip() for c in frame.columns]
    target = schema["target"]
    if target not in frame.columns:
        raise DataError(f"--data: '{path}' has no column '{target}' (the target the run was trained on).",
                        "Add it, or use dlcourse predict for rows without a target.")
    if frame[target].isna().any():
        row = int(np.flatnonzero(frame[target].isna().to_numpy())[0])
        raise DataError(f"--data: '{path}': the target '{target}' is empty at row {row + 1}.")
    x = encode_frame(frame, schema, source=f"--data: '{path}'")
    if info.task != "classification":
        return x, frame[target].to_numpy(np.float64)
    classes = [str(c) for c in schema.get("classes") or info.classes]
    labels = [str(v).strip() if not isinstance(v, float) or not v.is_integer() else str(int(v))
              for v in frame[target].tolist()]
    unknown = [v for v in labels if v not in classes]
    if unknown:
        raise DataError(f"--data: '{path}': the target '{target}' holds {unknown[0]!r}, not one of the run's classes "
                        f"({', '.join(classes[:10])}).")
    return x, np.array([classes.index(v) for v in labels], np.int64)


def evaluate(run: LoadedRun, x_raw: np.ndarray, y: np.ndarray) -> tuple[dict, np.ndarray]:
    """Metrics of ``run`` on ``x_raw`` (raw units) and ``y``; returns ``(report, outputs (n, k))``."""
    from dlcourse.evaluation.metrics import classification_report, regression_report

    outputs = run.predict(x_raw)
    if run.info.task == "classification":
        return classification_report(y, outputs, run.info.classes), outputs
    return regression_report(y, outputs), outputs


def write_predictions(path: Path, task: str, y: np.ndarray, outputs: np.ndarray, classes: list[str] | None) -> None:
    """``predictions.csv``: index, true label/target, prediction (and its probability)."""
    from dlcourse.evaluation.metrics import softmax

    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        if task == "classification":
            probs = softmax(np.asarray(outputs, np.float64))
            pred = probs.argmax(axis=1)
            w.writerow(["index", "true", "predicted", "probability", "correct"])
            for i in range(len(y)):
                w.writerow([i, classes[int(y[i])], classes[int(pred[i])], f"{probs[i, pred[i]]:.6f}",
                            int(pred[i] == y[i])])
        else:
            t, p = np.asarray(y).reshape(len(y), -1), np.asarray(outputs).reshape(len(outputs), -1)
            k = t.shape[1]
            names = ["true", "predicted", "residual"] if k == 1 else \
                [f"{n}_{j}" for j in range(k) for n in ("true", "predicted", "residual")]
            w.writerow(["index", *names])
            for i in range(len(t)):
                row = []
                for j in range(k):
                    row += [f"{t[i, j]:.6g}", f"{p[i, j]:.6g}", f"{p[i, j] - t[i, j]:.6g}"]
                w.writerow([i, *row])
    os.replace(tmp, path)


def make_plots(run: LoadedRun, x_raw: np.ndarray, y: np.ndarray, outputs: np.ndarray, report: dict) -> list[Path]:
    """Every plot of the run into ``<run>/plots/``; returns the files written."""
    from dlcourse.evaluation.metrics import softmax

    info = run.info
    folder = info.path / PLOTS_DIR
    written: list[Path] = []
    if info.run["history"]:
        written += plots.learning_curves(info.run["history"], folder / "learning_curves",
                                         f"{info.name} ({plots.FRAMEWORK_LABELS[info.framework]})")
    if info.task == "classification":
        written += plots.confusion_matrix(np.asarray(report["confusion_matrix"]), info.classes,
                                          folder / "confusion_matrix")
        written += plots.worst_misclassified(info.scaler.transform(x_raw), y, softmax(np.asarray(outputs, np.float64)),
                                             info.classes, folder / "worst_misclassified")
    else:
        written += plots.predicted_vs_true(y, outputs, folder / "predicted_vs_true")
        written += plots.residuals(y, outputs, folder / "residuals")
    return written


def evaluate_run(path: str | Path, data: str = "test", with_plots: bool = True) -> dict:
    """Evaluate the run at ``path`` on ``data`` and save ``evaluation.json``, ``predictions.csv`` and plots.

    Returns the saved evaluation (``{"data", "n", "framework", "task", ...report}``).
    """
    from dlcourse.evaluation.loading import open_run

    info = open_run(path)
    x_raw, y, label = load_data(info, data)            # bad data fails before the framework is imported
    run = load_run(info)
    report, outputs = evaluate(run, x_raw, y)
    result = {"data": label, "n": int(len(y)), "framework": run.info.framework, "task": run.info.task, **report}
    if run.info.task == "classification":
        result["predicted"] = [int(i) for i in np.asarray(outputs).argmax(axis=1)]
    _atomic_text(run.info.path / "evaluation.json", json.dumps(result, indent=2) + "\n")
    write_predictions(run.info.path / "predictions.csv", run.info.task, y, outputs, run.info.classes)
    if with_plots:
        files = make_plots(run, x_raw, y, outputs, report)
        result["plots"] = sorted({str(p.relative_to(run.info.path)) for p in files if p.suffix == ".png"})
        _atomic_text(run.info.path / "evaluation.json", json.dumps(result, indent=2) + "\n")
    return result
