"""ImageNet backbones through the config, in each framework, with weights files the test writes in each
framework's own format (random values, the official names and shapes): trained frozen, reloaded for
evaluation without the file; a missing file and a wrong hash are one sentence, nothing written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from dlcourse.models.pretrained import lookup

SIDE = 32


def _images(root: Path) -> Path:
    """Two classes of 16 RGB 32x32 PNG images (bright and dark), one sub-folder each."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for k, name in enumerate(["dark", "bright"]):
        (root / name).mkdir(parents=True)
        for i in range(16):
            pixels = rng.integers(0, 120, (SIDE, SIDE, 3)) + 120 * k
            Image.fromarray(pixels.astype(np.uint8), "RGB").save(root / name / f"{i}.png")
    return root


def _weights_file(framework: str, folder: Path) -> Path:
    """mobilenet_v3_small's weights in the framework's official layout, random values."""
    entry = lookup("mobilenet_v3_small", framework)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / entry.file_name
    if framework == "torch":
        import torch
        import torchvision

        torch.manual_seed(0)
        torch.save(torchvision.models.mobilenet_v3_small(weights=None).state_dict(), path)
    else:
        import h5py
        import keras
        from keras.src.legacy.saving import legacy_h5_format

        keras.utils.set_random_seed(0)
        model = keras.applications.MobileNetV3Small(include_top=False, weights=None, pooling="avg",
                                                    input_shape=(SIDE, SIDE, 3))
        with h5py.File(path, "w") as fh:
            legacy_h5_format.save_weights_to_hdf5_group(fh, model)
    return path


def _config(images: Path, backbone: str) -> list[str]:
    return ["data.dataset=image_folder", f"data.options={{path: {images}, size: {SIDE}, color: rgb}}",
            "data.val_fraction=0.2", "data.test_fraction=0.2", "training.epochs=2", "training.batch_size=8",
            "model.layers=[{type: dense, units: 2}]", f"model.backbone={backbone}"]


@pytest.mark.slow
def test_imagenet_backbone_from_the_config_trains_frozen_and_reloads_without_the_file(framework, tmp_path, cli):
    images = _images(tmp_path / "images")
    weights = _weights_file(framework, tmp_path / "files")
    env = {"TORCH_HOME": str(tmp_path / "torch-home"), "KERAS_HOME": str(tmp_path / "keras-home")}
    sets = _config(images, f"{{imagenet: mobilenet_v3_small, weights: {weights}, trainable: 0}}")
    args = [a for s in sets for a in ("--set", s)]
    proc = cli("train", "digits_mlp", "-q", "-f", framework, "--runs-dir", str(tmp_path / "runs"),
               "--result-json", str(tmp_path / "r.json"), *args, env=env)
    assert proc.returncode == 0, proc.stderr
    run = Path(json.loads((tmp_path / "r.json").read_text())["path"])
    recorded = json.loads((run / "backbone.json").read_text())
    assert recorded["imagenet"] == "mobilenet_v3_small" and recorded["weights_file"] == str(weights)
    # frozen: the backbone's weights in the saved model are the file's
    with np.load(run / "weights.npz") as saved:
        kept = [saved[f"arr_{i}"] for i in range(len(saved.files))]
    if framework == "torch":
        import torch

        state = torch.load(weights, weights_only=True)
        first = next(v for k, v in state.items() if k.endswith("weight"))
        assert any(a.shape == tuple(first.shape) and np.array_equal(a, first.numpy()) for a in kept)
    else:
        import h5py

        with h5py.File(weights) as fh:
            names = []
            fh.visit(names.append)
            first = next(np.asarray(fh[n]) for n in names if isinstance(fh[n], h5py.Dataset) and "kernel" in n)
        assert any(a.shape == first.shape and np.array_equal(a, first) for a in kept)
    # evaluation reloads the run without the weights file
    weights.unlink()
    proc = cli("evaluate", str(run), "--no-plots", "--quiet", env=env)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
def test_missing_and_damaged_weights_are_one_sentence_with_nothing_written(framework, tmp_path, cli):
    images = _images(tmp_path / "images")
    entry = lookup("mobilenet_v3_small", framework)
    cache = tmp_path / ("torch-home/hub/checkpoints" if framework == "torch" else "keras-home/models")
    env = {"TORCH_HOME": str(tmp_path / "torch-home"), "KERAS_HOME": str(tmp_path / "keras-home")}
    sets = _config(images, "{imagenet: mobilenet_v3_small, trainable: 0}")
    args = [a for s in sets for a in ("--set", s)]
    runs = tmp_path / "runs"
    proc = cli("train", "digits_mlp", "-q", "-f", framework, "--runs-dir", str(runs), *args, env=env)
    assert proc.returncode == 2
    line = proc.stderr.strip()
    assert "\n" not in line and entry.file_name in line and str(cache) in line and entry.digest in line
    assert f"dlcourse weights import {entry.file_name}" in line
    assert not runs.exists() or not any(runs.iterdir())
    cache.mkdir(parents=True)
    (cache / entry.file_name).write_bytes(b"a file cut short")
    proc = cli("train", "digits_mlp", "-q", "-f", framework, "--runs-dir", str(runs), *args, env=env)
    assert proc.returncode == 2 and "has the wrong hash" in proc.stderr and entry.digest in proc.stderr
    assert not runs.exists() or not any(runs.iterdir())
    # the other framework's name is refused with the names this one has
    other = "resnet18" if framework == "tensorflow" else None
    if other:
        sets = _config(images, "{imagenet: resnet18, trainable: 0}")
        proc = cli("train", "digits_mlp", "-q", "-f", framework, "--runs-dir", str(runs),
                   *[a for s in sets for a in ("--set", s)], env=env)
        assert proc.returncode == 2 and "for PyTorch only" in proc.stderr
    assert os.environ.get("TORCH_HOME") != env["TORCH_HOME"]
