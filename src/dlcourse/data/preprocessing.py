"""Scaling fitted on the training split only, saved with the run, applied again at prediction time."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass
class Scaler:
    """Affine scaling ``(x - shift) / scale`` with parameters fitted on the training split.

    ``method``: ``range`` (to [0, 1] using the dataset's known range (pixels), or else each
    feature's training min/max),
    ``standard`` (per-feature mean 0 and standard deviation 1) or ``none``.
    ``shift`` and ``scale`` are scalars or lists shaped like one sample.
    """

    method: str = "none"
    shift: float | list = 0.0
    scale: float | list = 1.0

    @classmethod
    def fit(cls, x_train: np.ndarray, method: str, value_range: tuple[float, float] | None = None) -> "Scaler":
        """Fit on ``x_train: (n, *shape)``; never looks at validation or test data."""
        if method == "none":
            return cls("none")
        if method == "range":
            if value_range:
                lo, hi = value_range
                return cls("range", float(lo), float(hi - lo) or 1.0)
            x = x_train.astype(np.float64)
            lo, span = x.min(axis=0), x.max(axis=0) - x.min(axis=0)
            span[span == 0] = 1.0
            return cls("range", lo.tolist(), span.tolist())
        if method == "standard":
            x = x_train.astype(np.float64)
            mean, std = x.mean(axis=0), x.std(axis=0)
            std[std == 0] = 1.0
            return cls("standard", mean.tolist(), std.tolist())
        from dlcourse.errors import ConfigError

        raise ConfigError(f"data.scaling: unknown method {method!r}, expected 'range', 'standard' or 'none'.")

    def transform(self, x: np.ndarray) -> np.ndarray:
        """``x: (n, *shape)`` any numeric dtype -> same shape, ``float32``."""
        out = x.astype(np.float32)
        if self.method == "none":
            return out
        shift = np.asarray(self.shift, dtype=np.float32)
        scale = np.asarray(self.scale, dtype=np.float32)
        return (out - shift) / scale

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Scaler":
        return cls(**data)


def one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Class indices ``y: (n,) int`` -> ``(n, n_classes) float32`` one-hot rows (for a loss that needs them,
    e.g. Keras' ``CategoricalCrossentropy`` with label smoothing)."""
    from dlcourse.errors import DataError

    y = np.asarray(y)
    if y.ndim != 1 or (len(y) and (y.min() < 0 or y.max() >= n_classes)):
        raise DataError(f"one_hot: expected class indices in [0, {n_classes - 1}] of shape (n,), "
                        f"got shape {y.shape}" + (f" with values {y.min()}..{y.max()}." if len(y) else "."))
    return np.eye(n_classes, dtype=np.float32)[y.astype(np.int64)]


def encode_labels(values, classes: list | None = None) -> tuple[np.ndarray, list[str]]:
    """Label encoding: any labels ``(n,)`` -> ``(n,) int64`` indices into ``classes`` (sorted unique values by default)."""
    from dlcourse.errors import DataError

    values = list(values)
    names = [str(v) for v in values]
    classes = [str(c) for c in (classes if classes is not None else sorted(set(values)))]
    lookup = {c: i for i, c in enumerate(classes)}
    unknown = [n for n in names if n not in lookup]
    if unknown:
        raise DataError(f"label {unknown[0]!r} is not one of the known classes ({', '.join(classes[:10])}).")
    return np.asarray([lookup[n] for n in names], dtype=np.int64), classes


class Preprocessing:
    """What a run fitted, read back from its ``preprocessing.json``, applied to new raw data at prediction time.

    ``transform(x)``: raw ``(n, *feature_shape)`` array (pixels, features) -> scaled ``float32``.
    ``transform_frame(df)``: a pandas DataFrame with the CSV's feature columns -> scaled ``(n, d) float32``.
    ``column_transformer()``: for a CSV, the fitted scikit-learn encoder rebuilt from the stored parameters.
    ``classes``: the class names in output order (classification).
    """

    def __init__(self, data: dict):
        self.data = data
        self.scaler = Scaler.from_dict(data["scaler"])
        self.schema = data.get("schema") or {}
        self.classes = data.get("classes")

    @classmethod
    def load(cls, run_dir) -> "Preprocessing":
        import json
        from pathlib import Path

        from dlcourse.errors import RunFolderError

        path = Path(run_dir) / "preprocessing.json"
        try:
            return cls(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise RunFolderError(f"'{path}' does not exist; is '{run_dir}' a finished run folder?") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise RunFolderError(f"'{path}' is unreadable ({exc}).") from None

    def transform(self, x: np.ndarray) -> np.ndarray:
        from dlcourse.errors import DataError

        shape = self.data.get("feature_shape")
        if shape is not None and list(np.shape(x)[1:]) != list(shape):
            raise DataError(f"expected inputs of shape (n, {', '.join(map(str, shape))}), got {np.shape(x)}.")
        return self.scaler.transform(np.asarray(x))

    def transform_frame(self, frame) -> np.ndarray:
        from dlcourse.data.tabular import encode_frame

        self._require_csv()
        return self.scaler.transform(encode_frame(frame, self.schema))

    def column_transformer(self):
        """The CSV encoding: scikit-learn's fitted ``ColumnTransformer`` (imputation and one-hot encoding,
        before scaling), rebuilt from the parameters in ``preprocessing.json``; its ``transform`` takes the raw
        feature columns (stripped text categories) and ``get_feature_names_out()`` names the encoded columns."""
        from dlcourse.data.tabular import rebuild_encoder

        self._require_csv()
        return rebuild_encoder(self.schema)

    def _require_csv(self) -> None:
        from dlcourse.errors import DataError

        if self.schema.get("kind") != "csv":
            raise DataError("this run was not trained on a CSV file; use transform() on arrays.")
