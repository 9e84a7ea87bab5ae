"""A layer that cannot work is refused before training: one sentence naming the layer and the shapes, exit 2, no run folder."""

from __future__ import annotations

import pytest
import yaml

from dlcourse.config import validate_config
from dlcourse.errors import ConfigError
from dlcourse.models.layers import trace, same_padding

IMAGE_CONFIG = {"name": "bad", "task": "classification", "data": {"dataset": "digits"},
                "optimizer": {"name": "sgd", "lr": 0.01}, "training": {"epochs": 1}}


def _layers(*layers):
    return {**IMAGE_CONFIG, "model": {"layers": [*layers, {"type": "flatten"}, {"type": "dense", "units": 10}]}}


CASES = {
    "conv-on-vectors": ({**_layers({"type": "flatten"}, {"type": "conv2d", "filters": 4})},
                        r"model\.layers\.1 \(conv2d\(4, 3x3, valid\)\) receives samples of shape \(64,\): it needs images"),
    "kernel-too-large": (_layers({"type": "conv2d", "filters": 4, "kernel_size": 9}),
                         r"model\.layers\.0 .* shape \(8, 8\): its 9x9 kernel is larger than its 8x8 input"),
    "pool-after-shrinking": (_layers({"type": "conv2d", "filters": 4, "kernel_size": 5},
                                     {"type": "max_pool2d", "pool_size": 5}),
                             r"model\.layers\.1 \(max_pool2d\(5x5\)\) receives samples of shape \(4, 4, 4\): its 5x5 window"),
    "zero-stride": (_layers({"type": "conv2d", "filters": 4, "stride": 0}),
                    r"model\.layers\.0\.stride: expected a positive whole number or a pair \[rows, columns\] of them, got 0"),
    "momentum-outside": (_layers({"type": "conv2d", "filters": 4}, {"type": "batch_norm", "momentum": 1.0}),
                         r"model\.layers\.1\.momentum: momentum must lie strictly between 0 and 1 .* got 1\.0"),
    "unknown-padding": (_layers({"type": "conv2d", "filters": 4, "padding": "full"}),
                        r"model\.layers\.0\.padding: expected one of 'valid' or 'same', got 'full'"),
    "unknown-layer": (_layers({"type": "conv3d", "filters": 4}),
                      r"model\.layers\.0: unknown value 'conv3d', .* Did you mean 'conv2d'\?"),
    "dense-on-image": ({**IMAGE_CONFIG, "model": {"layers": [{"type": "conv2d", "filters": 2},
                                                             {"type": "dense", "units": 10}]}},
                       r"model\.layers\.1 \(dense\(10\)\) receives samples of shape \(6, 6, 2\): it needs flat vectors "
                       r"of shape \(72,\)\. Add \{type: flatten\} before it"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_cli_refuses_with_one_sentence_and_no_run_folder(case, cli, tmp_path):
    config, pattern = CASES[case]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    proc = cli("train", str(path), "--runs-dir", str(tmp_path / "runs"), "-q")
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert __import__("re").search(pattern, lines[0]), lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_shapes_follow_the_frameworks_rules():
    spec = validate_config(_layers({"type": "conv2d", "filters": 3, "kernel_size": 3, "stride": 2, "padding": "same"},
                                   {"type": "avg_pool2d", "pool_size": 2, "stride": 1},
                                   {"type": "batch_norm"})).model
    shapes = [(t.input_shape, t.output_shape, t.params) for t in trace(spec.layers, (7, 8))]
    assert shapes[0] == ((7, 8), (4, 4, 3), 3 * 3 * 1 * 3 + 3)    # ceil(7/2), ceil(8/2); grey read as 1 channel
    assert shapes[1] == ((4, 4, 3), (3, 3, 3), 0)
    assert shapes[2] == ((3, 3, 3), (3, 3, 3), 4 * 3)
    assert shapes[3][1] == (27,)
    # Keras' 'same': total padding (out-1)*stride + k - in, the odd row at the bottom/right
    assert same_padding(7, 3, 2) == (1, 1) and same_padding(8, 3, 2) == (0, 1) and same_padding(6, 4, 1) == (1, 2)


def test_library_raises_config_error_before_any_framework(tmp_path):
    from dlcourse.training.runner import run_experiment

    config = validate_config(CASES["kernel-too-large"][0])
    with pytest.raises(ConfigError, match="larger than its 8x8 input"):
        run_experiment(config, "torch", runs_dir=tmp_path / "runs")
    assert not (tmp_path / "runs").exists()
