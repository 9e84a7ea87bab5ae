"""The side-by-side model summary: same layers, shapes and parameter totals in Keras and PyTorch."""

from __future__ import annotations

import importlib.util

import pytest

from dlcourse.config import builtin_config_dir, load_config

CONFIGS = sorted(p.stem for p in builtin_config_dir().glob("*.yaml"))
both = pytest.mark.skipif(not (importlib.util.find_spec("torch") and importlib.util.find_spec("tensorflow")),
                          reason="needs both frameworks")


@pytest.mark.slow
@both
@pytest.mark.parametrize("name", CONFIGS)
def test_totals_and_shapes_match_for_every_shipped_config(name):
    from dlcourse.evaluation.summary import side_by_side

    config = load_config(builtin_config_dir() / f"{name}.yaml")
    table = side_by_side(config)
    assert set(table["frameworks"]) == {"torch", "tensorflow"}
    assert table["totals"]["torch"] == table["totals"]["tensorflow"] > 0
    assert len(table["rows"]) == len(config.model.layers)
    for row in table["rows"]:
        assert row["tensorflow_shape"] == row["shape"], row                 # Keras: the spec's channels-last
        dims = row["shape"].strip("()").split(", ")
        channels_first = f"({', '.join([dims[0], dims[-1], *dims[1:-1]])})" if len(dims) == 4 else row["shape"]
        assert row["torch_shape"] == channels_first, row                    # PyTorch: (None, c, h, w)
        assert row["torch_params"] == row["tensorflow_params"] == row["params"], row
    assert sum(r["torch_params"] for r in table["rows"]) == table["totals"]["torch"] == table["spec_total"]


def test_feature_shape_from_catalogue_without_data_files():
    from dlcourse.evaluation.summary import feature_shape_of

    assert feature_shape_of(load_config(builtin_config_dir() / "mnist_mlp.yaml")) == (28, 28)
    assert feature_shape_of(load_config(builtin_config_dir() / "digits_mlp.yaml")) == (8, 8)
    assert feature_shape_of(load_config(builtin_config_dir() / "linear_regression.yaml")) == (1,)
