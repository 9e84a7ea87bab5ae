"""The image-folder loader: one sub-folder per class, resized, grayscale or RGB, bad files."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from dlcourse.data.images import load_image_folder
from dlcourse.errors import DataError


def make_folder(root, per_class=3, size=(20, 16)):
    rng = np.random.default_rng(0)
    for name in ("cat", "dog"):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            arr = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
            Image.fromarray(arr).save(root / name / f"{i}.{'png' if i % 2 else 'jpg'}")
    return root


@pytest.mark.parametrize("color, shape", [("grayscale", (6, 12, 10)), ("rgb", (6, 12, 10, 3))])
def test_loads_resized_images(tmp_path, color, shape):
    ds = load_image_folder(str(make_folder(tmp_path / "imgs")), size=[12, 10], color=color)
    assert ds.x.shape == shape and ds.x.dtype == np.uint8
    assert ds.classes == ["cat", "dog"] and ds.y.tolist() == [0, 0, 0, 1, 1, 1] and ds.y.dtype == np.int64
    assert ds.value_range == (0.0, 255.0) and ds.schema["size"] == [12, 10]


def test_corrupt_image_named_unless_skip_bad(tmp_path, capsys):
    root = make_folder(tmp_path / "imgs")
    (root / "dog" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(DataError) as err:
        load_image_folder(str(root))
    assert "broken.png" in str(err.value) and "skip_bad" in str(err.value)
    ds = load_image_folder(str(root), skip_bad=True)
    assert len(ds.x) == 6 and ds.schema["skipped"] == ["dog/broken.png"]
    assert "skipped 1 unreadable image(s): dog/broken.png" in capsys.readouterr().err


def test_folder_problems(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_image_folder(str(tmp_path / "nope"))
    (tmp_path / "one" / "a").mkdir(parents=True)
    Image.new("L", (4, 4)).save(tmp_path / "one" / "a" / "x.png")
    with pytest.raises(DataError, match="at least two sub-folders"):
        load_image_folder(str(tmp_path / "one"))
    with pytest.raises(DataError, match="size"):
        load_image_folder(str(tmp_path / "one"), size=0)
    with pytest.raises(DataError, match="color"):
        load_image_folder(str(tmp_path / "one"), color="cmyk")


@pytest.mark.slow
def test_the_unreadable_image_advice_works_as_written_with_train(tmp_path, cli):
    root = make_folder(tmp_path / "imgs", per_class=6, size=(8, 8))
    (root / "dog" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    config = tmp_path / "own.yaml"
    config.write_text(f"""name: own-images
task: classification
data: {{dataset: image_folder, options: {{path: "{root}", size: 8}}, val_fraction: 0.2, test_fraction: 0.2}}
model: {{layers: [{{type: flatten}}, {{type: dense, units: 2}}]}}
optimizer: {{name: adam, lr: 0.01}}
training: {{epochs: 1, batch_size: 4}}
""", encoding="utf-8")
    runs = tmp_path / "runs"
    refused = cli("train", str(config), "-f", "torch", "-q", "--runs-dir", str(runs))
    assert refused.returncode == 2 and "broken.png" in refused.stderr
    advice = re.search(r"'(--set [^']+)' with train", refused.stderr)
    assert advice, refused.stderr
    done = cli("train", str(config), "-f", "torch", "-q", "--runs-dir", str(runs), *advice.group(1).split(" ", 1))
    assert done.returncode == 0, done.stderr[-2000:]
