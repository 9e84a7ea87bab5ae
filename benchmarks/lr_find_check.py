"""Does ``dlcourse lr-find`` suggest a learning rate as good as the best of a grid?

    .venv/bin/python benchmarks/lr_find_check.py [--configs digits_mlp digits_cnn] [--frameworks torch tensorflow]
                                                 [--epochs N] [--steps 100] [--seeds 1] [--rule valley] [--json OUT]
    .venv/bin/python benchmarks/lr_find_check.py --show benchmarks/results/lr_find.json

For each config and framework: run the range test (:func:`dlcourse.training.lr_find.find_lr`,
the config's own batch size and seed), then train the config
(:func:`dlcourse.training.runner.run_experiment`, runs in a temporary folder, no progress) at each
rule's suggestion (``valley``, ``minimum/10``, ``steepest``, rounded to two significant digits
as the command prints it) and at each rate of the grid 1e-4, 1e-3, 1e-2, 1e-1, 1, all with the
same epochs (``--epochs``, default the config's) and seed. The table gives the test accuracy of
each, the best of the grid, and whether each rule is within 0.01 (one point) of it; ``--rule``
names the rule the verdict line is about (the command's default: valley). With ``--seeds N`` the
whole check (split, initialisation, lr-find, every training) is repeated for N seeds and the mean
accuracies are compared: one test split of the digits has 360 images, so one point is under
four images and a single seed's comparison is mostly noise at that scale.

The test accuracy is measured, not used: nothing is chosen from it. Each framework runs in its
own process (``--worker``). Everything goes to ``benchmarks/results/lr_find.json`` (or ``--json``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import write_result  # noqa: E402

GRID = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
RULES = ("valley", "minimum/10", "steepest")                  # dlcourse.training.lr_find.RULES
TOLERANCE = 0.01
LABEL = {"torch": "PyTorch", "tensorflow": "Keras"}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--configs", nargs="+", default=["digits_mlp", "digits_cnn"])
    p.add_argument("--frameworks", nargs="+", choices=("torch", "tensorflow"), default=["torch", "tensorflow"])
    p.add_argument("--epochs", type=int, default=None, help="training epochs (default: each config's)")
    p.add_argument("--steps", type=int, default=100, help="lr-find steps (default: 100)")
    p.add_argument("--seeds", type=int, default=1,
                   help="repeat everything with seeds SEED, SEED+1, ... (the config's seed first) and compare the "
                        "mean accuracies (default: 1)")
    p.add_argument("--rule", choices=RULES, default="valley", help="the rule of the verdict line (default: valley)")
    p.add_argument("--json", type=Path, default=HERE / "results" / "lr_find.json")
    p.add_argument("--show", type=Path, metavar="JSON", help="print the table of a results file and exit")
    p.add_argument("--worker", choices=("torch", "tensorflow"), help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    return p.parse_args(argv)


# ----------------------------------------------------------------------------- worker (one framework)
def accuracy_at(config, framework: str, lr: float, runs: Path) -> float:
    """Test accuracy of ``config`` trained at rate ``lr`` (its own schedule, epochs and seed)."""
    from dlcourse.training.runner import run_experiment

    trained = config.model_copy(update={"optimizer": config.optimizer.model_copy(update={"lr": float(lr)})})
    return float(run_experiment(trained, framework, runs).metrics["test"]["accuracy"])


def worker(args) -> int:
    from dlcourse.config import load_config
    from dlcourse.training.lr_find import find_lr, format_rate

    rows = []
    with tempfile.TemporaryDirectory(prefix="dlcourse-lr-find-") as tmp:
        for name in args.configs:
            base = load_config(name, [f"training.epochs={args.epochs}"] if args.epochs else [])
            seeds = [base.seed + k for k in range(args.seeds)]
            runs = []
            for seed in seeds:                               # a new seed: a new split, initialisation and order
                config = base.model_copy(update={"seed": seed})
                t0 = time.perf_counter()
                found = find_lr(config, args.worker, steps=args.steps)
                find_seconds = time.perf_counter() - t0
                rates = {rule: float(format_rate(lr)) for rule, lr in found.rates.items()}
                t0 = time.perf_counter()
                rules = {rule: {"lr": lr, "accuracy": accuracy_at(config, args.worker, lr, Path(tmp))}
                         for rule, lr in rates.items()}
                grid = {f"{lr:g}": accuracy_at(config, args.worker, lr, Path(tmp)) for lr in GRID}
                runs.append({"seed": seed, "steps_run": len(found.lrs), "stopped_early": found.stopped_early,
                             "lr_find_seconds": find_seconds, "train_seconds": time.perf_counter() - t0,
                             "rules": rules, "grid": grid, "curve": {"lrs": found.lrs, "smoothed": found.smoothed}})
                print(f"{name} {args.worker} seed {seed}: "
                      + "  ".join(f"{r} {v['lr']:g}: {v['accuracy']:.4f}" for r, v in rules.items())
                      + "  grid " + "  ".join(f"{k}: {v:.4f}" for k, v in grid.items()), flush=True)
            rows.append({"config": name, "framework": args.worker, "epochs": base.training.epochs,
                         "batch_size": base.training.batch_size, "optimizer": base.optimizer.name,
                         "config_lr": base.optimizer.lr, "seeds": seeds,
                         "rules": {rule: {"lrs": [run["rules"][rule]["lr"] for run in runs],
                                          "accuracy": mean([run["rules"][rule]["accuracy"] for run in runs])}
                                   for rule in RULES},
                         "grid": {key: mean([run["grid"][key] for run in runs]) for key in runs[0]["grid"]},
                         "runs": runs})
    write_result(args.out, {"rows": rows})
    return 0


def mean(values: list[float]) -> float:
    return float(sum(values) / len(values))


# ----------------------------------------------------------------------------- driver
def run_worker(framework: str, args, out: Path) -> list[dict]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", framework, "--out", str(out),
           "--steps", str(args.steps), "--seeds", str(args.seeds), "--configs", *args.configs]
    if args.epochs:
        cmd += ["--epochs", str(args.epochs)]
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
                          cwd=HERE.parent)
    if proc.returncode != 0:
        raise SystemExit(f"error: the {framework} worker failed (exit {proc.returncode}); its output is above.")
    return json.loads(out.read_text(encoding="utf-8"))["rows"]


def verdicts(row: dict) -> dict:
    """Best of the grid, and for each rule: its accuracy minus the best, and whether it is within tolerance."""
    best_lr, best = max(row["grid"].items(), key=lambda kv: kv[1])
    out = {"best_lr": best_lr, "best": best}
    for rule, got in row["rules"].items():
        gap = got["accuracy"] - best
        out[rule] = {"gap": gap, "within": gap >= -TOLERANCE - 1e-12}
    return out


def rate_range(lrs: list[float]) -> str:
    """``0.0049`` for one rate (or equal ones), ``0.0036-0.0052`` for the range of several."""
    low, high = min(lrs), max(lrs)
    return f"{low:.2g}" if low == high else f"{low:.2g}-{high:.2g}"


def print_table(rows: list[dict], rule: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=240)
    seeds = len(rows[0]["seeds"])
    what = "test accuracy" if seeds == 1 else f"mean test accuracy over {seeds} seeds"
    t = Table(title=f"lr-find check: {what} (within: at most {TOLERANCE:g} below the grid's best)")
    t.add_column("config")
    t.add_column("framework")
    t.add_column("epochs", justify="right")
    for r in RULES:
        t.add_column(f"{r}\nlr / acc", justify="right")
    for lr in GRID:
        t.add_column(f"{lr:g}", justify="right")
    t.add_column("best of grid", justify="right")
    for r in RULES:
        t.add_column(f"{r}\nwithin", justify="center")
    for row in rows:
        v = verdicts(row)
        cells = [row["config"], LABEL[row["framework"]], str(row["epochs"])]
        cells += [f"{rate_range(row['rules'][r]['lrs'])} / {row['rules'][r]['accuracy']:.4f}" for r in RULES]
        cells += [f"{row['grid'][f'{lr:g}']:.4f}" for lr in GRID]
        cells.append(f"{v['best']:.4f} ({v['best_lr']})")
        cells += [("yes" if v[r]["within"] else "no") + f" ({v[r]['gap']:+.4f})" for r in RULES]
        t.add_row(*cells)
    console.print(t)
    ok = [verdicts(row)[rule]["within"] for row in rows]
    console.print(f"{rule}: within {TOLERANCE:g} of the grid's best in {sum(ok)} of {len(ok)} cases.")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    if args.show:
        try:
            print_table(json.loads(args.show.read_text(encoding="utf-8"))["rows"], args.rule)
        except (OSError, ValueError, KeyError) as exc:
            raise SystemExit(f"error: cannot read the results file '{args.show}' ({exc!r}).") from None
        return 0
    t0 = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix="dlcourse-lr-find-check-") as tmp:
        for framework in args.frameworks:
            rows += run_worker(framework, args, Path(tmp) / f"{framework}.json")
    print_table(rows, args.rule)
    command = " ".join([".venv/bin/python", "benchmarks/lr_find_check.py", *(sys.argv[1:] if argv is None else argv)])
    write_result(args.json, {"command": command.strip(), "grid": list(GRID), "tolerance": TOLERANCE,
                             "seconds": time.perf_counter() - t0,
                             "rows": [{**row, "verdict": verdicts(row)} for row in rows]})
    print(f"wrote {args.json} ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
