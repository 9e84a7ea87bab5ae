"""The learner's own table: a CSV file read with pandas into a :class:`Dataset`.

The user names the target column; the other columns are features. Numeric (and
boolean) columns are kept as numbers; text columns are categorical and one-hot
encoded (one column per category, sorted). The task is stated, or inferred: a
text target, or an integer target with few distinct values, is a classification.

The encoding is recorded in ``Dataset.schema`` (saved with a run in
``preprocessing.json``) and :func:`encode_frame` applies it again to new rows at
prediction time. Statistics (means, ranges) are *not* computed here: scaling, and
the imputation of missing cells (``missing: mean | median | most_frequent``), are
fitted later on the training split only (:mod:`dlcourse.data.preprocessing`); until
then a missing cell is ``NaN`` in ``x`` (a missing category: ``NaN`` over its one-hot block).
"""

from __future__ import annotations

import csv as _csv
from pathlib import Path

import numpy as np

from dlcourse.data.dataset import Dataset
from dlcourse.errors import DataError, did_you_mean

MISSING_POLICIES = ("error", "drop", "mean", "median", "most_frequent")
IMPUTE = ("mean", "median", "most_frequent")


def _read(path: Path, sep: str):
    import pandas as pd

    if not path.is_file():
        raise DataError(f"CSV file '{path}' does not exist.", "Check data.options.path.")
    try:
        return pd.read_csv(path, sep=sep, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise DataError(f"CSV file '{path}' is empty; expected a header line then one row per sample.") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"CSV file '{path}' is not UTF-8 text (byte {exc.start} cannot be decoded).",
                        "Save it as UTF-8 CSV.") from None
    except (ValueError, _csv.Error, OverflowError, MemoryError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"CSV file '{path}' cannot be parsed ({first}).",
                        f"Check that columns are separated by '{sep}' and every row has as many fields as the header.") \
            from None
    except OSError as exc:
        raise DataError(f"cannot read CSV file '{path}' ({exc.strerror or exc}).") from None


def _is_numeric(series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def _first_missing(frame) -> tuple[int, str]:
    mask = frame.isna().to_numpy()
    row, col = np.argwhere(mask)[0]
    return int(row), str(frame.columns[col])


def _infer_task(target, max_classes: int) -> str:
    if not _is_numeric(target):
        return "classification"
    values = target.to_numpy(dtype=np.float64)
    if np.all(np.mod(values, 1) == 0) and target.nunique() <= max_classes:
        return "classification"
    return "regression"


def encode_frame(frame, schema: dict, source: str = "data", allow_missing: bool = False) -> np.ndarray:
    """Encode feature columns of ``frame`` (a pandas DataFrame) as ``schema`` says: ``(n, d) float32``.

    Used for training and again at prediction time; other columns (the target, an identifier) are
    ignored. A missing column, or an unseen category, raises :class:`DataError` naming it; so does a
    missing value, unless ``allow_missing`` (it is then ``NaN``, over the whole one-hot block for a
    category) or the schema holds a fitted ``imputer`` (its values fill the cell).
    """
    needed = list(schema["numeric"]) + list(schema["categorical"])
    absent = [c for c in needed if c not in frame.columns]
    if absent:
        raise DataError(f"{source}: missing column(s) {', '.join(map(repr, absent))}; the model was trained on "
                        f"{', '.join(map(repr, needed))}.")
    imputer = schema.get("imputer")
    if imputer:
        frame = frame.copy()
        for col, value in {**imputer["numeric"], **imputer["categorical"]}.items():
            frame[col] = frame[col].fillna(value)
    if not allow_missing and frame[needed].isna().any().any():
        row, col = _first_missing(frame[needed])
        raise DataError(f"{source}: missing value at row {row + 1} (line {row + 2} of the file), column '{col}'.")
    parts = []
    for col in schema["numeric"]:
        if not _is_numeric(frame[col]):
            import pandas as pd

            coerced = pd.to_numeric(frame[col], errors="coerce").isna().to_numpy()
            row = int(np.flatnonzero(coerced)[0]) if coerced.any() else 0
            raise DataError(f"{source}: column '{col}' must be numeric, but row {row + 1} holds "
                            f"{frame[col].iloc[row]!r}.")
        values = frame[col].to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(values) | np.isnan(values)):
            row = int(np.flatnonzero(np.isinf(values))[0])
            raise DataError(f"{source}: column '{col}' holds an infinite value at row {row + 1}.")
        if np.any(np.abs(values) > np.finfo(np.float32).max):
            row = int(np.flatnonzero(np.abs(values) > np.finfo(np.float32).max)[0])
            raise DataError(f"{source}: column '{col}' holds a value too large for float32 at row {row + 1}.")
        parts.append(values.astype(np.float32)[:, None])
    for col, categories in schema["categorical"].items():
        absent_cell = frame[col].isna().to_numpy()
        values = frame[col].astype(str).str.strip().to_numpy()
        lookup = {c: i for i, c in enumerate(categories)}
        codes = np.array([lookup.get(v, -1) for v in values], dtype=np.int64)
        unseen = (codes < 0) & ~absent_cell
        if np.any(unseen):
            row = int(np.flatnonzero(unseen)[0])
            raise DataError(f"{source}: column '{col}' holds the category {values[row]!r} at row {row + 1}, "
                            f"unseen in training (known: {', '.join(categories[:10])}).",
                            "Use one of the known categories, or leave the cell empty to have it imputed "
                            "(data.options.missing: most_frequent).")
        block = np.eye(len(categories), dtype=np.float32)[np.maximum(codes, 0)]
        block[absent_cell] = np.nan                                   # imputed later, on the training split
        parts.append(block)
    if not parts:
        return np.zeros((len(frame), 0), np.float32)
    return np.concatenate(parts, axis=1)


