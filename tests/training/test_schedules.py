"""One learning-rate schedule, three implementations that agree: ours, Keras' CosineDecay, PyTorch's LambdaLR."""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse.config import Schedule, load_config
from dlcourse.training.recipes import RECIPES, recipe_overrides
from dlcourse.models.schedules import learning_rate, schedule_steps


def test_cosine_warmup_shape():
    sched = Schedule(name="cosine", warmup_epochs=1, warmup_start=0.1, min_fraction=0.0)
    lrs = [learning_rate(s, 0.01, sched, epochs=4, steps_per_epoch=10) for s in range(41)]
    assert lrs[0] == pytest.approx(0.001) and lrs[10] == pytest.approx(0.01)
    assert all(a < b for a, b in zip(lrs[:10], lrs[1:11]))           # warm-up rises
    assert all(a >= b for a, b in zip(lrs[10:40], lrs[11:41]))      # then decays
    assert lrs[40] == pytest.approx(0.0, abs=1e-12)
    assert schedule_steps(sched, 4, 10) == (10, 30)


def test_constant_is_the_optimizer_lr():
    assert learning_rate(123, 0.5, Schedule(), 3, 10) == 0.5


@pytest.mark.parametrize("backend", ["torch", "tensorflow"])
def test_frameworks_follow_the_same_schedule(backend):
    config = load_config("digits_mlp", recipe_overrides("fast"))
    steps = 12
    expected = [learning_rate(s, config.optimizer.lr, config.training.schedule, config.training.epochs, steps)
                for s in range(config.training.epochs * steps)]
    if backend == "torch":
        torch = pytest.importorskip("torch")
        from dlcourse.backends.torch.optim import make_optimizer, make_scheduler

        opt = make_optimizer(config, [torch.nn.Parameter(torch.zeros(1))])
        sched = make_scheduler(opt, config, steps)
        got = []
        for _ in expected:
            got.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
    else:
        pytest.importorskip("tensorflow")
        from dlcourse.backends.tensorflow.optim import make_optimizer

        opt = make_optimizer(config, steps)
        schedule = opt._learning_rate                       # the CosineDecay object behind the optimizer
        got = [float(schedule(s)) for s in range(len(expected))]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-9)


def test_recipe_overrides_apply_and_unknown_recipe_is_one_sentence():
    config = load_config("digits_mlp", recipe_overrides("fast"))
    assert config.training.batch_size == 256 and config.training.schedule.name == "cosine"
    assert "fast" in RECIPES
    from dlcourse.errors import UserError

    with pytest.raises(UserError, match="unknown recipe 'fats'. Did you mean 'fast'?"):
        recipe_overrides("fats")
