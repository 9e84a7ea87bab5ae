"""Keras' step engine (a compiled in-graph loop, fused Adam) computes what Keras' own ``train_on_batch`` computes."""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse.config import validate_config
from dlcourse.data.dataset import Splits
from dlcourse.training.progress import Reporter

pytest.importorskip("tensorflow")

OPTIMIZERS = {
    "adam": {"name": "adam", "lr": 0.01},
    "sgd": {"name": "sgd", "lr": 0.05, "momentum": 0.9},
    "rmsprop": {"name": "rmsprop", "lr": 0.005},
}


def _config(task: str, optimizer: dict, fast: bool, schedule: dict | None = None, jit: bool = False):
    training = {"epochs": 3, "batch_size": 12}                # 70 rows: the last batch of each epoch has 10
    if schedule:
        training["schedule"] = schedule
    return validate_config({
        "name": "loop", "task": task, "seed": 5,
        "data": {"dataset": "digits" if task == "classification" else "linear"},
        "model": {"layers": [{"type": "flatten"}, {"type": "dense", "units": 16, "activation": "tanh"},
                             {"type": "dense", "units": 4 if task == "classification" else 2}]},
        "optimizer": optimizer, "training": training, "runtime": {"fast_path": fast, "threads": 1, "jit_compile": jit},
    })


def _splits(task: str) -> Splits:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((100, 3, 2)).astype(np.float32)
    flat = x.reshape(100, -1)
    y = flat[:, :4].argmax(1).astype(np.int64) if task == "classification" else flat[:, :2] * 1.5
    return Splits(x[:70], y[:70], x[70:85], y[70:85], x[85:], y[85:])


def _train(task: str, optimizer: dict, fast: bool, schedule: dict | None = None, jit: bool = False):
    """Train through the shared epoch loop; returns ``(model, history, execution settings)``."""
    from dlcourse.backends import get_backend
    from dlcourse.training.loop import fit

    backend = get_backend("tensorflow")
    config = _config(task, optimizer, fast, schedule, jit)
    backend.setup_runtime(config.seed, 1, True)
    model = backend.build_model(config.model, (3, 2), seed=config.seed)
    history = fit(backend, model, config, _splits(task), Reporter())
    return model, history, backend.execution_settings(config, (70, 3, 2))


def _keras_own_steps(task: str, optimizer: dict, schedule: dict | None = None):
    """The same epochs with Keras' own ``train_on_batch``, batch by batch in the loop's order."""
    from dlcourse.backends import get_backend
    from dlcourse.backends.tensorflow.engine import compile_model
    from dlcourse.data.batches import epoch_order, targets

    backend = get_backend("tensorflow")
    config = _config(task, optimizer, False, schedule)
    backend.setup_runtime(config.seed, 1, True)
    model = backend.build_model(config.model, (3, 2), seed=config.seed)
    compile_model(model, config)
    if schedule:                                              # Keras' own CosineDecay, not dlcourse's table
        import keras

        from dlcourse.backends.tensorflow.optim import make_loss, make_optimizer
        from dlcourse.models.schedules import schedule_steps

        spec = config.training.schedule
        warmup, decay = schedule_steps(spec, config.training.epochs, 6)
        optimizer = make_optimizer(config)
        optimizer.learning_rate = keras.optimizers.schedules.CosineDecay(
            config.optimizer.lr * spec.warmup_start, decay, alpha=spec.min_fraction,
            warmup_target=config.optimizer.lr, warmup_steps=warmup)
        model.compile(optimizer=optimizer, loss=make_loss(config.loss))
    splits = _splits(task)
    y = targets(splits.y_train, task)
    for epoch in range(1, 4):
        order = epoch_order(config.seed, epoch, 70)
        for i in range(0, 70, 12):
            model.train_on_batch(splits.x_train[order[i:i + 12]], y[order[i:i + 12]])
    return model


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_compiled_loop_matches_keras_own_steps(task, optimizer):
    fast_model, fast_hist, fast_settings = _train(task, OPTIMIZERS[optimizer], fast=True)
    plain_model, plain_hist, plain_settings = _train(task, OPTIMIZERS[optimizer], fast=False)
    keras_model = _keras_own_steps(task, OPTIMIZERS[optimizer])
    assert fast_settings["steps_per_call"] == 6 and plain_settings["steps_per_call"] == 1
    assert fast_settings["optimizer_kernel"] == ("fused ResourceApplyAdam" if optimizer == "adam"
                                                 else "keras optimizer.apply")
    assert plain_settings["optimizer_kernel"] == "keras optimizer.apply"
    for model in (fast_model, plain_model):
        for a, b in zip(model.get_weights(), keras_model.get_weights()):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
        assert model.optimizer.iterations.numpy() == keras_model.optimizer.iterations.numpy() == 3 * 6
        for a, b in zip(model.optimizer.variables, keras_model.optimizer.variables):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=0, atol=1e-5)
    assert [list(h) for h in fast_hist] == [list(h) for h in plain_hist], "same keys in the same order"
    for fast_row, plain_row in zip(fast_hist, plain_hist):
        for key, value in plain_row.items():
            if key != "seconds":
                assert fast_row[key] == pytest.approx(value, rel=1e-4, abs=1e-5), key


@pytest.mark.parametrize("runtime", [{"precision": "bf16"}, {"distribution": "mirrored"}])
def test_settings_record_the_plain_kernel_where_the_fused_one_cannot_run(runtime):
    from dlcourse.backends.tensorflow.engine import execution_settings

    config = _config("classification", OPTIMIZERS["adam"], True)
    assert execution_settings(config, (70, 3, 2))["optimizer_kernel"] == "fused ResourceApplyAdam"
    config.runtime = config.runtime.model_copy(update=runtime)
    assert execution_settings(config, (70, 3, 2))["optimizer_kernel"] == "keras optimizer.apply"


def test_fused_adam_follows_a_learning_rate_schedule_like_keras():
    schedule = {"name": "cosine", "warmup_epochs": 0.5, "warmup_start": 0.1, "min_fraction": 0.0}
    fast_model, _, _ = _train("classification", OPTIMIZERS["adam"], True, schedule)
    keras_model = _keras_own_steps("classification", OPTIMIZERS["adam"], schedule)
    for a, b in zip(fast_model.get_weights(), keras_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)


def test_xla_compiled_steps_match_keras_own_steps():
    fast_model, fast_hist, settings = _train("classification", OPTIMIZERS["adam"], True, jit=True)
    plain_model, plain_hist, _ = _train("classification", OPTIMIZERS["adam"], False)
    assert settings["jit_compile"] is True
    for a, b in zip(fast_model.get_weights(), plain_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-4)
    assert fast_hist[-1]["loss"] == pytest.approx(plain_hist[-1]["loss"], rel=1e-4)


def test_fused_apply_only_for_plain_adam():
    import keras

    from dlcourse.backends.tensorflow.optim import fused_apply

    assert fused_apply(keras.optimizers.Adam(1e-3)) is not None
    assert fused_apply(keras.optimizers.Adam(1e-3, amsgrad=True)) is None
    assert fused_apply(keras.optimizers.Adam(1e-3, clipnorm=1.0)) is None
    assert fused_apply(keras.optimizers.AdamW(1e-3)) is None
    assert fused_apply(keras.optimizers.SGD(1e-3)) is None
