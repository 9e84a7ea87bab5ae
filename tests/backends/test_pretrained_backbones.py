"""Pretrained backbones built from local weights files, in both frameworks.

No real ImageNet file is used: each test builds the architecture with random weights, saves
it in the layout of the official file (torch: the full ImageNet model's ``state_dict``,
classifier included; Keras: the legacy ``.h5`` weights file of the no-top model, as
``keras.applications`` writes and loads it), loads it through ``build_backbone`` and checks
that the weights really come from the file.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

from dlcourse.errors import ConfigError
from dlcourse.models.pretrained import CATALOGUE, cache_dir, lookup

pytestmark = pytest.mark.slow
SIDE = 32                                          # small images keep every test fast


# ----------------------------------------------------------------------------- the catalogue and the sources
def test_torch_entries_are_torchvisions_default_weights(tmp_path, monkeypatch):
    pytest.importorskip("torchvision")
    from torch import hub
    from torchvision.models import get_model_weights

    for entry in (e for e in CATALOGUE if e.framework == "torch"):
        weights = get_model_weights(entry.name).DEFAULT
        assert entry.url == weights.url and entry.native == f"torchvision.models.{entry.name}"
        assert entry.min_size == weights.meta["min_size"][0]
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "t"))
    assert cache_dir("torch") == Path(hub.get_dir()) / "checkpoints"


def test_keras_entries_are_those_of_keras_applications():
    spec = importlib.util.find_spec("keras")
    if spec is None:
        pytest.skip("keras not installed")
    source = Path(spec.origin).parent / "src" / "applications"                # read, not imported
    mobilenet, resnet = (source / "mobilenet_v3.py").read_text(), (source / "resnet.py").read_text()
    small = re.search(r'"small_224_1\.0_float": \(\s*"([0-9a-f]+)",\s*"([0-9a-f]+)"', mobilenet)
    assert lookup("mobilenet_v3_small", "tensorflow").digest == small.group(2)             # the no-top file
    assert 'f"weights_mobilenet_v3_{model_name}_no_top_v2.h5"' in mobilenet
    assert lookup("mobilenet_v3_small", "tensorflow").url.startswith(
        re.search(r'BASE_WEIGHT_PATH = \(\s*"([^"]+)"', mobilenet).group(1))
    r50 = re.search(r'"resnet50": \(\s*"([0-9a-f]+)",\s*"([0-9a-f]+)"', resnet)
    assert lookup("resnet50", "tensorflow").digest == r50.group(2)
    assert 'f"{weights_name}_weights_tf_dim_ordering_tf_kernels_notop.h5"' in resnet
    assert lookup("resnet50", "tensorflow").url.startswith(
        re.search(r'BASE_WEIGHTS_PATH = \(\s*"([^"]+)"', resnet).group(1))


# ----------------------------------------------------------------------------- PyTorch
@pytest.fixture(scope="module")
def torch_files(tmp_path_factory) -> dict:
    """``{name: (path, state_dict)}``: each torchvision model's FULL ImageNet-layout state_dict, random weights."""
    torch = pytest.importorskip("torch")
    torchvision = pytest.importorskip("torchvision")
    folder = tmp_path_factory.mktemp("torch-weights")
    files = {}
    for entry in (e for e in CATALOGUE if e.framework == "torch"):
        torch.manual_seed(0)
        model = getattr(torchvision.models, entry.name)(weights=None)
        state = model.state_dict()
        path = folder / entry.file_name
        torch.save(state, path)
        files[entry.name] = (path, state)
    return files


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v3_small", "resnet50"])
def test_torch_backbone_reads_the_file(torch_files, name):
    import torch
    import torchvision

    from dlcourse.backends.torch.pretrained import blocks, build_backbone

    entry = lookup(name, "torch")
    path, saved = torch_files[name]
    backbone = build_backbone(entry, path, (SIDE, SIDE, 3)).eval()
    head = "fc." if name.startswith("resnet") else "classifier."
    features = [v for k, v in saved.items() if not k.startswith(head)]
    loaded = list(backbone.stages.state_dict().values())
    assert len(loaded) == len(features) and all(torch.equal(a, b) for a, b in zip(loaded, features))
    assert len(blocks(backbone)) == entry.blocks

    x = torch.rand(2, SIDE, SIDE, 3)                                 # (n, h, w, 3) in [0, 1]
    with torch.no_grad():
        y = backbone(x)
    assert y.shape == (2, entry.features) and y.dtype == torch.float32

    # The same numbers as torchvision's own model and normalisation, classifier removed.
    reference = getattr(torchvision.models, name)(weights=None)
    reference.load_state_dict(saved)
    setattr(reference, head[:-1], torch.nn.Identity())
    transforms = torchvision.models.get_model_weights(name).DEFAULT.transforms()
    normalised = torchvision.transforms.functional.normalize(x.permute(0, 3, 1, 2), transforms.mean, transforms.std)
    with torch.no_grad():
        torch.testing.assert_close(y, reference.eval()(normalised))