def load_csv(path: str, target: str, task: str | None = None, missing: str = "error", sep: str = ",",
             categorical: list[str] | None = None, drop: list[str] | None = None, max_classes: int = 20,
             max_categories: int = 100) -> Dataset:
    """Read the CSV at ``path``; ``target`` names the column to predict.

    Parameters
    ----------
    task: ``classification`` or ``regression``; inferred when omitted (text target, or at most
        ``max_classes`` distinct integers: classification).
    missing: ``error`` (a missing value is an error naming its row and column), ``drop`` (drop those rows),
        or ``mean`` / ``median`` / ``most_frequent``: impute, with statistics of the training split only
        (text columns always take their most frequent category); a row whose target is missing is dropped.
    sep: the column separator.
    categorical: numeric columns to treat as categories too (text columns always are).
    drop: columns to ignore (an identifier, a free-text comment).
    max_categories: a categorical column with more distinct values is refused (it is probably an identifier).

    Returns
    -------
    Dataset with ``x (n, d) float32`` (numeric columns, then one-hot categories) and
    ``y (n,) int64`` class indices or ``(n, 1) float32`` targets.
    """
    path_ = Path(path)
    if missing not in MISSING_POLICIES:
        raise DataError(f"data.options.missing must be one of {', '.join(MISSING_POLICIES)}, got {missing!r}.",
                        "Use error (the default), drop, or an imputation: mean, median or most_frequent.")
    if task not in (None, "classification", "regression"):
        raise DataError(f"csv: task must be 'classification' or 'regression' (or omitted), got {task!r}.")
    frame = _read(path_, sep)
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(set(frame.columns)) != len(frame.columns):
        raise DataError(f"CSV file '{path_}' has duplicate column names.")
    if target not in frame.columns:
        raise DataError(f"CSV file '{path_}' has no column '{target}'.{did_you_mean(target, frame.columns)}",
                        f"Its columns: {', '.join(frame.columns[:20])}.")
    for col in list(drop or []) + list(categorical or []):
        if col not in frame.columns:
            raise DataError(f"CSV file '{path_}' has no column '{col}'.{did_you_mean(col, frame.columns)}")
    frame = frame.drop(columns=list(drop or []))
    dropped = 0
    if missing in IMPUTE and frame[target].isna().any():        # a target cannot be imputed: drop those rows
        before = len(frame)
        frame = frame[frame[target].notna()].reset_index(drop=True)
        dropped = before - len(frame)
    if frame.isna().any().any() and missing not in IMPUTE:
        if missing == "error":
            row, col = _first_missing(frame)
            raise DataError(f"CSV file '{path_}': missing value at row {row + 1} (line {row + 2} of the file), "
                            f"column '{col}'.",
                            "Fill it in, or set data.options.missing: drop to drop incomplete rows.")
        before = len(frame)
        frame = frame.dropna().reset_index(drop=True)
        dropped = before - len(frame)
    if len(frame) == 0:
        raise DataError(f"CSV file '{path_}' has no complete row of data.")
    features = [c for c in frame.columns if c != target]
    if not features:
        raise DataError(f"CSV file '{path_}' has no feature column besides the target '{target}'.")
    forced = set(categorical or [])
    numeric = [c for c in features if c not in forced and _is_numeric(frame[c])]
    cats = {}
    for col in features:
        if col in numeric:
            continue
        values = sorted(frame[col].dropna().astype(str).str.strip().unique().tolist())
        if len(values) > max_categories:
            raise DataError(f"CSV file '{path_}': column '{col}' is text with {len(values)} distinct values "
                            f"(more than {max_categories}); it cannot be one-hot encoded.",
                            "Drop it (data.options.drop) or fix its values if it should be numeric.")
        cats[col] = values
    schema = {"kind": "csv", "target": target, "numeric": numeric, "categorical": cats,
              "features": numeric + [f"{c}={v}" for c, vs in cats.items() for v in vs], "dropped_rows": dropped,
              "missing": missing, "sep": sep}
    x = encode_frame(frame, schema, source=f"CSV file '{path_}'", allow_missing=missing in IMPUTE)
    y_col = frame[target]
    task = task or _infer_task(y_col, max_classes)
    if task == "classification":
        labels = y_col.astype(str).str.strip() if not _is_numeric(y_col) else y_col
        classes_raw = sorted(labels.unique().tolist())
        classes = [str(c) for c in classes_raw]
        lookup = {c: i for i, c in enumerate(classes_raw)}
        y = np.array([lookup[v] for v in labels.tolist()], dtype=np.int64)
        if len(classes) < 2:
            raise DataError(f"CSV file '{path_}': the target '{target}' has a single class ({classes[0]!r}); "
                            "a classification needs at least two.")
        schema["classes"] = classes
    else:
        if not _is_numeric(y_col):
            raise DataError(f"CSV file '{path_}': the target '{target}' is text, so it cannot be a regression target.",
                            "Set data.options.task: classification, or fix its values.")
        values = y_col.to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(values)) or np.any(np.abs(values) > np.finfo(np.float32).max):
            raise DataError(f"CSV file '{path_}': the target '{target}' holds an infinite or too large value.")
        y = values.astype(np.float32).reshape(-1, 1)
        classes = None
    return Dataset(name=path_.stem, task=task, x=x, y=y, classes=classes,
                   description=f"CSV '{path_.name}': {len(frame)} rows, {x.shape[1]} encoded features",
                   schema=schema)


