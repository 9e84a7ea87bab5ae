"""The learning-rate range test (``dlcourse lr-find``), framework-free: it uses only the backend contract.

The model is trained for a few dozen mini-batches while the learning rate grows exponentially
from ``start`` to ``end``; the loss, smoothed, first falls, then flattens, then explodes. A good
rate for training lies on the falling part. The algorithm is the one of fast.ai's ``lr_find``
and Lightning's ``lr_find``:

* step ``i`` (0-based) of ``steps`` uses ``lr_i = start * (end / start) ** (i / (steps - 1))``,
  one mini-batch per step, the batches taken from the run's seeded epoch order;
* the loss is smoothed by an exponential moving average with bias correction
  (:func:`smooth`);
* the sweep stops when the smoothed loss exceeds ``diverge`` times its best value so far, or is
  not finite (:func:`should_stop`);
* the model's initial weights are restored afterwards;
* the rate is suggested by one of three rules (:data:`RULES`, see :func:`suggest`).

Usage::

    result = find_lr(load_config("digits_mlp"), "torch")
    print(result.suggested, result.rule, result.others)
"""

from __future__ import annotations

import math
import shlex
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from dlcourse.errors import ConfigError, TrainingDiverged, UserError

#: The suggestion rules, in the order they are reported; the first is the default.
RULES = ("valley", "minimum/10", "steepest")
#: Points left out of the suggestions at the start (a tenth of the requested steps) and at the end (as fast.ai).
SKIP_END = 5


# ----------------------------------------------------------------------------- the sweep's arithmetic
def check_sweep(start: float, end: float, steps: int, beta: float = 0.98, diverge: float = 4.0,
                cli: bool = False) -> None:
    """Refuse sweep settings that cannot work, in one sentence naming the argument.

    ``cli``: name the arguments as the command-line options (``--start``) rather than the
    function's parameters (``start``).
    """
    name = (lambda arg: f"--{arg}") if cli else (lambda arg: arg)

    def real(value) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)

    if not real(start) or start <= 0:
        raise UserError(f"{name('start')} must be a finite learning rate greater than 0, got {start!r}.",
                        f"Use a small rate such as {name('start')} 1e-7.")
    if not real(end) or end <= start:
        raise UserError(f"{name('end')} must be a finite learning rate greater than {name('start')} ({start!r}), "
                        f"got {end!r}.", f"Use a large rate such as {name('end')} 10.")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 10:
        raise UserError(f"{name('steps')} must be an integer of at least 10, got {steps!r}.",
                        f"Use {name('steps')} 100 (fast.ai's default).")
    if not real(beta) or not 0 <= beta < 1:
        raise UserError(f"beta must be a smoothing factor in [0, 1), got {beta!r}.", "Use beta=0.98.")
    if not real(diverge) or diverge <= 1:
        raise UserError(f"diverge must be a factor greater than 1, got {diverge!r}.", "Use diverge=4.0.")


def sweep_rates(start: float, end: float, steps: int) -> np.ndarray:
    """``(steps,) float64``: ``start * (end / start) ** (i / (steps - 1))``, from ``start`` to ``end`` inclusive."""
    i = np.arange(steps, dtype=np.float64)
    return start * (end / start) ** (i / (steps - 1))


def smooth(losses, beta: float = 0.98) -> np.ndarray:
    """Exponential moving average of ``losses: (m,)`` with bias correction; returns ``(m,) float64``.

    ``avg_i = beta * avg_{i-1} + (1 - beta) * loss_i`` with ``avg_{-1} = 0``, and the value
    reported is ``avg_i / (1 - beta ** (i + 1))`` (without the correction the first values would
    be pulled towards 0). One non-finite loss makes every later value non-finite.
    """
    losses = np.asarray(losses, np.float64)
    out = np.empty(len(losses), np.float64)
    avg = 0.0
    for i, loss in enumerate(losses):
        avg = beta * avg + (1.0 - beta) * loss
        out[i] = avg / (1.0 - beta ** (i + 1))
    return out


