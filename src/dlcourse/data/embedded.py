"""Datasets that need no network: scikit-learn's bundled sets and seeded synthetic generators."""

from __future__ import annotations

import numpy as np

from dlcourse.data.dataset import Dataset


def _sklearn_data_file(name: str):
    """The path of a data file bundled with scikit-learn (``sklearn/datasets/data/NAME``), found without
    importing scikit-learn (``sklearn.datasets`` takes over a second to import)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("scikit-learn is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / name


def digits() -> Dataset:
    """scikit-learn's handwritten digits: ``x (1797, 8, 8) float32`` in [0, 16], ``y (1797,) int64``.

    Read from the file scikit-learn ships (what ``sklearn.datasets.load_digits`` reads; a test checks
    that both give the same arrays).
    """
    import gzip

    path = _sklearn_data_file("digits.csv.gz")
    if path.is_file():
        with gzip.open(path, "rt", encoding="ascii") as f:
            table = np.loadtxt(f, delimiter=",")            # (1797, 65): 64 pixels, then the label
        images, target = table[:, :-1].reshape(-1, 8, 8), table[:, -1].astype(np.int64)
    else:                                                   # a scikit-learn that stores it elsewhere
        from sklearn.datasets import load_digits

        bunch = load_digits()
        images, target = bunch.images, bunch.target
    return Dataset(
        name="digits",
        task="classification",
        x=images.astype(np.float32),
        y=target.astype(np.int64),
        classes=[str(c) for c in range(10)],
        value_range=(0.0, 16.0),
        description="8x8 handwritten digits (UCI, bundled with scikit-learn)",
    )


def linear(n_samples: int = 1000, slope: float = 3.0, intercept: float = 0.0, noise: float = 1.0, seed: int = 0) -> Dataset:
    """The course's ``y = 3x + noise``: ``x (n, 1) float32 ~ N(0, 1)``, ``y (n, 1) float32``."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_samples, 1)).astype(np.float32)
    y = (slope * x + intercept + noise * rng.standard_normal((n_samples, 1))).astype(np.float32)
    return Dataset(
        name="linear",
        task="regression",
        x=x,
        y=y,
        description=f"synthetic y = {slope}x + {intercept} + N(0, {noise}^2)",
    )


def _sklearn_table(loader_name: str, name: str, task: str, description: str) -> Dataset:
    """A scikit-learn bundled table: ``x (n, d) float32``; ``y (n,) int64`` classes or ``(n, 1) float32`` targets."""
    from sklearn import datasets

    bunch = getattr(datasets, loader_name)()
    x = np.asarray(bunch.data, dtype=np.float32)
    if task == "classification":
        y = np.asarray(bunch.target, dtype=np.int64)
        classes = [str(c) for c in bunch.target_names]
    else:
        y = np.asarray(bunch.target, dtype=np.float32).reshape(-1, 1)
        classes = None
    return Dataset(name=name, task=task, x=x, y=y, classes=classes, description=description,
                   schema={"features": [str(f) for f in bunch.feature_names]})


def iris() -> Dataset:
    """Fisher's iris: ``x (150, 4) float32`` (sepal/petal length and width, cm), ``y (150,) int64`` 3 species."""
    return _sklearn_table("load_iris", "iris", "classification", "Iris flowers, 4 measurements, 3 species")


def wine() -> Dataset:
    """Wine recognition: ``x (178, 13) float32`` chemical analyses, ``y (178,) int64`` 3 cultivars."""
    return _sklearn_table("load_wine", "wine", "classification", "Wines from 3 cultivars, 13 chemical measurements")


def breast_cancer() -> Dataset:
    """Breast cancer Wisconsin (diagnostic): ``x (569, 30) float32``, ``y (569,) int64`` malignant/benign."""
    return _sklearn_table("load_breast_cancer", "breast_cancer", "classification",
                          "Breast cancer diagnosis from 30 cell-nucleus features")


def diabetes() -> Dataset:
    """Diabetes progression: ``x (442, 10) float32`` (already centred and scaled by scikit-learn), ``y (442, 1) float32``."""
    return _sklearn_table("load_diabetes", "diabetes", "regression",
                          "Disease progression one year after baseline, 10 features")


def sine(n_samples: int = 1000, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Non-linear regression ``y = sin(x) + 0.1 x^2 + noise``: ``x (n, 1) float32 ~ U(-3, 3)``, ``y (n, 1) float32``.

    A single dense layer cannot fit it; a hidden layer with a non-linearity can.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3.0, 3.0, (n_samples, 1)).astype(np.float32)
    y = (np.sin(x) + 0.1 * x ** 2 + noise * rng.standard_normal((n_samples, 1))).astype(np.float32)
    return Dataset(name="sine", task="regression", x=x, y=y,
                   description=f"synthetic y = sin(x) + 0.1x^2 + N(0, {noise}^2)")