def fit_imputer(schema: dict, x_train: np.ndarray) -> dict | None:
    """Fill values for the missing cells, from the training rows ``x_train: (n, d)`` (encoded, ``NaN`` missing).

    ``schema['missing']`` picks the strategy for numeric columns (scikit-learn's ``SimpleImputer``:
    ``mean``, ``median`` or ``most_frequent``); a text column takes its most frequent category in
    training. Returns ``{"strategy", "numeric": {column: value}, "categorical": {column: category}}``
    (plain JSON: stored in the run's ``preprocessing.json``), or ``None`` when nothing is imputed.
    """
    strategy = schema.get("missing")
    if schema.get("kind") != "csv" or strategy not in IMPUTE:
        return None
    from sklearn.impute import SimpleImputer

    numeric = list(schema["numeric"])
    values: dict[str, float] = {}
    if numeric:
        block = x_train[:, :len(numeric)].astype(np.float64)
        imputer = SimpleImputer(strategy=strategy, keep_empty_features=True).fit(block)
        values = {col: float(v) for col, v in zip(numeric, imputer.statistics_)}
    categories: dict[str, str] = {}
    start = len(numeric)
    for col, cats in schema["categorical"].items():
        block = x_train[:, start:start + len(cats)]
        counts = np.nansum(block, axis=0)                   # rows with the cell missing are NaN: not counted
        categories[col] = cats[int(np.argmax(counts))]       # ties: the first category in sorted order
        start += len(cats)
    return {"strategy": strategy, "numeric": values, "categorical": categories}


def apply_imputer(schema: dict, imputer: dict, x: np.ndarray) -> np.ndarray:
    """``x: (n, d)`` encoded rows with ``NaN`` cells -> a copy with :func:`fit_imputer`'s values filled in."""
    x = np.array(x, dtype=np.float32, copy=True)
    numeric = list(schema["numeric"])
    for j, col in enumerate(numeric):
        x[np.isnan(x[:, j]), j] = imputer["numeric"][col]
    start = len(numeric)
    for col, cats in schema["categorical"].items():
        block = x[:, start:start + len(cats)]
        rows = np.isnan(block).any(axis=1)
        block[rows] = 0.0
        block[rows, cats.index(imputer["categorical"][col])] = 1.0
        start += len(cats)
    return x


def read_raw_rows(path: str | Path, schema: dict) -> np.ndarray:
    """New rows in the training CSV's own format (raw columns, text categories, empty cells) -> ``(n, d) float32``.

    The columns are matched by name (the target and any other column are ignored), encoded as in
    training, and missing cells filled with the run's fitted imputation (or refused when it had none).
    """
    path = Path(path)
    frame = _read(path, schema.get("sep", ","))
    frame.columns = [str(c).strip() for c in frame.columns]
    return encode_frame(frame, schema, source=f"input '{path}'")
