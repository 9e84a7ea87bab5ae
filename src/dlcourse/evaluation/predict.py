"""Use a trained model: read inputs, apply the run's saved preprocessing, return predictions."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

from dlcourse.evaluation.inputs import read_inputs
from dlcourse.evaluation.loading import LoadedRun, load_run


def predict_rows(run: LoadedRun, x_raw: np.ndarray, sources: list[str], top: int = 3) -> list[dict]:
    """One dict per sample.

    ``x_raw: (n, *feature_shape)`` float32 in raw units. Classification rows hold
    ``source, predicted, probability, top`` (``[(class, probability)]``, best first);
    regression rows ``source, predicted`` (a float, or a list for several targets).
    """
    from dlcourse.evaluation.metrics import softmax

    outputs = run.predict(x_raw)
    rows = []
    if run.info.task == "classification":
        probs = softmax(np.asarray(outputs, np.float64))
        classes = run.info.classes
        for source, p in zip(sources, probs):
            order = np.argsort(-p, kind="stable")[:top]
            rows.append({"source": source, "index": int(order[0]), "predicted": classes[order[0]],
                         "probability": float(p[order[0]]), "top": [(classes[i], float(p[i])) for i in order]})
    else:
        for source, value in zip(sources, np.asarray(outputs, np.float64).reshape(len(outputs), -1)):
            rows.append({"source": source, "predicted": float(value[0]) if len(value) == 1 else value.tolist()})
    return rows


def predict_files(run_dir: str | Path, inputs: list[str | Path], top: int = 3) -> tuple[LoadedRun, list[dict]]:
    """Reload the run at ``run_dir`` and predict every input file (images, CSV, ``.npy``)."""
    from dlcourse.evaluation.loading import open_run

    info = open_run(run_dir)
    x_raw, sources = read_inputs(inputs, info.feature_shape, info.preprocessing["scaler"],
                                 info.preprocessing.get("schema"))
    run = load_run(info)
    return run, predict_rows(run, x_raw, sources, top)


def predict_frame(run_dir: str | Path, frame, top: int = 3) -> list[dict]:
    """Predict raw rows given as a pandas DataFrame, for a run trained on a CSV file (``data.dataset: csv``).

    ``frame`` has the training file's own columns (text categories, missing cells allowed when the
    run imputes them); the target column and any other column are ignored. They are encoded by the
    run's scikit-learn ``ColumnTransformer``, rebuilt from ``preprocessing.json``
    (:func:`dlcourse.data.tabular.rebuild_encoder`). One dict per row, as :func:`predict_rows`
    (``source`` is the row's index label).
    """
    from dlcourse.data.tabular import encode_frame
    from dlcourse.errors import DataError
    from dlcourse.evaluation.loading import open_run

    info = open_run(run_dir)
    schema = info.preprocessing.get("schema") or {}
    if schema.get("kind") != "csv":
        raise DataError(f"run '{run_dir}' was not trained on a CSV file, so it cannot read DataFrame rows.",
                        "Pass arrays of its feature shape to LoadedRun.predict instead.")
    frame = frame.rename(columns=lambda c: str(c).strip())
    x_raw = encode_frame(frame, schema, source="DataFrame")
    run = load_run(info)
    return predict_rows(run, x_raw, [str(i) for i in frame.index], top)


def write_csv(path: str | Path, task: str, rows: list[dict]) -> Path:
    """Write prediction rows as CSV (written to a temporary name, then renamed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        if task == "classification":
            k = max((len(r["top"]) for r in rows), default=0)
            w.writerow(["source", "predicted", "probability", *[f"{n}_{i + 1}" for i in range(k)
                                                                 for n in ("class", "prob")]])
            for r in rows:
                w.writerow([r["source"], r["predicted"], f"{r['probability']:.6f}",
                            *[v for c, p in r["top"] for v in (c, f"{p:.6f}")]])
        else:
            w.writerow(["source", "predicted"])
            for r in rows:
                value = r["predicted"]
                w.writerow([r["source"], f"{value:.6g}" if isinstance(value, float) else " ".join(f"{v:.6g}" for v in value)])
    os.replace(tmp, path)
    return path