def test_torch_file_of_another_architecture_is_one_sentence(torch_files):
    from dlcourse.backends.torch.pretrained import build_backbone

    path = torch_files["resnet50"][0]
    with pytest.raises(ConfigError) as err:
        build_backbone(lookup("resnet18", "torch"), path, (SIDE, SIDE, 3))
    message = str(err.value)
    assert re.fullmatch(
        rf"weights file '{re.escape(str(path))}' does not fit the torchvision resnet18 architecture: "
        r"\d+ unexpected keys such as 'layer1\.0\.conv3\.weight', \d+ shape mismatches such as "
        r"'layer1\.0\.conv1\.weight' \(file \(64, 64, 1, 1\), model \(64, 64, 3, 3\)\)\. "
        r"Give weights saved from a resnet18 \(such as 'resnet18-f37072fd\.pth'\), or choose the backbone the file "
        r"was saved from\.", message), message


def test_torch_own_weights_with_another_head_are_accepted(tmp_path, torch_files):
    """A fine-tuned model's state_dict (10-class head) loads: the head is not part of the backbone."""
    import torch

    from dlcourse.backends.torch.pretrained import build_backbone

    path, saved = torch_files["resnet18"]
    state = {**saved, "fc.weight": torch.zeros(10, 512), "fc.bias": torch.zeros(10)}
    del state["layer4.1.bn2.num_batches_tracked"]                     # older files lack the counters
    mine = tmp_path / "mine.pt"
    torch.save(state, mine)
    backbone = build_backbone(lookup("resnet18", "torch"), mine, (SIDE, SIDE, 3))
    assert torch.equal(backbone.stages[4][1].bn2.weight, saved["layer4.1.bn2.weight"])


