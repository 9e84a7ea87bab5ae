"""Property-based tests of config parsing: whatever the input, only dlcourse's own errors come out.

The normal run tries ~200 examples per property; a long fuzz run raises it with an
environment variable, e.g. ``DLCOURSE_FUZZ_EXAMPLES=10000 pytest tests/test_config_fuzz.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlcourse.config import apply_overrides, builtin_config_dir, load_config, read_yaml, validate_config
from dlcourse.errors import ConfigError, DlcourseError

EXAMPLES = int(os.environ.get("DLCOURSE_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize="DLCOURSE_FUZZ_SEED" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

VALID = yaml.safe_load((builtin_config_dir() / "digits_mlp.yaml").read_text(encoding="utf-8"))
KEYS = ["name", "task", "framework", "seed", "data", "model", "loss", "optimizer", "training", "metrics",
        "runtime", "dataset", "options", "val_fraction", "test_fraction", "scaling", "layers", "type", "units",
        "activation", "rate", "init", "bias_init", "lr", "momentum", "nesterov", "beta1", "beta2", "eps", "rho",
        "epochs", "batch_size", "shuffle", "threads", "deterministic", "0", "1", "2", ""]
WORDS = ["digits", "linear", "mnist", "classification", "regression", "torch", "tensorflow", "dense", "flatten",
         "dropout", "adam", "sgd", "rmsprop", "relu", "linear", "cross_entropy", "mse", "range", "standard",
         "none", "auto", "glorot_uniform", "zeros"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.sampled_from(WORDS),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=12))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(keys, inner, max_size=5)),
                      max_leaves=20)


def only_dlcourse_errors(call, *args) -> None:
    """Run ``call``; any exception other than a :class:`DlcourseError` fails the test."""
    try:
        call(*args)
    except DlcourseError as exc:
        message = str(exc)
        assert message and "\n" not in message.strip(), f"not one line: {message!r}"


@st.composite
def mutated_configs(draw) -> dict:
    """The shipped digits config with a few keys set to random values or removed."""
    import copy

    data = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 4))):
        node = data
        path = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=3))
        for part in path[:-1]:
            if isinstance(node, dict):
                node = node.setdefault(part, {})
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                break
        if isinstance(node, dict):
            if draw(st.booleans()):
                node[path[-1]] = draw(values)
            else:
                node.pop(path[-1], None)
        elif isinstance(node, list) and path[-1].isdigit() and int(path[-1]) < len(node):
            node[int(path[-1])] = draw(values)
    return data


@FUZZ
@given(text=st.one_of(st.text(max_size=400), st.builds(yaml.safe_dump, values)))
def test_random_yaml_text_gives_only_config_errors(tmp_path, text):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    only_dlcourse_errors(lambda: validate_config(read_yaml(path), str(path)))


@FUZZ
@given(raw=st.binary(max_size=200))
def test_random_bytes_give_only_config_errors(tmp_path, raw):
    path = tmp_path / "config.yaml"
    path.write_bytes(raw)
    only_dlcourse_errors(lambda: validate_config(read_yaml(path), str(path)))


@FUZZ
@given(data=st.dictionaries(keys, values, max_size=8))
def test_random_mappings_give_only_config_errors(data):
    only_dlcourse_errors(validate_config, data)


@FUZZ
@given(data=mutated_configs())
def test_mutated_valid_configs_give_only_config_errors(data):
    only_dlcourse_errors(validate_config, data)


override_keys = st.lists(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), min_size=1, max_size=4).map(".".join)
override_values = st.one_of(st.text(max_size=30), st.builds(lambda v: yaml.safe_dump(v, default_flow_style=True).strip(), values))
overrides = st.one_of(st.builds(lambda k, v: f"{k}={v}", override_keys, override_values), st.text(max_size=30))


@FUZZ
@given(items=st.lists(overrides, max_size=5))
def test_random_overrides_give_only_config_errors(items):
    def apply_then_validate():
        validate_config(apply_overrides(VALID, items))

    only_dlcourse_errors(apply_then_validate)


@FUZZ
@given(source=st.text(max_size=40))
def test_random_config_sources_give_only_config_errors(source):
    only_dlcourse_errors(load_config, source)


def test_fuzz_inputs_do_reach_the_validator():
    """The strategies are not vacuous: the shipped config is valid, and a known mutation is refused."""
    assert validate_config(VALID).name == "digits-mlp"
    bad = apply_overrides(VALID, ["training.epochs=0"])
    try:
        validate_config(bad)
    except ConfigError as exc:
        assert "training.epochs" in str(exc)
    else:
        raise AssertionError("epochs=0 was accepted")


def test_names_with_accents_are_accepted_and_unsafe_folder_names_refused():
    base = read_yaml(builtin_config_dir() / "digits_mlp.yaml")
    for name in ("café", "réseau_2", "digits.v2-essai"):
        assert validate_config({**base, "name": name}).name == name
    for name in ("mon essai", "a/b", "..", ".cache", "x:y"):
        try:
            validate_config({**base, "name": name})
        except ConfigError as exc:
            assert "run folder's name" in str(exc) and "for example" in str(exc), exc
        else:
            raise AssertionError(f"name {name!r} was accepted")