def moons(n_samples: int = 1000, noise: float = 0.2, seed: int = 0) -> Dataset:
    """Two interleaving half-moons (scikit-learn's ``make_moons``): ``x (n, 2) float32``, ``y (n,) int64``."""
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return Dataset(name="moons", task="classification", x=x.astype(np.float32), y=y.astype(np.int64),
                   classes=["0", "1"], description=f"two half-moons, noise {noise}")


def spirals(n_samples: int = 1000, turns: float = 1.5, noise: float = 0.2, seed: int = 0) -> Dataset:
    """Two interleaved spirals: ``x (n, 2) float32``, ``y (n,) int64`` (0 or 1, balanced)."""
    rng = np.random.default_rng(seed)
    half = n_samples // 2
    counts = (half, n_samples - half)
    xs, ys = [], []
    for label, count in enumerate(counts):
        t = np.sqrt(rng.uniform(0.0, 1.0, count)) * turns * 2 * np.pi
        angle = t + label * np.pi
        pts = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1) / (turns * 2 * np.pi) * 3
        xs.append(pts + noise * 0.1 * 3 * rng.standard_normal(pts.shape))
        ys.append(np.full(count, label))
    order = rng.permutation(n_samples)
    x = np.concatenate(xs)[order].astype(np.float32)
    y = np.concatenate(ys)[order].astype(np.int64)
    return Dataset(name="spirals", task="classification", x=x, y=y, classes=["0", "1"],
                   description=f"two spirals, {turns} turns, noise {noise}")


#: The stroke primitives of :func:`strokes`: a path each, drawn in a [-1, 1] square (x right, y down).
STROKE_PARTS = ("loop", "arc_open_right", "arc_open_left", "arc_open_up", "arc_open_down",
                "bar_vertical", "bar_horizontal", "bar_rising", "bar_falling", "corner")


def _stroke_part_anchors(n_anchors: int = 9) -> np.ndarray:
    """``(10, n_anchors, 2)`` float32: each primitive of :data:`STROKE_PARTS`, as points evenly spaced along it."""
    def arc(centre_deg: float, sweep_deg: float) -> np.ndarray:
        t = np.deg2rad(centre_deg + np.linspace(-sweep_deg / 2, sweep_deg / 2, 181))
        return np.stack([np.cos(t), np.sin(t)], 1)

    paths = {
        "loop": arc(0, 360), "arc_open_right": arc(180, 220), "arc_open_left": arc(0, 220),   # C and its mirror
        "arc_open_up": arc(90, 220), "arc_open_down": arc(270, 220),                          # U and n
        "bar_vertical": [[0, -1], [0, 1]], "bar_horizontal": [[-1, 0], [1, 0]],
        "bar_rising": [[-0.8, 1], [0.8, -1]], "bar_falling": [[-0.8, -1], [0.8, 1]],
        "corner": [[-0.8, -1], [-0.8, 0.6], [0.8, 0.6]],                                        # L
    }
    out = np.empty((len(STROKE_PARTS), n_anchors, 2), np.float32)
    for i, name in enumerate(STROKE_PARTS):
        p = np.asarray(paths[name], np.float64)
        s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(p, axis=0).T))])     # arc length
        u = np.linspace(0.0, s[-1], n_anchors)
        out[i] = np.stack([np.interp(u, s, p[:, 0]), np.interp(u, s, p[:, 1])], 1)
    return out


def _catmull_rom(anchors: np.ndarray, k: int) -> np.ndarray:
    """``(..., m, 2)`` anchors -> ``(..., (m - 1) * k + 1, 2)`` points of the Catmull-Rom curve through them."""
    p = np.concatenate([anchors[..., :1, :], anchors, anchors[..., -1:, :]], -2)
    p0, p1, p2, p3 = (p[..., i:i + anchors.shape[-2] - 1, None, :] for i in range(4))
    t = (np.arange(k, dtype=np.float32) / k)[:, None]
    curve = 0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t ** 2
                   + (3 * p1 - p0 - 3 * p2 + p3) * t ** 3)
    return np.concatenate([curve.reshape(*anchors.shape[:-2], -1, 2), anchors[..., -1:, :]], -2)