class _Marker:
    """Unpickling this object would create a file: a stand-in for any code inside a pickle."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_torch_file_that_is_not_a_state_dict(tmp_path, torch_files):
    import torch

    from dlcourse.backends.torch.pretrained import build_backbone

    entry = lookup("resnet18", "torch")
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"<html>Not found</html>")
    with pytest.raises(ConfigError, match=r"^weights file '.*junk\.pth' for resnet18 \(PyTorch\) is not a PyTorch "
                                          r"state_dict \(it was not written by torch\.save"):
        build_backbone(entry, junk, (SIDE, SIDE, 3))
    whole = tmp_path / "whole.pth"
    torch.save([torch.zeros(1)], whole)
    with pytest.raises(ConfigError, match="holds a list, not a state_dict"):
        build_backbone(entry, whole, (SIDE, SIDE, 3))
    marker = tmp_path / "marker"
    unsafe = tmp_path / "unsafe.pth"
    torch.save({"conv1.weight": _Marker(str(marker))}, unsafe)
    with pytest.raises(ConfigError, match=r"\(it holds Python objects other than tensors, which are refused\)\."):
        build_backbone(entry, unsafe, (SIDE, SIDE, 3))
    assert not marker.exists()                                       # nothing in the file was run
    truncated = tmp_path / "cut.pth"
    truncated.write_bytes(torch_files["resnet18"][0].read_bytes()[:4096])
    with pytest.raises(ConfigError) as err:
        build_backbone(entry, truncated, (SIDE, SIDE, 3))
    assert "\n" not in str(err.value)


def test_torch_blocks_unfreeze_the_last_stages(torch_files):
    from dlcourse.backends.torch.pretrained import blocks, build_backbone

    backbone = build_backbone(lookup("mobilenet_v3_small", "torch"), torch_files["mobilenet_v3_small"][0],
                              (SIDE, SIDE, 3))
    stages = blocks(backbone)
    assert len(stages) == 13 and stages[0] is backbone.stages[0]
    backbone.requires_grad_(False)
    for stage in stages[-2:]:
        stage.requires_grad_(True)
    trainable = {n.split(".")[1] for n, p in backbone.named_parameters() if p.requires_grad}
    assert trainable == {"11", "12"}


def test_torch_input_checks(torch_files):
    from dlcourse.backends.torch.pretrained import build_backbone

    with pytest.raises(ConfigError, match=r"expects RGB images of shape \(height, width, 3\), got samples of shape "
                                          r"\(32, 32, 1\)\. Use RGB images"):
        build_backbone(lookup("resnet18", "torch"), torch_files["resnet18"][0], (SIDE, SIDE, 1))
    with pytest.raises(ConfigError, match="needs images of at least 1x1 pixels, got 0x32"):
        build_backbone(lookup("resnet18", "torch"), torch_files["resnet18"][0], (0, SIDE, 3))


# ----------------------------------------------------------------------------- TensorFlow/Keras
def _save_h5(model, path: Path) -> Path:
    """The legacy ``.h5`` weights layout of the official files (``layer_names`` attribute, one group per layer)."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    return path


@pytest.fixture(scope="module")
def keras_files(tmp_path_factory) -> dict:
    """``{name: (path, reference model)}``: each no-top Keras application with random weights, saved as .h5."""
    keras = pytest.importorskip("keras")
    folder = tmp_path_factory.mktemp("keras-weights")
    files = {}
    for entry in (e for e in CATALOGUE if e.framework == "tensorflow"):
        keras.utils.set_random_seed(0)
        application = getattr(keras.applications, entry.native.rsplit(".", 1)[1])
        reference = application(include_top=False, weights=None, pooling="avg", input_shape=(SIDE, SIDE, 3))
        files[entry.name] = (_save_h5(reference, folder / entry.file_name), reference)
    return files


def _weighted(model) -> list:
    return [layer for layer in model.layers if layer.weights]


@pytest.mark.parametrize("name", ["mobilenet_v3_small", "resnet50"])
def test_keras_backbone_reads_the_file(keras_files, name):
    import keras

    from dlcourse.backends.tensorflow.pretrained import blocks, build_backbone

    entry = lookup(name, "tensorflow")
    path, reference = keras_files[name]
    backbone = build_backbone(entry, path, (SIDE, SIDE, 3))
    pairs = list(zip(_weighted(reference), _weighted(backbone), strict=True))
    assert all(np.array_equal(a.numpy(), b.numpy()) for r, m in pairs for a, b in zip(r.weights, m.weights))

    x = np.random.default_rng(0).uniform(0, 1, (2, SIDE, SIDE, 3)).astype(np.float32)
    y = np.asarray(backbone(x, training=False))
    assert y.shape == (2, entry.features) and y.dtype == np.float32
    # The framework's own preprocessing of x * 255, then the same network.
    if name == "resnet50":
        expected = reference(keras.applications.resnet50.preprocess_input(x * 255.0), training=False)
        front = keras.Model(backbone.input, backbone.get_layer("caffe_preprocessing").output)
        np.testing.assert_allclose(np.asarray(front(x)), keras.applications.resnet50.preprocess_input(x * 255.0),
                                   rtol=1e-5, atol=1e-3)
    else:
        expected = reference(x * 255.0, training=False)              # include_preprocessing=True rescales
    np.testing.assert_allclose(y, np.asarray(expected), rtol=1e-4, atol=1e-4)

    stages = blocks(backbone)
    assert len(stages) == entry.blocks and all(stages)
    staged = {id(layer) for stage in stages for layer in stage}
    assert {id(layer) for layer in _weighted(backbone)} <= staged    # every weight belongs to one stage
    assert sum(len(stage) for stage in stages) == len(staged)


