"""The learner's own table: a CSV file read with pandas into a :class:`Dataset`.

The user names the target column; the other columns are features. Numeric (and
boolean) columns are kept as numbers; text columns are categorical and one-hot
encoded (one column per category, sorted). The task is stated, or inferred: a
text target, or an integer target with few distinct values, is a classification.

The encoding is scikit-learn's: a ``ColumnTransformer`` passes the numeric columns
through and one-hot encodes the text columns (``OneHotEncoder``, its categories being
every value of the file, sorted). With ``missing: mean | median | most_frequent`` a
``SimpleImputer`` of that strategy fills the numeric columns and a
``SimpleImputer(strategy="most_frequent")`` the text columns before their one-hot
encoding; these statistics are fitted on the training split only (:func:`fit_imputer`),
so until then a missing cell is ``NaN`` in ``x`` (a missing category: ``NaN`` over its
one-hot block). Scaling is separate, fitted later on the training split too
(:mod:`dlcourse.data.preprocessing`).

The encoding is recorded in ``Dataset.schema`` as plain parameters, saved with a run in
``preprocessing.json`` (column order, categories and, under ``imputer``, the fitted
statistics; no pickle). :func:`rebuild_encoder` makes the fitted ``ColumnTransformer``
again from them, and :func:`encode_frame` applies it to new rows at prediction time.
"""

from __future__ import annotations

import csv as _csv
from pathlib import Path

import numpy as np

from dlcourse.data.dataset import Dataset
from dlcourse.errors import DataError, RunFolderError, did_you_mean

MISSING_POLICIES = ("error", "drop", "mean", "median", "most_frequent")
IMPUTE = ("mean", "median", "most_frequent")
FORMAT = 2
"""How the encoding is stored in a schema (``schema['format']``). Format 1 (no ``format`` key) was written
before the encoding was scikit-learn's ``ColumnTransformer``; it holds the same parameters and reads the same."""
READABLE_FORMATS = (1, 2)


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


def _check_format(schema: dict) -> None:
    found = schema.get("format", 1)
    if isinstance(found, bool) or found not in READABLE_FORMATS:
        from dlcourse import __version__

        raise RunFolderError(f"the run's preprocessing.json stores its CSV encoding in format {found!r}; this "
                             f"dlcourse {__version__} reads format {' or '.join(map(str, READABLE_FORMATS))}.",
                             "Train the run again with this version of dlcourse.")


def _text_values(series) -> np.ndarray:
    """A categorical column -> ``(n,) object`` stripped strings, ``nan`` where the cell is missing."""
    missing = series.isna().to_numpy()
    values = series.astype(str).str.strip().to_numpy(dtype=object)
    values[missing] = np.nan
    return values


def _frame(columns: dict, schema: dict):
    """``{column: values}`` -> a DataFrame in the schema's column order: numbers ``float64``, categories ``object``."""
    import pandas as pd

    numeric = set(schema["numeric"])
    return pd.DataFrame({col: pd.Series(np.asarray(columns[col], dtype=np.float64 if col in numeric else object),
                                        dtype=np.float64 if col in numeric else object)
                         for col in _columns(schema)})


def _columns(schema: dict) -> list[str]:
    return list(schema["numeric"]) + list(schema["categorical"])


def _width(schema: dict) -> int:
    return len(schema["numeric"]) + sum(len(c) for c in schema["categorical"].values())


def _raw_features(frame, schema: dict, source: str, allow_missing: bool):
    """The feature columns of ``frame``, checked: a DataFrame of the schema's columns (numbers ``float64``,
    categories ``object`` stripped strings), ``nan`` for a missing cell, rows numbered from 0."""
    needed = _columns(schema)
    absent = [c for c in needed if c not in frame.columns]
    if absent:
        raise DataError(f"{source}: missing column(s) {', '.join(map(repr, absent))}; the model was trained on "
                        f"{', '.join(map(repr, needed))}.")
    if not allow_missing and not schema.get("imputer") and frame[needed].isna().any().any():
        row, col = _first_missing(frame[needed])
        raise DataError(f"{source}: missing value at row {row + 1} (line {row + 2} of the file), column '{col}'.")
    columns = {}
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
        columns[col] = values
    for col in schema["categorical"]:
        columns[col] = _text_values(frame[col])
    return _frame(columns, schema)