def should_stop(smoothed: float, best: float, diverge: float = 4.0) -> bool:
    """Whether the sweep stops at a point whose smoothed loss is ``smoothed``, ``best`` being the lowest
    smoothed loss so far (this point included): not finite, or above ``diverge * best``."""
    return not math.isfinite(smoothed) or smoothed > diverge * best


def stop_index(smoothed, diverge: float = 4.0) -> int | None:
    """The index of the first point of ``smoothed: (m,)`` at which :func:`should_stop` stops the sweep, or None."""
    best = math.inf
    for i, value in enumerate(np.asarray(smoothed, np.float64)):
        if math.isfinite(value):
            best = min(best, float(value))
        if should_stop(float(value), best, diverge):
            return i
    return None


# ----------------------------------------------------------------------------- the suggestion rules
def _window(n: int, steps: int) -> slice:
    """The points the rules look at, out of ``n`` finite ones of a sweep of ``steps``: without the first
    tenth of the requested steps (the loss has hardly moved there) and the last :data:`SKIP_END` points
    (where it turns up); the whole curve when that would leave fewer than 5 points."""
    begin, stop = steps // 10, n - SKIP_END
    return slice(begin, stop) if stop - begin >= 5 else slice(0, n)


def valley(lrs, smoothed) -> tuple[float, int]:
    """fast.ai's default rule: about half-way into the longest falling stretch of the curve.

    ``lrs, smoothed: (m,)``. For every point, take the longest chain of earlier points that ends
    there, each point of the chain lower than the one before (the chain may skip points, so a
    little noise does not break it; of equally long chains, the one whose last point is nearest).
    The longest of all these chains is the valley: from its first point ``b`` to its last ``e``
    (the first of the longest to end). The suggestion is the point ``b + floor(d/3) + floor(d/6)``,
    ``d = e - b``, about half-way down (a third, plus half a third, each rounded down): far enough
    from the start to learn quickly, far enough from the bottom, where the loss is about to rise.
    fast.ai places ``b`` at ``e`` minus the chain's length; this rule uses the chain's own first point.

    Returns ``(rate, index)``. A curve that never falls has no valley: the index of its lowest point.
    """
    s = np.asarray(smoothed, np.float64)
    n = len(s)
    length = np.ones(n, np.int64)                  # the longest falling chain ending at each point
    first = np.arange(n)                           # where that chain begins
    for i in range(1, n):
        higher = np.flatnonzero(s[:i] > s[i])
        if len(higher):
            j = higher[np.flatnonzero(length[higher] == length[higher].max())[-1]]   # the nearest longest chain
            length[i], first[i] = length[j] + 1, first[j]
    end = int(np.argmax(length))                   # the first point where the longest chain ends
    if length[end] == 1:
        idx = int(np.argmin(s))
        return float(lrs[idx]), idx
    begin = int(first[end])
    span = end - begin
    idx = begin + span // 3 + span // 6
    return float(lrs[idx]), idx


def minimum_tenth(lrs, smoothed) -> tuple[float, int]:
    """A tenth of the rate at the lowest smoothed loss (the loss is about to rise there).

    ``lrs, smoothed: (m,)``; returns ``(rate, index of the lowest point)``."""
    idx = int(np.argmin(np.asarray(smoothed, np.float64)))
    return float(lrs[idx]) / 10.0, idx


def steepest(lrs, smoothed) -> tuple[float, int]:
    """The rate where the smoothed loss falls fastest against ``log10(lr)``, before its lowest point.

    ``lrs, smoothed: (m,)``; the slope of segment ``k`` is
    ``(smoothed[k+1] - smoothed[k]) / (log10 lrs[k+1] - log10 lrs[k])``; returns the rate at the
    left end of the most negative segment, and its index. Only the segments up to the lowest
    point count: past it the loss is diverging, and a jolt down there (a sweep that never crossed
    the stop threshold) would otherwise win over the real descent."""
    s, x = np.asarray(smoothed, np.float64), np.log10(np.asarray(lrs, np.float64))
    last = int(np.argmin(s))
    if last < 1:
        return float(lrs[0]), 0
    idx = int(np.argmin(np.diff(s[:last + 1]) / np.diff(x[:last + 1])))
    return float(lrs[idx]), idx


