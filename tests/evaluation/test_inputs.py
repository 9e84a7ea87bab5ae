"""Reading prediction inputs: images, CSV rows, .npy arrays; one clear error for each bad input."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from dlcourse.errors import DataError
from dlcourse.evaluation.inputs import feature_columns, image_value_range, read_inputs, write_images

SCALER = {"method": "range", "shift": 0.0, "scale": 16.0}


def test_image_round_trip(tmp_path):
    x = np.random.default_rng(0).integers(0, 17, size=(3, 8, 8)).astype(np.float32)
    paths = write_images(x, tmp_path, image_value_range(SCALER), labels=np.array([1, 2, 3]))
    assert [p.name for p in paths] == ["sample-0000-label1.png", "sample-0001-label2.png", "sample-0002-label3.png"]
    back, sources = read_inputs(paths, (8, 8), SCALER)
    assert back.shape == (3, 8, 8) and back.dtype == np.float32
    assert np.abs(back - x).max() <= 16 / 255 / 2 + 1e-6           # 8-bit rounding only
    assert sources == [str(p) for p in paths]


def test_image_wrong_size(tmp_path):
    Image.fromarray(np.zeros((10, 12), np.uint8)).save(tmp_path / "big.png")
    with pytest.raises(DataError, match=r"is 12x10 pixels but the model expects 8x8"):
        read_inputs([tmp_path / "big.png"], (8, 8), SCALER)


def test_image_wrong_channels(tmp_path):
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "rgb.png")
    with pytest.raises(DataError, match=r"3 channels \(RGB\).*grayscale"):
        read_inputs([tmp_path / "rgb.png"], (8, 8), SCALER)


def test_csv_rows_and_missing_column(tmp_path):
    (tmp_path / "ok.csv").write_text("id,x\n1,0.5\n2,-1\n")
    x, sources = read_inputs([tmp_path / "ok.csv"], (1,), {"method": "none"})
    assert x.tolist() == [[0.5], [-1.0]] and sources[1].endswith("ok.csv:2")
    (tmp_path / "bad.csv").write_text("id,value\n1,0.5\n")
    with pytest.raises(DataError, match=r"has no column 'x'"):
        read_inputs([tmp_path / "bad.csv"], (1,), {"method": "none"})
    assert feature_columns((2, 2)) == ["x0", "x1", "x2", "x3"]


def test_npy_shapes(tmp_path):
    np.save(tmp_path / "one.npy", np.ones((8, 8)))
    np.save(tmp_path / "bad.npy", np.ones((2, 7, 8)))
    x, _ = read_inputs([tmp_path / "one.npy"], (8, 8), SCALER)
    assert x.shape == (1, 8, 8)
    with pytest.raises(DataError, match=r"shape \(2, 7, 8\).*\(n, 8, 8\)"):
        read_inputs([tmp_path / "bad.npy"], (8, 8), SCALER)


def test_unknown_and_missing_files(tmp_path):
    (tmp_path / "a.txt").write_text("1")
    with pytest.raises(DataError, match="unknown type '.txt'"):
        read_inputs([tmp_path / "a.txt"], (1,), SCALER)
    with pytest.raises(DataError, match="does not exist"):
        read_inputs([tmp_path / "nope.png"], (8, 8), SCALER)
