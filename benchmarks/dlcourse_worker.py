"""dlcourse on the benchmark's data, through ``dlcourse.training.runner.run_experiment``.

Run by ``bench_cpu.py``, one framework per process::

    python benchmarks/dlcourse_worker.py torch --data DIR --epochs 5 --out result.json
    python benchmarks/dlcourse_worker.py tensorflow --data DIR --recipe fast --out result.json
    python benchmarks/dlcourse_worker.py torch --model cnn --data DIR --epochs 5 --out result.json

``--model mlp`` (the default), ``--recipe course`` (the default) trains the course's model with the
course's hyper-parameters: Flatten, Dense 128 relu, Dense 10; Adam lr 1e-3 (epsilon as each
framework's course code has it: 1e-8 for PyTorch, 1e-7 for Keras); batch 64 for PyTorch, 32 for
Keras; no validation split, so the per-epoch seconds of the run's history are training only.
Everything else is dlcourse's default.

``--model cnn`` trains the shipped config ``configs/mnist_cnn.yaml`` as it is written (its layers,
initialiser, optimizer and batch size: conv 32 -> pool -> conv 64 -> pool -> flatten -> dropout 0.5
-> dense 10, Adam lr 1e-3 epsilon 1e-7, batch 64, in both frameworks) on the benchmark's data, with
the same changes as the MLP: the data path, no validation split, ``--epochs`` and ``--seed``.

``--recipe fast`` (MLP only) trains the documented time-to-accuracy recipe; see :func:`apply_fast_recipe`.
"""

from __future__ import annotations

import copy
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import peak_rss_mb, worker_parser, write_result  # noqa: E402

COURSE_BATCH = {"torch": 64, "tensorflow": 32}
COURSE_ADAM_EPS = {"torch": 1e-8, "tensorflow": 1e-7}
CNN_CONFIG = "mnist_cnn"                                    # a shipped config (configs/mnist_cnn.yaml)


def course_config(data: Path, framework: str, epochs: int, seed: int) -> dict:
    """The raw config of the course's classification example for ``framework`` (before validation)."""
    return {
        "name": f"bench-course-{framework}",
        "task": "classification",
        "framework": framework,
        "seed": seed,
        "data": {"dataset": "mnist", "options": {"path": str(Path(data) / "idx")}, "val_fraction": 0.0,
                 "scaling": "range"},
        "model": {"layers": [{"type": "flatten"},
                             {"type": "dense", "units": 128, "activation": "relu"},
                             {"type": "dense", "units": 10}]},
        "optimizer": {"name": "adam", "lr": 1e-3, "eps": COURSE_ADAM_EPS[framework]},
        "training": {"epochs": epochs, "batch_size": COURSE_BATCH[framework]},
    }


def cnn_config(data: Path, framework: str, epochs: int, seed: int) -> dict:
    """The raw config of ``configs/mnist_cnn.yaml`` on the benchmark's data for ``framework`` (before validation).

    Model (layers, init), optimizer and batch size are the shipped file's; the data path, the
    validation split (none), the epochs and the seed are the benchmark's.
    """
    from dlcourse.config import read_yaml, resolve_config_path

    shipped = read_yaml(resolve_config_path(CNN_CONFIG))
    return {
        "name": f"bench-cnn-{framework}",
        "task": shipped["task"],
        "framework": framework,
        "seed": seed,
        "data": {**shipped["data"], "options": {"path": str(Path(data) / "idx")}, "val_fraction": 0.0},
        "model": shipped["model"],
        "optimizer": shipped["optimizer"],
        "training": {"epochs": epochs, "batch_size": shipped["training"]["batch_size"]},
    }


# ============================================================================= the fast recipe
# The place where ``--recipe fast`` plugs in. By default the recipe is dlcourse's own:
# ``dlcourse.training.recipes.recipe_overrides("fast")`` (the ``key=value`` overrides that
# ``dlcourse train --recipe fast`` applies), applied to the course config with
# ``dlcourse.config.apply_overrides``. RECIPE_FAST, when set, replaces it with raw config changes
# merged section by section (e.g. {"training": {"epochs": 3, "batch_size": 256}}).
RECIPE_FAST: dict | None = None