RULE_FUNCTIONS = {"valley": valley, "minimum/10": minimum_tenth, "steepest": steepest}


def suggest(lrs, smoothed, steps: int | None = None) -> dict[str, float]:
    """Every rule's rate for a sweep: ``{'valley': ..., 'minimum/10': ..., 'steepest': ...}``.

    ``lrs, smoothed: (m,)`` the rates and smoothed losses recorded (the point that stopped the sweep
    included), ``steps`` the steps requested (default ``m``). The rules see the finite points,
    without the first tenth of ``steps`` and the last :data:`SKIP_END` (as fast.ai). Raises
    ``ValueError`` when no point is finite.
    """
    lrs, s = np.asarray(lrs, np.float64), np.asarray(smoothed, np.float64)
    finite = np.isfinite(s)
    stop = len(s) if finite.all() else int(np.argmin(finite))   # the curve up to its first non-finite value
    if stop == 0:
        raise ValueError("no finite loss to suggest a rate from")
    window = _window(stop, steps if steps is not None else len(s))
    lrs, s = lrs[:stop][window], s[:stop][window]
    return {rule: RULE_FUNCTIONS[rule](lrs, s)[0] for rule in RULES}


# ----------------------------------------------------------------------------- the result
@dataclass
class LRFindResult:
    """The outcome of :func:`find_lr`.

    ``lrs, losses, smoothed``: ``(m,) float`` lists, one value per step run (``m <= steps``): the
    rate used, the mini-batch's loss before its update, and the smoothed loss. ``suggested``: the
    rate of the rule named by ``rule``; ``others``: ``{rule: rate}`` for the other rules.
    ``stopped_early``: the smoothed loss diverged before the last step.
    """

    lrs: list[float]
    losses: list[float]
    smoothed: list[float]
    suggested: float
    rule: str
    others: dict[str, float]
    stopped_early: bool
    framework: str
    seed: int
    config_name: str = ""
    start: float = 1e-7
    end: float = 10.0
    steps: int = 100
    beta: float = 0.98
    diverge: float = 4.0
    batch_size: int = 0
    optimizer: str = ""
    settings: dict = field(default_factory=dict)

    @property
    def rates(self) -> dict[str, float]:
        """Every rule's rate, the suggested one first."""
        return {self.rule: self.suggested, **self.others}

    def to_dict(self) -> dict:
        """Plain JSON data (a non-finite loss becomes ``None``)."""
        data = asdict(self)
        for key in ("losses", "smoothed"):
            data[key] = [v if math.isfinite(v) else None for v in data[key]]
        data["steps_run"] = len(self.lrs)
        return data


def sweep_config(config):
    """``config`` with ``optimizer.lr = 1.0`` and a constant schedule (the optimizer's other settings kept):
    the engine's rate is then exactly the factor given to ``set_lr_factor``."""
    from dlcourse.config import Schedule

    training = config.training.model_copy(update={"schedule": Schedule(name="constant")})
    return config.model_copy(update={"optimizer": config.optimizer.model_copy(update={"lr": 1.0}),
                                     "training": training})


def _prepare(config, framework: str | None):
    """The data exactly as a training run prepares it (:func:`~dlcourse.training.runner.prepare_data`: same
    splits, backbone, teaching errors), before any framework is imported. Returns ``(config, prepared,
    splits)``, ``config`` with its framework set and its backbone resolved."""
    from dlcourse.training.runner import prepare_data, process_rank

    prepared = prepare_data(config, framework or config.framework)
    config, splits = prepared.config, prepared.splits
    _, world, launcher = process_rank(config)
    if launcher is not None:
        raise ConfigError(f"lr-find runs in one process; this one was started as one of {world} processes "
                          f"({launcher}).", "Run 'dlcourse lr-find' on its own, without torchrun or TF_CONFIG.")
    if len(splits.x_train) == 0:
        raise ConfigError("lr-find needs training samples; the training split is empty.",
                          "Lower data.val_fraction or data.test_fraction.")
    return config, prepared, splits