def _feature_name(column: str, category) -> str:
    return f"{column}={category}"


def _column_transformer(schema: dict, strategy: str | None):
    """The unfitted scikit-learn ``ColumnTransformer`` of ``schema``; ``strategy`` (``mean``, ``median``,
    ``most_frequent``) adds the imputers, ``None`` leaves missing cells to the caller."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    steps = []
    if schema["numeric"]:
        numeric = SimpleImputer(strategy=strategy, keep_empty_features=True) if strategy else "passthrough"
        steps.append(("numeric", numeric, list(schema["numeric"])))
    if schema["categorical"]:
        one_hot = OneHotEncoder(categories=[list(c) for c in schema["categorical"].values()],
                                handle_unknown="error", sparse_output=False, dtype=np.float64,
                                feature_name_combiner=_feature_name)
        categorical = Pipeline([("impute", SimpleImputer(strategy="most_frequent")), ("one_hot", one_hot)]) \
            if strategy else one_hot
        steps.append(("categorical", categorical, list(schema["categorical"])))
    return ColumnTransformer(steps, remainder="drop", sparse_threshold=0.0, verbose_feature_names_out=False)


def _fitted_state(encoder) -> dict:
    """What a fitted encoder learnt, as plain values: its columns, categories and imputation statistics."""
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline

    state = {"columns": [str(c) for c in encoder.feature_names_in_], "imputes": False, "numeric_strategy": None,
             "numeric": {}, "categorical": {}, "categories": {}}
    for name, step, columns in encoder.transformers_:
        if name == "numeric" and isinstance(step, SimpleImputer):
            state["imputes"], state["numeric_strategy"] = True, step.strategy
            state["numeric"] = {str(c): float(v) for c, v in zip(columns, step.statistics_)}
        elif name == "categorical":
            one_hot = step
            if isinstance(step, Pipeline):
                imputer, one_hot = step.named_steps["impute"], step.named_steps["one_hot"]
                state["imputes"] = True
                state["categorical"] = {str(c): str(v) for c, v in zip(columns, imputer.statistics_)}
            state["categories"] = {str(c): [str(v) for v in cats] for c, cats in zip(columns, one_hot.categories_)}
    return state


def fit_encoder(schema: dict, frame, source: str = "the training split"):
    """Fit scikit-learn's ``ColumnTransformer`` of ``schema`` on raw training rows ``frame`` (a DataFrame).

    With ``schema['missing']`` one of ``mean | median | most_frequent`` it holds the imputers, whose
    statistics are learnt here (so ``frame`` must be the training split only); the categories are the
    schema's. :func:`encoder_parameters` turns the result into the plain values stored with a run.
    Returns the fitted ``ColumnTransformer``: raw feature columns -> ``(n, d)`` encoded rows.
    """
    strategy = schema.get("missing") if schema.get("missing") in IMPUTE else None
    raw = _raw_features(frame, {k: v for k, v in schema.items() if k != "imputer"}, source,
                        allow_missing=strategy is not None)
    if strategy:
        for col in schema["categorical"]:
            if raw[col].isna().all():
                raise DataError(f"column '{col}' has no value in {source}, so its missing cells cannot take its "
                                "most frequent category.",
                                f"Fill in some of its cells, or ignore it with data.options.drop: [{col}].")
    return _column_transformer(schema, strategy).fit(raw)


def encoder_parameters(encoder, schema: dict) -> dict | None:
    """The fitted statistics of ``encoder`` (from :func:`fit_encoder` for ``schema``) as plain JSON, or ``None``
    if it imputes nothing: ``{"strategy": schema['missing'], "numeric": {column: value},
    "categorical": {column: category}}``, stored as ``schema['imputer']``."""
    state = _fitted_state(encoder)
    if not state["imputes"]:
        return None
    return {"strategy": schema["missing"], "numeric": state["numeric"], "categorical": state["categorical"]}


def rebuild_encoder(schema: dict):
    """scikit-learn's fitted ``ColumnTransformer`` for ``schema``, made again from its stored parameters.

    The same pipeline is fitted on a one-row frame holding the stored statistics (over a single row, a
    column's mean, median and most frequent value are that row's value) and the stored categories
    (given to ``OneHotEncoder`` explicitly); the parameters it learns are checked to equal the stored
    ones. Without ``schema['imputer']`` the encoder imputes nothing.
    """
    _check_format(schema)
    imputer = schema.get("imputer")
    try:
        strategy = imputer["strategy"] if imputer else None
        row = {col: [imputer["numeric"][col] if imputer else 0.0] for col in schema["numeric"]}
        row.update({col: [imputer["categorical"][col] if imputer else cats[0]]
                    for col, cats in schema["categorical"].items()})
        expected = {"columns": _columns(schema), "imputes": bool(imputer),
                    "numeric_strategy": strategy if schema["numeric"] else None,
                    "numeric": {c: float(v[0]) for c, v in row.items() if c in schema["numeric"]} if imputer else {},
                    "categorical": {c: str(row[c][0]) for c in schema["categorical"]} if imputer else {},
                    "categories": {c: [str(v) for v in cats] for c, cats in schema["categorical"].items()}}
        encoder = _column_transformer(schema, strategy).fit(_frame(row, schema))
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise RunFolderError(f"the CSV encoding stored in the run's preprocessing.json is inconsistent "
                             f"({type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}).",
                             "Train the run again.") from None
    if _fitted_state(encoder) != expected:
        raise RunFolderError("the CSV encoding stored in the run's preprocessing.json cannot be rebuilt exactly.",
                             "Train the run again.")
    return encoder


def decode_rows(schema: dict, x: np.ndarray):
    """Encoded rows ``x: (n, d)`` (``NaN`` for a missing cell) -> the raw feature columns, a DataFrame
    (numbers, category names, ``nan`` where missing): the inverse of the one-hot encoding."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    columns = {col: x[:, j] for j, col in enumerate(schema["numeric"])}
    start = len(schema["numeric"])
    for col, cats in schema["categorical"].items():
        block = x[:, start:start + len(cats)]
        values = np.asarray(cats, dtype=object)[np.argmax(np.nan_to_num(block, nan=-1.0), axis=1)] if cats \
            else np.full(len(x), np.nan, dtype=object)
        values[np.isnan(block).any(axis=1)] = np.nan
        columns[col] = values
        start += len(cats)
    return _frame(columns, schema)