def apply_fast_recipe(raw: dict) -> tuple[dict | None, str]:
    """``raw`` with the fast recipe applied and where the recipe came from, or ``(None, why not)``."""
    if RECIPE_FAST is not None:
        return merge(raw, RECIPE_FAST), "benchmarks/dlcourse_worker.py RECIPE_FAST"
    try:
        from dlcourse.training.recipes import recipe_overrides
    except ImportError:
        return None, "dlcourse has no dlcourse.training.recipes.recipe_overrides"
    from dlcourse.config import apply_overrides
    from dlcourse.errors import UserError

    try:
        overrides = recipe_overrides("fast")
        return apply_overrides(raw, overrides), "dlcourse.training.recipes: " + "; ".join(overrides)
    except UserError as exc:
        return None, f"dlcourse refuses the fast recipe: {exc}"


def merge(base: dict, changes: dict) -> dict:
    """``base`` with ``changes`` merged in, section by section (a new dict)."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class FirstStep:
    """A dlcourse reporter that notes when the first training step is done (seconds since launch)."""

    def __init__(self, launch: float):
        from dlcourse.training.progress import Reporter

        class _Reporter(Reporter):
            def step(inner, done, loss=None):  # noqa: N805
                if self.seconds is None:
                    self.seconds = time.time() - launch

        self.seconds: float | None = None
        self.reporter = _Reporter()


def main(argv=None) -> int:
    parser = worker_parser("dlcourse's run_experiment on the benchmark data, timed.")
    parser.add_argument("framework", choices=["torch", "tensorflow"])
    parser.add_argument("--recipe", choices=["course", "fast"], default="course")
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp",
                        help="the course's MLP, or the shipped CNN config (configs/mnist_cnn.yaml)")
    args = parser.parse_args(argv)
    if args.model == "cnn" and args.recipe != "course":
        parser.error("--recipe fast is measured for the MLP only")
    launch = args.launch if args.launch is not None else time.time()

    from dlcourse.config import validate_config
    from dlcourse.errors import ConfigError
    from dlcourse.training.runner import run_experiment

    make_config = cnn_config if args.model == "cnn" else course_config
    raw = make_config(args.data, args.framework, args.epochs, args.seed)
    result = {"name": "dlcourse" if args.recipe == "course" else "recipe_fast", "framework": args.framework,
              "recipe": args.recipe, "model": args.model}
    if args.recipe == "fast":
        changed, source = apply_fast_recipe(raw)
        result["recipe_source"] = source
        if changed is None:
            write_result(args.out, {**result, "available": False, "reason": source})
            return 0
        raw = {**changed, "name": f"bench-fast-{args.framework}"}
    try:
        config = validate_config(raw, source="benchmark config")
    except ConfigError as exc:
        if args.recipe == "fast":
            write_result(args.out, {**result, "available": False, "reason": str(exc)})
            return 0
        raise
    first = FirstStep(launch)
    with tempfile.TemporaryDirectory(prefix="dlcourse-bench-runs-") as runs_dir:
        run = run_experiment(config, args.framework, runs_dir, first.reporter)
        environment = json.loads((run.path / "environment.json").read_text(encoding="utf-8"))
    history = run.history
    result.update({
        "available": True,
        "batch_size": config.training.batch_size,
        "epochs": len(history),
        "epoch_seconds": [float(row["seconds"]) for row in history],
        "train_accuracy": [float(row.get("accuracy", float("nan"))) for row in history],
        "final_test_accuracy": float(run.metrics["test"]["accuracy"]),
        "train_seconds": float(run.seconds),
        "first_step_seconds": first.seconds,
        "peak_rss_mb": peak_rss_mb(),
        "wall_seconds": time.time() - launch,
        "n_train": int(environment.get("splits", {}).get("train", 0)),
        "n_test": int(environment.get("splits", {}).get("test", 0)),
        "settings": environment.get("settings", {}),
        "training": config.training.model_dump(mode="json"),
        "optimizer": config.optimizer.model_dump(mode="json"),
        "layers": [layer.label() for layer in config.model.layers],
        "params": run.metrics.get("params"),
        "versions": environment.get("backend", {}),
    })
    write_result(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