def _sweep(config, prepared, splits, start: float, end: float, steps: int, beta: float, diverge: float,
           reporter, rule: str, on_runtime=None) -> LRFindResult:
    """Set up the runtime, build the model, sweep, restore the weights; see :func:`find_lr`."""
    from dlcourse.backends import get_backend
    from dlcourse.data.batches import epoch_order, steps_per_epoch, targets
    from dlcourse.training.progress import Reporter
    from dlcourse.training.runner import start_runtime
    from dlcourse.training.transfer import apply_backbone

    reporter = reporter or Reporter()
    framework, seed, tcfg = config.framework, config.seed, config.training
    backend = get_backend(framework)
    shape = prepared.dataset.feature_shape
    settings = start_runtime(backend, config, shape)
    if on_runtime is not None:
        on_runtime(backend, settings)
    model = backend.build_model(config.model, shape, seed=seed)
    apply_backbone(backend, model, prepared.backbone_weights)   # a backbone run's layers, as a run starts
    initial = [np.array(w, copy=True) for w in backend.get_weights(model)]

    x = np.asarray(splits.x_train, np.float32)              # (n, *shape)
    y = targets(splits.y_train, config.task)                # (n,) int64 or (n, k) float32
    n, bs = len(x), tcfg.batch_size
    per_epoch = steps_per_epoch(n, bs)
    planned = sweep_rates(start, end, steps)
    lrs: list[float] = []
    losses: list[float] = []
    smoothed: list[float] = []
    avg, best, stopped = 0.0, math.inf, False
    reporter.start(1, steps)
    reporter.epoch_start(1)
    try:
        engine = backend.make_engine(model, sweep_config(config), x, y)
        order = None
        for i in range(steps):
            epoch, step = divmod(i, per_epoch)
            if step == 0:                                    # the run's own order, epoch after epoch
                order = epoch_order(seed, epoch + 1, n, tcfg.shuffle)
            engine.set_lr_factor(float(planned[i]))
            done, batch_losses, _ = engine.run(order[step * bs:(step + 1) * bs])
            loss = float(batch_losses[-1]) if done else math.nan
            avg = beta * avg + (1.0 - beta) * loss
            value = avg / (1.0 - beta ** (i + 1))
            lrs.append(float(planned[i]))
            losses.append(loss)
            smoothed.append(value)
            if math.isfinite(value):
                best = min(best, value)
            reporter.step(i + 1, loss if math.isfinite(loss) else None)
            if should_stop(value, best, diverge):
                stopped = i < steps - 1
                break
    finally:
        reporter.close()
        backend.set_weights(model, initial)                 # the model is left as built
    try:
        rates = suggest(lrs, smoothed, steps)
    except ValueError:
        raise TrainingDiverged(f"the loss was {losses[0]} from the first step of lr-find (learning rate {start:g}), "
                               "so no rate can be suggested. Check the data (data.scaling: standard) and the "
                               "model's output layer.") from None
    return LRFindResult(lrs=lrs, losses=losses, smoothed=smoothed, suggested=rates[rule], rule=rule,
                        others={k: v for k, v in rates.items() if k != rule}, stopped_early=stopped,
                        framework=framework, seed=seed, config_name=config.name, start=float(start),
                        end=float(end), steps=int(steps), beta=float(beta), diverge=float(diverge),
                        batch_size=int(bs), optimizer=config.optimizer.name, settings=settings)


def _check_rule(rule: str) -> None:
    if rule not in RULES:
        from dlcourse.errors import did_you_mean

        raise UserError(f"rule must be one of {', '.join(RULES)}, got {rule!r}.{did_you_mean(rule, RULES)}")