def _first_unseen(raw, schema: dict) -> tuple[str, int] | None:
    for col, cats in schema["categorical"].items():
        values = raw[col].to_numpy(dtype=object)
        known = set(cats)
        unseen = np.array([not (v in known or (isinstance(v, float) and np.isnan(v))) for v in values], dtype=bool)
        if unseen.any():
            return col, int(np.flatnonzero(unseen)[0])
    return None


def _encode(encoder, raw, schema: dict, source: str) -> np.ndarray:
    """``raw`` checked feature columns -> ``(n, d) float32`` through the fitted ``encoder``."""
    if len(raw) == 0:
        return np.zeros((0, _width(schema)), np.float32)
    try:
        out = encoder.transform(raw)
    except ValueError:
        unseen = _first_unseen(raw, schema)
        if unseen is None:
            raise
        col, row = unseen
        categories = schema["categorical"][col]
        raise DataError(f"{source}: column '{col}' holds the category {raw[col].iloc[row]!r} at row {row + 1}, "
                        f"unseen in training (known: {', '.join(categories[:10])}).",
                        "Use one of the known categories, or leave the cell empty to have it imputed "
                        "(data.options.missing: most_frequent).") from None
    return np.asarray(out, dtype=np.float32)


def encode_frame(frame, schema: dict, source: str = "data", allow_missing: bool = False) -> np.ndarray:
    """Encode feature columns of ``frame`` (a pandas DataFrame) as ``schema`` says: ``(n, d) float32``.

    Used for training and again at prediction time, through the ``ColumnTransformer`` rebuilt from the
    schema (:func:`rebuild_encoder`); other columns (the target, an identifier) are ignored. A missing
    column, or an unseen category, raises :class:`DataError` naming it; so does a missing value, unless
    the schema holds a fitted ``imputer`` (its statistics fill the cell) or ``allow_missing`` (it is then
    ``NaN``, over the whole one-hot block for a category).
    """
    raw = _raw_features(frame, schema, source, allow_missing)
    encoder = rebuild_encoder(schema)
    if not allow_missing or schema.get("imputer"):
        return _encode(encoder, raw, schema, source)
    absent = {col: raw[col].isna().to_numpy() for col in schema["categorical"]}
    for col, cats in schema["categorical"].items():          # a placeholder, replaced by NaN below
        if cats:
            raw.loc[absent[col], col] = cats[0]
    x = _encode(encoder, raw, schema, source)
    start = len(schema["numeric"])
    for col, cats in schema["categorical"].items():
        x[absent[col], start:start + len(cats)] = np.nan     # imputed later, on the training split
        start += len(cats)
    return x


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
        if not values:
            raise DataError(f"CSV file '{path_}': column '{col}' has no value in any row.",
                            f"Fill it in, or ignore it with data.options.drop: [{col}].")
        if len(values) > max_categories:
            raise DataError(f"CSV file '{path_}': column '{col}' is text with {len(values)} distinct values "
                            f"(more than {max_categories}); it cannot be one-hot encoded.",
                            "Drop it (data.options.drop) or fix its values if it should be numeric.")
        cats[col] = values
    schema = {"kind": "csv", "format": FORMAT, "target": target, "numeric": numeric, "categorical": cats,
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
    """The imputation statistics, fitted on the training rows ``x_train: (n, d)`` (encoded, ``NaN`` missing).

    ``schema['missing']`` picks the strategy of scikit-learn's ``SimpleImputer`` for numeric columns
    (``mean``, ``median`` or ``most_frequent``); a text column takes its most frequent category in
    training (ties: the first in sorted order). The rows are decoded back to their raw columns and
    the schema's ``ColumnTransformer`` is fitted on them (:func:`fit_encoder`). Returns
    :func:`encoder_parameters`: ``{"strategy", "numeric": {column: value}, "categorical": {column: category}}``
    (plain JSON: stored in the run's ``preprocessing.json``), or ``None`` when nothing is imputed.
    """
    strategy = schema.get("missing")
    if schema.get("kind") != "csv" or strategy not in IMPUTE:
        return None
    return encoder_parameters(fit_encoder(schema, decode_rows(schema, x_train)), schema)


def apply_imputer(schema: dict, imputer: dict, x: np.ndarray) -> np.ndarray:
    """``x: (n, d)`` encoded rows with ``NaN`` cells -> ``(n, d) float32`` with :func:`fit_imputer`'s values filled in
    (through the ``ColumnTransformer`` rebuilt from ``imputer``)."""
    schema = {**schema, "imputer": imputer}
    return _encode(rebuild_encoder(schema), decode_rows(schema, x), schema, "data")


def read_raw_rows(path: str | Path, schema: dict) -> np.ndarray:
    """New rows in the training CSV's own format (raw columns, text categories, empty cells) -> ``(n, d) float32``.

    The columns are matched by name (the target and any other column are ignored), encoded as in
    training, and missing cells filled with the run's fitted imputation (or refused when it had none).
    """
    path = Path(path)
    frame = _read(path, schema.get("sep", ","))
    frame.columns = [str(c).strip() for c in frame.columns]
    return encode_frame(frame, schema, source=f"input '{path}'")
