"""The learning-rate range test: its arithmetic on synthetic curves (no framework), then real sweeps and the command."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import yaml

from dlcourse.errors import UserError
from dlcourse.training import lr_find as lf


# ----------------------------------------------------------------------------- synthetic curves
def sweep_curve(steps: int = 100, start: float = 1e-7, end: float = 10.0, noise: float = 0.0, seed: int = 0):
    """``(lrs, losses)``: flat at 2.3 up to 1e-4, falling to 0.3 at 1e-1 (linear in log10 lr), then rising fast."""
    lrs = lf.sweep_rates(start, end, steps)
    x = np.log10(lrs)
    loss = np.where(x < -4, 2.3, np.where(x < -1, 2.3 - 2.0 * (x + 4) / 3, 0.3 + 20 * (x + 1) ** 2))
    loss = loss + noise * np.random.default_rng(seed).standard_normal(steps)
    return lrs, loss


def test_sweep_rates_are_geometric_from_start_to_end():
    lrs = lf.sweep_rates(1e-7, 10.0, 100)
    assert lrs.shape == (100,) and lrs.dtype == np.float64
    assert lrs[0] == pytest.approx(1e-7) and lrs[-1] == pytest.approx(10.0)
    ratios = lrs[1:] / lrs[:-1]
    assert np.allclose(ratios, (10.0 / 1e-7) ** (1 / 99))
    i = 37
    assert lrs[i] == pytest.approx(1e-7 * (10.0 / 1e-7) ** (i / 99))


def test_smoothing_is_a_bias_corrected_moving_average():
    losses = np.array([2.0, 1.0, 4.0, 3.0])
    beta = 0.9
    avg, expected = 0.0, []
    for i, loss in enumerate(losses):
        avg = beta * avg + (1 - beta) * loss
        expected.append(avg / (1 - beta ** (i + 1)))
    got = lf.smooth(losses, beta)
    assert got.shape == (4,) and got.dtype == np.float64
    assert np.allclose(got, expected)
    assert got[0] == pytest.approx(2.0)                    # the correction removes the pull towards 0
    assert np.allclose(lf.smooth(np.full(50, 1.7), 0.98), 1.7)
    assert np.allclose(lf.smooth(losses, 0.0), losses)     # beta 0: no smoothing


def test_smoothing_carries_a_non_finite_loss_forward():
    got = lf.smooth([1.0, 1.0, math.nan, 1.0])
    assert np.isfinite(got[:2]).all() and np.isnan(got[2:]).all()


def test_the_sweep_stops_above_diverge_times_the_best_or_at_a_non_finite_loss():
    assert not lf.should_stop(3.9, 1.0, 4.0)
    assert lf.should_stop(4.1, 1.0, 4.0)
    assert lf.should_stop(math.nan, 1.0) and lf.should_stop(math.inf, 1.0)
    lrs, loss = sweep_curve()
    smoothed = lf.smooth(loss)
    i = lf.stop_index(smoothed)
    assert i is not None
    best = smoothed[:i + 1].min()
    assert smoothed[i] > 4 * best and (smoothed[:i] <= 4 * np.minimum.accumulate(smoothed[:i])).all()
    assert lf.stop_index(smoothed, diverge=1e9) is None
    assert lf.stop_index([1.0, 0.9, math.nan, 0.5]) == 2


def test_valley_is_part_way_down_the_longest_descent():
    lrs = lf.sweep_rates(1e-7, 10.0, 100)
    s = np.concatenate([np.full(30, 2.3), np.linspace(2.3, 0.3, 41)[1:], np.linspace(0.4, 5, 30)])
    rate, idx = lf.valley(lrs, s)
    # the chain falls from the last flat point (29) to the bottom (69): a third plus a sixth of 40 in
    assert idx == 29 + 40 // 3 + 40 // 6
    assert rate == lrs[idx]


def test_valley_tolerates_noise_and_falls_back_without_a_descent():
    lrs, loss = sweep_curve(noise=0.05)
    smoothed = lf.smooth(loss)
    rate, _ = lf.valley(lrs, smoothed)
    assert 1e-4 < rate < 1e-1                              # on the falling part
    rising = np.linspace(1.0, 2.0, 20)
    rate, idx = lf.valley(lrs[:20], rising)
    assert idx == 0 and rate == lrs[0]


def test_minimum_over_ten():
    lrs = np.array([1e-3, 1e-2, 1e-1, 1.0])
    rate, idx = lf.minimum_tenth(lrs, np.array([2.0, 1.0, 0.5, 3.0]))
    assert idx == 2 and rate == pytest.approx(1e-2)


def test_steepest_is_the_most_negative_slope_before_the_minimum():
    lrs = np.logspace(-5, 0, 6)                            # equal steps in log10
    s = np.array([2.0, 1.9, 1.2, 1.0, 0.9, 3.0])
    rate, idx = lf.steepest(lrs, s)
    assert idx == 1 and rate == pytest.approx(1e-4)        # segment 1 -> 2 falls 0.7 per decade
    # a jolt down after the minimum (divergence noise) does not count
    s2 = np.array([2.0, 1.9, 1.7, 1.0, 6.0, 3.0])
    assert lf.steepest(lrs, s2)[1] == 2


def test_suggest_skips_the_ends_and_stops_at_the_first_non_finite_point():
    lrs, loss = sweep_curve()
    smoothed = lf.smooth(loss)
    stop = lf.stop_index(smoothed)
    rates = lf.suggest(lrs[:stop + 1], smoothed[:stop + 1], 100)
    assert list(rates) == list(lf.RULES)
    window = slice(10, stop + 1 - lf.SKIP_END)
    assert rates["minimum/10"] == pytest.approx(lrs[window][np.argmin(smoothed[window])] / 10)
    assert rates["valley"] == lf.valley(lrs[window], smoothed[window])[0]
    assert rates["steepest"] == lf.steepest(lrs[window], smoothed[window])[0]
    for rate in rates.values():
        assert 1e-7 <= rate <= 10
    with_nan = np.array([2.0, 1.8, 1.5, 1.0, math.nan, 0.1])
    assert lf.suggest(lrs[:6], with_nan)["minimum/10"] == pytest.approx(lrs[3] / 10)
    with pytest.raises(ValueError):
        lf.suggest(lrs[:3], [math.nan] * 3)


@pytest.mark.parametrize("kwargs, word", [({"start": 0.0}, "start"), ({"start": -1.0}, "start"),
                                          ({"start": math.nan}, "start"), ({"end": 1e-8}, "end"),
                                          ({"end": math.inf}, "end"), ({"steps": 9}, "steps"),
                                          ({"steps": 50.5}, "steps"), ({"beta": 1.0}, "beta"),
                                          ({"diverge": 1.0}, "diverge")])
def test_bad_sweep_settings_are_one_sentence_naming_the_argument(kwargs, word):
    settings = {"start": 1e-7, "end": 10.0, "steps": 100, **kwargs}
    with pytest.raises(UserError) as info:
        lf.check_sweep(**settings)
    message = str(info.value)
    assert message.startswith(word) and "got" in message and "\n" not in message
    with pytest.raises(UserError, match="^--start"):
        lf.check_sweep(-1.0, 10.0, 100, cli=True)


def test_rates_print_as_yaml_floats_and_the_train_command_keeps_the_overrides():
    for lr in (3e-5, 2.1e-3, 0.00052, 1.0, 10.0, 1.23456e-7):
        text = lf.format_rate(lr)
        value = yaml.safe_load(text)
        assert isinstance(value, float) and value == pytest.approx(lr, rel=0.05)
    cmd = lf.train_command("digits_mlp", "torch", ["training.batch_size=64", "optimizer.lr=0.5"], 3e-5)
    assert cmd == "dlcourse train digits_mlp -f torch --set training.batch_size=64 --set optimizer.lr=3.0e-05"
    assert lf.train_command("my config.yaml", None, [], 0.002) == \
        "dlcourse train 'my config.yaml' --set optimizer.lr=0.002"


def synthetic_result(stopped: bool = True) -> lf.LRFindResult:
    lrs, loss = sweep_curve(noise=0.05)
    smoothed = lf.smooth(loss)
    stop = lf.stop_index(smoothed) if stopped else len(lrs) - 1
    loss[stop] = math.nan if stopped else loss[stop]
    rates = lf.suggest(lrs[:stop + 1], smoothed[:stop + 1], 100)
    return lf.LRFindResult(lrs=list(lrs[:stop + 1]), losses=list(loss[:stop + 1]),
                           smoothed=list(smoothed[:stop + 1]), suggested=rates["valley"], rule="valley",
                           others={k: v for k, v in rates.items() if k != "valley"}, stopped_early=stopped,
                           framework="torch", seed=0)


def test_result_to_dict_is_plain_json():
    result = synthetic_result()
    data = result.to_dict()
    text = json.dumps(data, allow_nan=False)               # a non-finite loss became null
    back = json.loads(text)
    assert back["rule"] == "valley" and back["suggested"] == result.suggested
    assert back["losses"][-1] is None and back["steps_run"] == len(result.lrs)
    assert set(back["others"]) == {"minimum/10", "steepest"}
    assert result.rates == {"valley": result.suggested, **result.others}


def test_plot_writes_png_and_svg_with_the_rule_in_the_legend(tmp_path):
    from dlcourse.evaluation.lr_plot import plot_lr_find

    files = plot_lr_find(synthetic_result(), tmp_path / "plots" / "lr_find")
    assert sorted(f.name for f in files) == ["lr_find.png", "lr_find.svg"]
    assert all(f.stat().st_size > 1000 for f in files)
    svg = (tmp_path / "plots" / "lr_find.svg").read_text(encoding="utf-8")
    assert "(valley)" in svg and "minimum/10" in svg and "steepest" in svg
    assert list((tmp_path / "plots").glob(".*tmp")) == []


def test_a_sweep_that_fails_leaves_no_folder(tmp_path, monkeypatch):
    from dlcourse.config import load_config

    def broken(*args, **kwargs):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(lf, "_sweep", broken)
    with pytest.raises(RuntimeError, match="on purpose"):
        lf.lr_find_run(load_config("digits_mlp"), "torch", tmp_path / "runs")
    assert list((tmp_path / "runs").iterdir()) == []


def test_the_sweep_config_has_rate_one_and_a_constant_schedule():
    from dlcourse.config import load_config

    config = load_config("digits_cnn", ["training.schedule.name=cosine", "training.schedule.warmup_epochs=2",
                                        "optimizer.beta2=0.99"])
    swept = lf.sweep_config(config)
    assert swept.optimizer.lr == 1.0 and swept.optimizer.beta2 == 0.99 and swept.optimizer.name == "adam"
    assert swept.training.schedule.name == "constant"
    assert swept.training.batch_size == config.training.batch_size and swept.model == config.model
    assert config.optimizer.lr == 0.002                     # the original is untouched


def test_bad_input_exits_2_before_a_framework_is_imported(runs_dir):
    code = ("import sys; from dlcourse.cli import main\n"
            f"rc = main(['lr-find', 'digits_mlp', '--start', '-1', '--runs-dir', {str(runs_dir)!r}])\n"
            "print(rc, [m for m in ('torch', 'tensorflow', 'keras') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "2 []"
    assert out.stderr.count("\n") == 1 and "--start" in out.stderr
    assert not runs_dir.exists()


# ----------------------------------------------------------------------------- real sweeps
@pytest.mark.slow
def test_a_short_sweep_suggests_a_rate_restores_the_weights_and_repeats(framework, monkeypatch):
    from dlcourse.backends import get_backend
    from dlcourse.config import load_config

    backend = get_backend(framework)
    built = []
    original = backend.build_model

    def build_and_keep(*args, **kwargs):
        model = original(*args, **kwargs)
        built.append((model, [np.array(w, copy=True) for w in backend.get_weights(model)]))
        return model

    monkeypatch.setattr(backend, "build_model", build_and_keep)
    config = load_config("digits_mlp", ["training.batch_size=64"])
    first = lf.find_lr(config, framework, steps=60)
    assert len(first.lrs) <= 60 and first.framework == framework and first.seed == config.seed
    assert math.isfinite(first.suggested) and 1e-7 <= first.suggested <= 10.0
    assert first.rule == "valley" and set(first.others) == {"minimum/10", "steepest"}
    assert all(1e-7 <= v <= 10.0 for v in first.others.values())
    assert np.allclose(first.lrs, lf.sweep_rates(1e-7, 10.0, 60)[:len(first.lrs)], rtol=0, atol=0)
    assert np.allclose(first.smoothed, lf.smooth(first.losses, 0.98), equal_nan=True)
    model, initial = built[0]
    after = backend.get_weights(model)
    assert len(after) == len(initial)
    assert all(np.array_equal(a, b) for a, b in zip(after, initial))
    # the loss fell during the sweep: the model did learn at some rates
    assert min(first.smoothed) < first.smoothed[0] - 0.1

    second = lf.find_lr(config, framework, steps=60)
    assert second.lrs == first.lrs
    assert second.smoothed == first.smoothed
    assert second.suggested == first.suggested


@pytest.mark.slow
def test_the_command_writes_its_folder(cli, runs_dir):
    proc = cli("lr-find", "digits_mlp", "-f", "torch", "--steps", "40", "--runs-dir", str(runs_dir))
    assert proc.returncode == 0, proc.stderr
    folders = list(runs_dir.iterdir())
    assert len(folders) == 1 and folders[0].name.endswith("digits-mlp-lr-find-torch")
    folder = folders[0]
    data = json.loads((folder / "lr_find.json").read_text())
    assert data["framework"] == "torch" and data["steps"] == 40 and len(data["lrs"]) == data["steps_run"] <= 40
    assert (folder / "lr_find.png").stat().st_size > 1000 and (folder / "lr_find.svg").is_file()
    assert json.loads((folder / "status.json").read_text())["state"] == "complete"
    assert yaml.safe_load((folder / "config.yaml").read_text())["optimizer"]["lr"] == 0.001   # as given
    assert json.loads((folder / "environment.json").read_text())["framework"] == "torch"
    out = proc.stdout
    value = lf.format_rate(data["suggested"])
    assert f"suggested learning rate: {value} (valley)" in out
    assert "minimum/10" in out and "steepest" in out and str(folder) in out
    assert f"dlcourse train digits_mlp -f torch --set optimizer.lr={value}" in out


def test_bad_start_exits_2_with_one_line_and_no_folder(cli, runs_dir):
    proc = cli("lr-find", "digits_mlp", "-f", "torch", "--start", "-1", "--runs-dir", str(runs_dir))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: --start")
    assert not runs_dir.exists()
