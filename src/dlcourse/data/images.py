"""The learner's own images: a folder with one sub-folder per class, read with Pillow.

::

    photos/
      cat/  001.jpg 002.png ...
      dog/  ...

Every image is converted to grayscale or RGB and resized to one size, giving
``x (n, h, w) uint8`` (grayscale) or ``(n, h, w, 3) uint8`` (RGB, channels-last).
An unreadable image is an error naming the file, unless ``skip_bad`` is set:
then it is skipped and reported.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from dlcourse.data.dataset import Dataset
from dlcourse.errors import DataError

EXTENSIONS = (".png", ".jpg", ".jpeg")


def _size(size) -> tuple[int, int]:
    if isinstance(size, int) and not isinstance(size, bool):
        size = (size, size)
    if (not isinstance(size, (list, tuple)) or len(size) != 2
            or not all(isinstance(s, int) and not isinstance(s, bool) and 0 < s <= 4096 for s in size)):
        raise DataError(f"image_folder: size must be an integer or [height, width] between 1 and 4096, got {size!r}.")
    return int(size[0]), int(size[1])


def read_image(path: Path, size: tuple[int, int], color: str) -> np.ndarray:
    """One image file -> ``(h, w) uint8`` (grayscale) or ``(h, w, 3) uint8`` (rgb); raises DataError if unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img = img.convert("L" if color == "grayscale" else "RGB")
            img = img.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            return np.asarray(img, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(f"image '{path}' cannot be read ({type(exc).__name__}: {exc}).",
                        "Remove or replace it, or skip unreadable images: '--set data.options.skip_bad=true' with "
                        "train, '--skip-bad' with the datasets commands.") from None


def load_image_folder(path: str, size: int | list[int] = 28, color: str = "grayscale",
                      skip_bad: bool = False) -> Dataset:
    """Read ``path/<class>/*.png|jpg|jpeg`` into a classification :class:`Dataset`.

    Parameters
    ----------
    size: ``h`` or ``[h, w]``: every image is resized to it.
    color: ``grayscale`` (``x (n, h, w) uint8``) or ``rgb`` (``x (n, h, w, 3) uint8``).
    skip_bad: skip unreadable images (listed on standard error and in ``schema['skipped']``)
        instead of stopping at the first one.

    Classes are the sub-folder names in sorted order; ``y (n,) int64`` indexes them.
    """
    root = Path(path)
    hw = _size(size)
    if color not in ("grayscale", "rgb"):
        raise DataError(f"image_folder: color must be 'grayscale' or 'rgb', got {color!r}.")
    if not root.is_dir():
        raise DataError(f"image folder '{root}' does not exist.", "Give a folder with one sub-folder per class.")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    files: list[tuple[Path, int]] = []
    for label, name in enumerate(classes):
        found = sorted(p for p in (root / name).rglob("*")
                       if p.is_file() and p.suffix.lower() in EXTENSIONS and not p.name.startswith("."))
        files += [(p, label) for p in found]
    used = sorted({label for _, label in files})
    if len(used) < 2:
        raise DataError(f"image folder '{root}' needs at least two sub-folders (one per class) holding "
                        f"{'/'.join(EXTENSIONS)} images; found {len(used)} with images.",
                        "Example: photos/cat/*.jpg and photos/dog/*.jpg.")
    images, labels, skipped = [], [], []
    for file, label in files:
        try:
            images.append(read_image(file, hw, color))
            labels.append(label)
        except DataError:
            if not skip_bad:
                raise
            skipped.append(str(file.relative_to(root)))
    if skipped:
        shown = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
        print(f"image_folder: skipped {len(skipped)} unreadable image(s): {shown}", file=sys.stderr)
    if not images:
        raise DataError(f"image folder '{root}': no readable image.")
    x = np.stack(images)
    y = np.asarray(labels, dtype=np.int64)
    present = list(classes)
    return Dataset(name=root.name or "images", task="classification", x=x, y=y, classes=present,
                   value_range=(0.0, 255.0),
                   description=f"image folder '{root}': {len(x)} images, {len(classes)} classes, {hw[0]}x{hw[1]} {color}",
                   schema={"kind": "image_folder", "size": list(hw), "color": color, "classes": present,
                           "skipped": skipped})
