"""Read the inputs of ``dlcourse predict`` (images, CSV rows, ``.npy`` arrays) into raw feature arrays.

"Raw" means in the dataset's own units, before the run's scaling (digits: pixel
values in [0, 16]; linear: ``x`` as generated); :class:`dlcourse.evaluation.loading.LoadedRun`
applies the saved scaling.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from dlcourse.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def feature_columns(feature_shape: tuple[int, ...]) -> list[str]:
    """CSV column names for one sample: ``["x"]`` for one feature, else ``x0, x1, ...`` (row-major order)."""
    n = int(np.prod(feature_shape))
    return ["x"] if n == 1 else [f"x{i}" for i in range(n)]


def image_value_range(scaler: dict) -> tuple[float, float]:
    """Raw units spanned by 8-bit pixels 0..255: the range the run's ``range`` scaling used, else 0..255."""
    if scaler.get("method") == "range":
        lo = float(np.ravel(scaler["shift"])[0])
        return lo, lo + float(np.ravel(scaler["scale"])[0])
    return 0.0, 255.0


def read_image(path: Path, feature_shape: tuple[int, ...], value_range: tuple[float, float]) -> np.ndarray:
    """One grayscale image ``(h, w)`` -> ``(h, w)`` float32 in ``value_range`` (pixel 0 -> low, 255 -> high).

    Raises :class:`DataError` when the image is not grayscale or not of size ``feature_shape``.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.load()
            mode, size = img.mode, img.size
            if mode in ("L", "P", "1", "I;16", "I"):
                array = np.asarray(img.convert("L"), dtype=np.float32)
            elif mode in ("LA",):
                array = np.asarray(img.convert("L"), dtype=np.float32)
            else:
                array = None
    except UnidentifiedImageError:
        raise DataError(f"input '{path}' is not an image that Pillow can read.") from None
    except OSError as exc:
        raise DataError(f"cannot read input '{path}' ({exc}).") from None
    if len(feature_shape) != 2:
        raise DataError(f"input '{path}' is an image, but this model takes samples of shape {tuple(feature_shape)}, "
                        "not images; give a CSV or .npy file instead.")
    h, w = feature_shape
    if array is None:
        raise DataError(f"input '{path}' has {len(mode)} channels ({mode}) but the model expects grayscale "
                        f"images (1 channel, {w}x{h} pixels); convert it to grayscale first.")
    if size != (w, h):
        raise DataError(f"input '{path}' is {size[0]}x{size[1]} pixels but the model expects {w}x{h}; "
                        "resize it first.")
    lo, hi = value_range
    return (lo + array / 255.0 * (hi - lo)).astype(np.float32)


def read_csv_features(path: Path, feature_shape: tuple[int, ...]) -> tuple[np.ndarray, "object"]:
    """CSV with a header naming the feature columns -> ``(n, *feature_shape)`` float32 and the table.

    Extra columns (an id, a target) are ignored. Raises :class:`DataError` naming the first missing column.
    """
    import pandas as pd

    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"input '{path}' is not a readable CSV file ({str(exc).strip()}).") from None
    columns = feature_columns(feature_shape)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        shown = ", ".join(columns[:5]) + (", ..." if len(columns) > 5 else "")
        raise DataError(f"input '{path}' has no column '{missing[0]}' ({len(missing)} missing); the model needs "
                        f"the columns {shown} (found: {', '.join(map(str, table.columns[:8]))}).")
    try:
        values = table[columns].to_numpy(dtype=np.float32)
    except ValueError:
        raise DataError(f"input '{path}': the columns {', '.join(columns[:5])} must hold numbers only.") from None
    if np.isnan(values).any():
        row = int(np.argwhere(np.isnan(values))[0][0])
        raise DataError(f"input '{path}': row {row + 1} has an empty or non-numeric feature value.")
    return values.reshape(len(values), *feature_shape), table


def read_npy(path: Path, feature_shape: tuple[int, ...]) -> np.ndarray:
    """``.npy`` holding ``(n, *feature_shape)`` or one sample ``feature_shape`` -> ``(n, *feature_shape)`` float32."""
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise DataError(f"input '{path}' is not a readable .npy array ({exc}).") from None
    if tuple(array.shape) == tuple(feature_shape):
        array = array[None]
    if tuple(array.shape[1:]) != tuple(feature_shape) or not np.issubdtype(array.dtype, np.number):
        raise DataError(f"input '{path}' holds a {array.dtype} array of shape {array.shape}; the model expects "
                        f"numbers of shape (n, {', '.join(map(str, feature_shape))}).")
    return array.astype(np.float32)


def read_inputs(paths: list[str | Path], feature_shape: tuple[int, ...], scaler: dict,
                schema: dict | None = None) -> tuple[np.ndarray, list[str]]:
    """Read every input -> ``x: (n, *feature_shape)`` float32 raw features and one source label per row.

    Images (png/jpg...) give one row each, a CSV or ``.npy`` one row per line/sample. For a run
    trained on the learner's own CSV (``schema['kind'] == 'csv'``), a CSV input holds rows in that
    file's own format (named columns, text categories, empty cells), encoded as in training.
    """
    arrays, sources = [], []
    for item in paths:
        path = Path(item)
        if not path.is_file():
            raise DataError(f"input '{path}' does not exist" + (" (it is a folder)" if path.is_dir() else "") +
                            "; give image files (png/jpg), a CSV file or a .npy file.")
        suffix = path.suffix.lower()
        if suffix in IMAGE_SUFFIXES:
            arrays.append(read_image(path, feature_shape, image_value_range(scaler))[None])
            sources.append(str(path))
        elif suffix == ".csv" and (schema or {}).get("kind") == "csv":
            from dlcourse.data.tabular import read_raw_rows

            x = read_raw_rows(path, schema)
            arrays.append(x)
            sources += [f"{path}:{i + 1}" for i in range(len(x))]
        elif suffix == ".csv":
            x, _ = read_csv_features(path, feature_shape)
            arrays.append(x)
            sources += [f"{path}:{i + 1}" for i in range(len(x))]
        elif suffix == ".npy":
            x = read_npy(path, feature_shape)
            arrays.append(x)
            sources += [f"{path}[{i}]" for i in range(len(x))]
        else:
            raise DataError(f"input '{path}' has an unknown type '{suffix or '(none)'}'; expected an image "
                            f"({', '.join(IMAGE_SUFFIXES)}), a .csv or a .npy file.")
    if not arrays:
        raise DataError("no input given; pass image files, a CSV file or a .npy file.")
    return np.concatenate(arrays).astype(np.float32), sources


def write_images(x_raw: np.ndarray, folder: str | Path, value_range: tuple[float, float], prefix: str = "sample",
                 labels: np.ndarray | None = None) -> list[Path]:
    """Write ``x_raw: (n, h, w)`` samples in raw units as 8-bit grayscale PNGs; returns the paths.

    Inverse of :func:`read_image` up to the 8-bit rounding. A label, when given, goes in the file name.
    """
    from PIL import Image

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lo, hi = value_range
    out = []
    for i, sample in enumerate(np.asarray(x_raw, np.float64)):
        pixels = np.clip(np.rint((sample - lo) / (hi - lo) * 255.0), 0, 255).astype(np.uint8)
        name = f"{prefix}-{i:04d}" + (f"-label{labels[i]}" if labels is not None else "") + ".png"
        tmp = folder / f".{name}.tmp"
        Image.fromarray(pixels).save(tmp, format="PNG")
        os.replace(tmp, folder / name)
        out.append(folder / name)
    return out