def test_keras_backbone_saves_and_reloads_in_safe_mode(tmp_path, keras_files):
    import keras

    from dlcourse.backends.tensorflow.pretrained import blocks, build_backbone

    backbone = build_backbone(lookup("mobilenet_v3_small", "tensorflow"), keras_files["mobilenet_v3_small"][0],
                              (SIDE, SIDE, 3))
    backbone.save(tmp_path / "backbone.keras")
    reloaded = keras.saving.load_model(tmp_path / "backbone.keras", safe_mode=True)
    x = np.random.default_rng(2).uniform(0, 1, (2, SIDE, SIDE, 3)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(reloaded(x)), np.asarray(backbone(x)), rtol=1e-5, atol=1e-5)
    assert len(blocks(reloaded)) == 13


def test_keras_own_weights_file_loads(tmp_path, keras_files):
    """The user's own weights saved with Keras 3's save_weights (.weights.h5) load too."""
    from dlcourse.backends.tensorflow.pretrained import build_backbone

    reference = keras_files["mobilenet_v3_small"][1]
    mine = tmp_path / "mine.weights.h5"
    reference.save_weights(mine)
    backbone = build_backbone(lookup("mobilenet_v3_small", "tensorflow"), mine, (40, SIDE, 3))
    assert np.array_equal(backbone.get_layer("conv").kernel.numpy(), reference.get_layer("conv").kernel.numpy())


def test_keras_file_of_another_architecture_is_one_sentence(keras_files):
    from dlcourse.backends.tensorflow.pretrained import build_backbone

    path = keras_files["resnet50"][0]
    with pytest.raises(ConfigError) as err:
        build_backbone(lookup("mobilenet_v3_small", "tensorflow"), path, (SIDE, SIDE, 3))
    assert str(err.value) == (
        f"weights file '{path}' does not fit the Keras MobileNetV3Small architecture (the model has 86 layers with "
        f"weights, the file 106). Give the no-top weights of a MobileNetV3Small (such as "
        f"'weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5'), or choose the backbone the file was saved from.")


def test_keras_file_that_is_not_hdf5(tmp_path):
    from dlcourse.backends.tensorflow.pretrained import build_backbone

    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"<html>Not found</html>")
    with pytest.raises(ConfigError, match=r"does not fit the Keras MobileNetV3Small architecture \(it is not an "
                                          r"HDF5 file\)\."):
        build_backbone(lookup("mobilenet_v3_small", "tensorflow"), junk, (SIDE, SIDE, 3))


def test_keras_input_checks(keras_files):
    from dlcourse.backends.tensorflow.pretrained import build_backbone

    path = keras_files["mobilenet_v3_small"][0]
    with pytest.raises(ConfigError, match=r"^the mobilenet_v3_small \(TensorFlow/Keras\) backbone needs images of "
                                          r"at least 32x32 pixels, got 28x28\. Use larger images"):
        build_backbone(lookup("mobilenet_v3_small", "tensorflow"), path, (28, 28, 3))
    with pytest.raises(ConfigError, match=r"got samples of shape \(32, 32\)\."):
        build_backbone(lookup("mobilenet_v3_small", "tensorflow"), path, (SIDE, SIDE))
