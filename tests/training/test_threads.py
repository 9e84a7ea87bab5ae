"""``runtime.threads: auto``: one thread for small steps, all cores for large ones."""

from __future__ import annotations

import pytest

from dlcourse.config import validate_config
from dlcourse.training import threads


def _config(batch_size: int, threads_setting="auto"):
    return validate_config({
        "name": "t", "task": "classification", "data": {"dataset": "digits"},
        "model": {"layers": [{"type": "flatten"}, {"type": "dense", "units": 128, "activation": "relu"},
                             {"type": "dense", "units": 10}]},
        "optimizer": {"name": "adam", "lr": 0.001},
        "training": {"batch_size": batch_size}, "runtime": {"threads": threads_setting},
    })


def test_forward_work_counts_the_dense_layers():
    assert threads.forward_work(_config(32).model, (28, 28), 32) == 32 * (784 * 128 + 128 * 10)


def test_auto_uses_one_thread_for_small_steps_and_all_cores_for_large_ones(monkeypatch):
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 4)
    n, why = threads.resolve_threads(_config(32), (28, 28))
    assert n == 1 and "3,252,224 multiply-adds per step is too little work" in why
    n, why = threads.resolve_threads(_config(64), (28, 28))
    assert n == 4 and why == "auto: 6,504,448 multiply-adds per step, all 4 cores"
    assert threads.resolve_threads(_config(128), (8, 8))[0] == 1          # digits: tiny steps
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")                             # two torchrun processes share them
    n, why = threads.resolve_threads(_config(64), (28, 28))
    assert n == 2 and why.endswith("all 2 cores (the cores divided between 2 processes)")


@pytest.mark.parametrize("cores", [1, None])
def test_auto_on_a_single_core_machine(monkeypatch, cores):
    monkeypatch.setattr(threads.os, "cpu_count", lambda: cores)
    assert threads.resolve_threads(_config(4096), (28, 28))[0] == 1


def test_a_number_in_the_config_wins():
    assert threads.resolve_threads(_config(8, 3), (28, 28)) == (3, "set in the config")
