"""Learning-rate schedules: our formulas agree with the frameworks' own schedulers, and both engines follow them."""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse.config import Schedule, load_config
from dlcourse.errors import ConfigError
from dlcourse.models.schedules import learning_rate, rates, schedule_steps
from dlcourse.training.watch import Plateau
from dlcourse.training.recipes import RECIPES, recipe_overrides


def _ours(schedule: Schedule, lr: float, epochs: int, spe: int) -> np.ndarray:
    return np.array([learning_rate(s, lr, schedule, epochs, spe) for s in range(epochs * spe)])


def test_cosine_warmup_shape():
    sched = Schedule(name="cosine", warmup_epochs=1, warmup_start=0.1, min_fraction=0.0)
    lrs = [learning_rate(s, 0.01, sched, epochs=4, steps_per_epoch=10) for s in range(41)]
    assert lrs[0] == pytest.approx(0.001) and lrs[10] == pytest.approx(0.01)
    assert all(a < b for a, b in zip(lrs[:10], lrs[1:11]))           # warm-up rises
    assert all(a >= b for a, b in zip(lrs[10:40], lrs[11:41]))      # then decays
    assert lrs[40] == pytest.approx(0.0, abs=1e-12)
    assert schedule_steps(sched, 4, 10) == (10, 30)


def test_constant_and_plateau_are_the_optimizer_lr():
    assert learning_rate(123, 0.5, Schedule(), 3, 10) == 0.5
    assert learning_rate(123, 0.5, Schedule(name="plateau"), 3, 10) == 0.5


def test_cosine_equals_keras_cosine_decay():
    keras = pytest.importorskip("keras")
    sched = Schedule(name="cosine", warmup_epochs=0.5, warmup_start=0.1, min_fraction=0.05)
    epochs, spe, lr = 4, 12, 0.02
    warmup, decay = schedule_steps(sched, epochs, spe)
    ref = keras.optimizers.schedules.CosineDecay(lr * sched.warmup_start, decay, alpha=sched.min_fraction,
                                                 warmup_target=lr, warmup_steps=warmup)
    got = [float(ref(s)) for s in range(epochs * spe)]
    np.testing.assert_allclose(_ours(sched, lr, epochs, spe), got, rtol=1e-5, atol=1e-9)


def test_exponential_equals_keras_exponential_decay():
    keras = pytest.importorskip("keras")
    sched, epochs, spe, lr = Schedule(name="exponential", gamma=0.7), 5, 9, 0.1
    ref = keras.optimizers.schedules.ExponentialDecay(lr, decay_steps=spe, decay_rate=0.7)
    np.testing.assert_allclose(_ours(sched, lr, epochs, spe), [float(ref(s)) for s in range(epochs * spe)], rtol=1e-5)


def _torch_rates(make, lr: float, total: int) -> list[float]:
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    sched, got = make(opt), []
    for _ in range(total):
        got.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return got


def test_one_cycle_equals_torch_one_cycle_lr():
    sched, epochs, spe, lr = Schedule(name="one_cycle", pct_start=0.25, div_factor=10, final_div_factor=100), 4, 15, 0.3
    import torch

    got = _torch_rates(lambda opt: torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=lr, total_steps=epochs * spe, pct_start=0.25, div_factor=10, final_div_factor=100,
        cycle_momentum=False), lr / 10, epochs * spe)
    np.testing.assert_allclose(_ours(sched, lr, epochs, spe), got, rtol=1e-6)


def test_step_equals_torch_step_lr_per_epoch():
    sched, epochs, spe, lr = Schedule(name="step", step_epochs=2, gamma=0.5), 6, 7, 0.1
    import torch

    per_epoch = _torch_rates(lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5), lr, epochs)
    np.testing.assert_allclose(_ours(sched, lr, epochs, spe), np.repeat(per_epoch, spe), rtol=1e-12)


def test_plateau_reduces_after_patience_epochs_without_improvement():
    p = Plateau(Schedule(name="plateau", factor=0.5, patience=2, min_lr=0.01), lr=0.1, mode="min")
    factors = [p.update(v) for v in [1.0, 0.9, 0.95, 0.92, 0.93, 0.94, 0.96, 0.97, 0.98, 0.99]]
    #                                best  best  w1    w2->x0.5 w1 w2->x0.25  w1  w2->0.1 (floor) ...
    assert factors == pytest.approx([1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.1])
    assert Plateau(p.schedule, 0.1, "min", **p.state()).state() == p.state()