def strokes(n_samples: int = 20000, jitter: float = 0.2, seed: int = 0) -> Dataset:
    """Two-part stroke figures, made like the 8x8 digits: ``x (n, 8, 8) float32`` in [0, 16], ``y (n,) int64``.

    A source task for transfer learning onto :func:`digits` (``configs/transfer_source.yaml``).
    Each figure stacks two of the ten stroke primitives of :data:`STROKE_PARTS` (a loop, an arc
    opening right, left, up or down, a vertical, horizontal, rising or falling bar, an L corner),
    one in the upper half and one in the lower half; its label is the pair, ``upper * 10 + lower``
    (100 classes, named ``"loop/bar_vertical"``..., balanced to within one sample). No digit is
    drawn and no digit label is used: the pairs are the kind of parts handwritten characters are
    made of, so a network that tells them apart learns generic part detectors (where a loop, a
    bar or an opening is, and its orientation) that carry over to digits it has never seen.

    Every sample varies like handwriting: each of the 9 points along a primitive moves by
    ``N(0, jitter)`` (in half-figure units), each part has its own size, width and offset, the
    figure is rotated by up to 12 degrees and sheared, and the pen radius is 1, 1.5, 2 or 2.5
    pixels. Like the UCI digits, each figure is drawn as a 32x32 bitmap scaled to fill it, and
    each pixel of ``x`` counts the inked pixels of a 4x4 block (0 to 16). Deterministic from
    ``seed``; 20 000 samples take about half a second.
    """
    rng = np.random.default_rng(seed)
    prims = _stroke_part_anchors()
    kinds, m = prims.shape[:2]
    n = n_samples
    y = np.arange(n) % (kinds * kinds)
    rng.shuffle(y)
    radii = np.array([1.0, 1.5, 2.0, 2.5], np.float32)
    group = rng.integers(0, len(radii), n)
    rad = radii[group]

    def part(kind: np.ndarray, centre_y: float) -> np.ndarray:
        """``(n, points, 2)``: primitives ``kind (n,)``, jittered, sized and placed around ``(0, centre_y)``."""
        a = prims[kind] + rng.normal(0.0, jitter, (n, m, 2)).astype(np.float32)
        s = rng.uniform(0.4, 0.6, (n, 1)).astype(np.float32)
        size = np.concatenate([s * rng.uniform(0.7, 1.2, (n, 1)).astype(np.float32), s], 1)
        offset = np.stack([rng.uniform(-0.15, 0.15, n), centre_y + rng.uniform(-0.1, 0.1, n)], 1).astype(np.float32)
        return _catmull_rom(a * size[:, None] + offset[:, None], 6)

    pts = np.concatenate([part(y // kinds, -0.5), part(y % kinds, 0.5)], 1)
    px, py = np.ascontiguousarray(pts[..., 0]), np.ascontiguousarray(pts[..., 1])
    angle = np.deg2rad(rng.uniform(-12, 12, (n, 1))).astype(np.float32)
    shear = rng.uniform(-0.2, 0.2, (n, 1)).astype(np.float32)
    cos, sin = np.cos(angle), np.sin(angle)
    px, py = cos * px + (shear - sin) * py, sin * px + cos * py
    x0, x1 = px.min(1, keepdims=True), px.max(1, keepdims=True)
    y0, y1 = py.min(1, keepdims=True), py.max(1, keepdims=True)
    scale = (31 - 2 * rad[:, None]) / np.maximum(np.maximum(x1 - x0, y1 - y0), 1e-3)   # fills the 32x32 box
    ix = np.clip(((px - (x0 + x1) / 2) * scale + 16).astype(np.int64), 0, 31)
    iy = np.clip(((py - (y0 + y1) / 2) * scale + 16).astype(np.int64), 0, 31)
    centre = np.zeros(n * 1024, bool)
    centre[(np.arange(n)[:, None] * 1024 + iy * 32 + ix).ravel()] = True
    # The pen: every inked pixel within ``rad`` of the path, one group of samples per radius.
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(len(radii) + 1))
    r_max = int(np.ceil(radii.max()))
    padded = np.pad(centre.reshape(n, 32, 32)[order], ((0, 0), (r_max, r_max), (r_max, r_max)))
    inked = np.zeros((n, 32, 32), bool)
    for g, r in enumerate(radii):
        rows = slice(bounds[g], bounds[g + 1])
        for dy in range(-r_max, r_max + 1):
            for dx in range(-r_max, r_max + 1):
                if dx * dx + dy * dy <= r * r:
                    shifted = padded[rows, r_max + dy:r_max + dy + 32, r_max + dx:r_max + dx + 32]
                    np.logical_or(inked[rows], shifted, out=inked[rows])
    bitmap = np.empty_like(inked)
    bitmap[order] = inked
    b = bitmap.view(np.uint8).reshape(n, 8, 4, 32)
    b = (b[:, :, 0] + b[:, :, 1] + b[:, :, 2] + b[:, :, 3]).reshape(n, 8, 8, 4)      # 4x4 block counts
    x = (b[..., 0] + b[..., 1] + b[..., 2] + b[..., 3]).astype(np.float32)
    names = [f"{STROKE_PARTS[i // kinds]}/{STROKE_PARTS[i % kinds]}" for i in range(kinds * kinds)]
    return Dataset(name="strokes", task="classification", x=x, y=y.astype(np.int64), classes=names,
                   value_range=(0.0, 16.0),
                   description=f"8x8 two-part stroke figures (100 pairs of 10 primitives), jitter {jitter}")
