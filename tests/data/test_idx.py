"""The IDX reader rejects truncated, wrong-magic and inconsistent files with DataError only."""

from __future__ import annotations

import gzip
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcourse.data.idx import load_idx_folder, parse_idx, read_idx
from dlcourse.errors import DataError

EXAMPLES = int(os.environ.get("DLCOURSE_FUZZ_EXAMPLES", "200"))


def idx_bytes(arr: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return header + arr.astype(np.uint8).tobytes()


def test_round_trip_plain_and_gzip(tmp_path):
    arr = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    np.testing.assert_array_equal(parse_idx(idx_bytes(arr)), arr)
    (tmp_path / "x.gz").write_bytes(gzip.compress(idx_bytes(arr)))
    np.testing.assert_array_equal(read_idx(tmp_path / "x.gz"), arr)


@pytest.mark.parametrize("data, match", [
    (b"\x00\x00", "too short"),
    (b"\x01\x02\x08\x01" + b"\x00\x00\x00\x01" + b"\x05", "not an IDX"),
    (b"\x00\x00\x08\x03\x00\x00", "truncated"),
    (b"\x00\x00\x08\x01" + (10).to_bytes(4, "big") + b"\x00" * 5, "truncated"),
    (b"\x00\x00\x08\x01" + (2).to_bytes(4, "big") + b"\x00" * 5, "longer"),
], ids=["short", "magic", "header", "body-truncated", "padded"])
def test_bad_bytes(data, match):
    with pytest.raises(DataError, match=match):
        parse_idx(data)


def test_corrupt_gzip_and_inconsistent_folder(tmp_path):
    (tmp_path / "bad.gz").write_bytes(gzip.compress(b"\x00" * 100)[:20])
    with pytest.raises(DataError, match="gzip"):
        read_idx(tmp_path / "bad.gz")
    (tmp_path / "train-images-idx3-ubyte").write_bytes(idx_bytes(np.zeros((3, 2, 2))))
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(4)))
    with pytest.raises(DataError, match="differ in count"):
        load_idx_folder(tmp_path)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.binary(max_size=64) | st.tuples(st.integers(0, 4), st.lists(st.integers(0, 5), max_size=4), st.binary(max_size=80))
       .map(lambda t: bytes([0, 0, 0x08, t[0]]) + b"".join(d.to_bytes(4, "big") for d in t[1]) + t[2]))
def test_fuzz_parse_idx_raises_only_data_error(data):
    try:
        out = parse_idx(data)
    except DataError:
        return
    assert isinstance(out, np.ndarray) and out.size * out.itemsize == len(data) - 4 - 4 * data[3]


@settings(max_examples=EXAMPLES // 2, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_gzip_files_raise_only_data_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fz") / "f.gz"
    path.write_bytes(b"\x1f\x8b" + data)
    try:
        read_idx(path)
    except DataError:
        pass


def test_zero_count_with_huge_dimensions_is_refused():
    """Found by the fuzz test: 0 samples of an absurd image size used to reach NumPy's reshape."""
    data = b"\x00\x00\x08\x04" + b"".join(d.to_bytes(4, "big") for d in (0, 4, 0x36570000, 0x96C143E4))
    with pytest.raises(DataError, match="inconsistent header"):
        parse_idx(data)