def test_schedule_keys_belong_to_their_schedule_and_fit_the_run():
    with pytest.raises(ConfigError, match="'gamma' is a setting of the step and exponential schedule"):
        load_config("digits_mlp", ["training.schedule={name: cosine, gamma: 0.5}"])
    with pytest.raises(ConfigError, match=r"step_epochs \(30.0\) is not shorter than the run \(30 epochs\)"):
        load_config("digits_mlp", ["training.schedule={name: step, step_epochs: 30}"])
    with pytest.raises(ConfigError, match="patience"):
        load_config("digits_mlp", ["training.schedule={name: plateau, patience: 30}"])
    # a recorded config keeps the keys of its schedule only, and reloads
    config = load_config("digits_mlp", ["training.schedule={name: step, step_epochs: 5, gamma: 0.5}"])
    assert config.to_dict()["training"]["schedule"] == {"name": "step", "step_epochs": 5.0, "gamma": 0.5}


def _tiny(framework, overrides):
    from dlcourse.backends import get_backend

    config = load_config("digits_mlp", ["training.batch_size=16", "training.epochs=3", *overrides])
    backend = get_backend(framework)
    backend.setup_runtime(0, 1, True, "cpu", "32", "none", 1)
    x = np.random.default_rng(0).random((64, 8, 8), dtype=np.float32)
    y = np.arange(64) % 10
    model = backend.build_model(config.model, (8, 8), seed=0)
    return config, backend, model, backend.make_engine(model, config, x, y)


@pytest.mark.parametrize("name", ["one_cycle", "step"])
def test_engines_follow_the_table_and_the_loop_factor(framework, name):
    extra = "pct_start: 0.4" if name == "one_cycle" else "step_epochs: 1, gamma: 0.5"
    config, backend, model, engine = _tiny(framework, [f"training.schedule={{name: {name}, {extra}}}"])
    table = rates(config, 4)
    seen, used = [], []
    for k in range(4):
        seen.append(engine.learning_rate())
        engine.run(np.arange(k * 16, (k + 1) * 16))
        # the rate the framework's optimizer actually applied in that update
        used.append(engine.optimizer.param_groups[0]["lr"] if framework == "torch" else float(engine.inner.learning_rate))
    np.testing.assert_allclose(seen, table[:4], rtol=1e-6)
    np.testing.assert_allclose(used, table[:4], rtol=1e-6)
    engine.set_lr_factor(0.1)
    assert engine.learning_rate() == pytest.approx(table[4] * 0.1, rel=1e-6)


def test_recipe_overrides_apply_and_unknown_recipe_is_one_sentence():
    config = load_config("digits_mlp", recipe_overrides("fast"))
    assert config.training.batch_size == 256 and config.training.schedule.name == "cosine"
    assert "fast" in RECIPES
    from dlcourse.errors import UserError

    with pytest.raises(UserError, match="unknown recipe 'fats'. Did you mean 'fast'?"):
        recipe_overrides("fats")


def test_recipe_is_refused_where_it_was_not_measured():
    """On digits, 2 epochs of batch 256 are 12 steps: far below the config's own accuracy, so refused."""
    from dlcourse.errors import UserError
    from dlcourse.training.recipes import check_applies

    check_applies("fast", load_config("mnist_mlp", recipe_overrides("fast")))          # what it was measured on
    for name in ("digits_mlp", "mnist_cnn", "digits_cnn"):
        with pytest.raises(UserError, match="Train without --recipe fast"):
            check_applies("fast", load_config(name, recipe_overrides("fast")))


def test_epoch_line_is_short_and_splits_to_fit_a_narrow_terminal():
    from dlcourse.training.progress import epoch_line

    logs = {"loss": 2.0017, "accuracy": 0.502, "f1_macro": 0.499, "precision_macro": 0.4,
            "val_loss": 1.6464, "val_accuracy": 0.8222, "val_f1_macro": 0.8039, "lr": 0.01}
    one = epoch_line(1, 20, logs, 0.05)
    assert one == "epoch  1/20  loss 2.0017  acc 0.5020  f1 0.4990 | val loss 1.6464  acc 0.8222  f1 0.8039 | 0.05 s"
    two = epoch_line(1, 20, logs, 0.05, width=80).splitlines()
    assert len(two) == 2 and all(len(line) <= 80 for line in two) and two[1].lstrip().startswith("val loss 1.6464")
    assert epoch_line(1, 2, {"loss": 1.0}, 0.1, width=20) == "epoch 1/2  loss 1.0000 | 0.10 s"
