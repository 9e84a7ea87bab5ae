"""Reader for the IDX format of MNIST and Fashion-MNIST (plain or gzip-compressed)."""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from dlcourse.errors import DataError

# Third byte of the magic number -> dtype (big-endian, as the format specifies).
_MAX_BYTES = 2 ** 36  # 64 GiB: far above any real IDX file, far below what overflows NumPy
_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """Parse IDX bytes into an array (``(n,)`` for labels, ``(n, rows, cols)`` for images).

    Raises :class:`DataError` on a wrong magic number, an unknown type code or a
    size that does not match the header (a truncated or padded file).
    """
    if len(data) < 4:
        raise DataError(f"'{source}' is too short to be an IDX file ({len(data)} bytes).")
    zero, code, ndim = int.from_bytes(data[:2], "big"), data[2], data[3]
    if zero != 0 or code not in _DTYPES or ndim == 0:
        raise DataError(
            f"'{source}' is not an IDX file (magic bytes {data[:4].hex()}); "
            "expected 0000 followed by a type code such as 08 and a dimension count.",
            "Check that the file is an MNIST-style -idx1-/-idx3-ubyte file.",
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"'{source}' is truncated: its header announces {ndim} dimensions but the file ends at byte {len(data)}.")
    dims = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_DTYPES[code])
    if math.prod(d for d in dims if d) * dtype.itemsize > _MAX_BYTES:
        raise DataError(f"'{source}' has an inconsistent header: shape {dims} describes more than "
                        f"{_MAX_BYTES // 2 ** 30} GiB of data.", "Download or copy the file again.")
    expected = header + math.prod(dims) * dtype.itemsize
    if len(data) != expected:
        state = "truncated" if len(data) < expected else "longer than its header says"
        raise DataError(
            f"'{source}' is {state}: header shape {dims} needs {expected} bytes, the file has {len(data)}.",
            "Download or copy the file again.",
        )
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(dims).astype(dtype.newbyteorder("="))


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file, gzip-compressed (``.gz``) or not."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"IDX file '{path}' does not exist.") from None
    except OSError as exc:
        raise DataError(f"cannot read IDX file '{path}' ({exc.strerror}).") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"'{path}' is a corrupt or truncated gzip file ({exc}).", "Download or copy the file again.") from None
    return parse_idx(raw, str(path))


_MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def find_idx(folder: Path, stem: str) -> Path | None:
    """The file ``stem`` or ``stem.gz`` in ``folder``, if present."""
    for name in (stem, stem + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def load_idx_folder(folder: str | Path) -> dict[str, np.ndarray]:
    """Load the MNIST-style files present in ``folder``.

    Returns a dict with any of ``train_images (n, 28, 28) uint8``, ``train_labels (n,) uint8``,
    ``test_images``, ``test_labels``. Images and their labels must both be present.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"IDX folder '{folder}' does not exist.", "Pass the folder holding the *-ubyte(.gz) files.")
    out = {key: read_idx(p) for key, stem in _MNIST_FILES.items() if (p := find_idx(folder, stem))}
    for split in ("train", "test"):
        imgs, labels = out.get(f"{split}_images"), out.get(f"{split}_labels")
        if imgs is not None and labels is not None and len(imgs) != len(labels):
            raise DataError(f"'{folder}': {split} images ({len(imgs)}) and labels ({len(labels)}) differ in count.")
    return out