def find_lr(config, framework: str | None = None, start: float = 1e-7, end: float = 10.0, steps: int = 100,
            beta: float = 0.98, diverge: float = 4.0, reporter=None, rule: str = "valley") -> LRFindResult:
    """Run the learning-rate range test on ``config``'s training split with ``framework`` (default: the config's).

    The data are prepared as :func:`~dlcourse.training.runner.run_experiment` prepares them (same
    splits, scaling and seed, same errors), the runtime is seeded with ``config.seed``, the model
    built as a run builds it. Step ``i`` trains one mini-batch of ``training.batch_size`` rows at
    ``start * (end / start) ** (i / (steps - 1))`` (the config's optimizer with its other settings,
    a constant schedule), the batches in the run's seeded epoch order, over further epochs when
    ``steps`` exceeds one. The sweep stops early when the smoothed loss (:func:`smooth`, ``beta``)
    exceeds ``diverge`` times its best value, or is not finite. The model's initial weights are
    restored afterwards. ``rule`` (one of :data:`RULES`) chooses the suggested rate; the others are
    reported too. The same config and seed give the same curve.

    ``reporter``: a :class:`~dlcourse.training.progress.Reporter` (one "epoch" of ``steps`` steps).
    """
    check_sweep(start, end, steps, beta, diverge)
    _check_rule(rule)
    config, prepared, splits = _prepare(config, framework)
    return _sweep(config, prepared, splits, start, end, steps, beta, diverge, reporter, rule)


# ----------------------------------------------------------------------------- the command's run folder
def format_rate(lr: float) -> str:
    """A rate with two significant digits, written so that YAML reads it as a float (``3.0e-05``, ``0.0021``, ``1.0``)."""
    text = f"{lr:.2g}"
    mantissa, _, exponent = text.partition("e")
    if "." not in mantissa:
        text = f"{mantissa}.0" + (f"e{exponent}" if exponent else "")
    return text


def train_command(config_source: str, framework: str | None, overrides: list[str], lr: float) -> str:
    """The ``dlcourse train`` command line that trains ``config_source`` with ``overrides`` at rate ``lr``."""
    kept = [o for o in overrides if o.split("=", 1)[0].strip() != "optimizer.lr"]
    parts = ["dlcourse", "train", config_source] + (["-f", framework] if framework else [])
    for item in kept + [f"optimizer.lr={format_rate(lr)}"]:
        parts += ["--set", item]
    return shlex.join(parts)


def lr_find_run(config, framework: str | None = None, runs_dir: str | Path = "runs", start: float = 1e-7,
                end: float = 10.0, steps: int = 100, beta: float = 0.98, diverge: float = 4.0, reporter=None,
                rule: str = "valley") -> tuple[LRFindResult, Path, list[Path]]:
    """:func:`find_lr`, recorded in a run folder ``<runs_dir>/<stamp>-<name>-lr-find-<framework>/``.

    The folder holds ``config.yaml`` (the config as given), ``environment.json``, ``lr_find.json``
    (:meth:`LRFindResult.to_dict`) and ``lr_find.png`` / ``.svg`` (:func:`~dlcourse.evaluation.lr_plot.plot_lr_find`).
    It is created once the data are valid; if anything fails or is interrupted, it is removed.
    Returns ``(result, folder, plot files)``.
    """
    from dlcourse.evaluation.lr_plot import plot_lr_find
    from dlcourse.runs import RunFolder

    check_sweep(start, end, steps, beta, diverge)
    _check_rule(rule)
    config, prepared, splits = _prepare(config, framework)
    run = RunFolder.create(runs_dir, f"{config.name}-lr-find", config.framework)
    try:
        def record(backend, settings):
            run.write_config(config.to_dict())
            run.write_environment(config.framework, settings, {"backend": backend.versions(),
                                                               "splits": splits.sizes()})

        result = _sweep(config, prepared, splits, start, end, steps, beta, diverge, reporter, rule, on_runtime=record)
        files = plot_lr_find(result, run.path / "lr_find")
        run.write_json("lr_find.json", result.to_dict())
        path = run.finish()
    except BaseException:
        run.discard()
        raise
    return result, path, files
