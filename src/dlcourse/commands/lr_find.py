"""``dlcourse lr-find CONFIG``: the learning-rate range test, in either framework.

Only the standard library is imported here; the handler imports what it needs.
"""

from __future__ import annotations

import os

from dlcourse.frameworks import NAMES as FRAMEWORKS

RULE_CHOICES = ("valley", "minimum/10", "steepest")      # dlcourse.training.lr_find.RULES, without importing numpy


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "lr-find", help="find a learning rate: train a few mini-batches at growing rates and suggest one",
        description="The learning-rate range test (fast.ai's lr_find): one mini-batch per step at rates growing "
                    "exponentially from --start to --end, the loss smoothed, stopped when it diverges, the model's "
                    "weights restored. Writes a folder with lr_find.json and the plot (PNG and SVG), and prints the "
                    "suggested rate with the command that trains at it.")
    p.add_argument("config", help="YAML config file, or the name of a shipped config")
    p.add_argument("--framework", "-f", choices=FRAMEWORKS, help="framework (default: the config's)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. --set training.batch_size=64 (repeatable)")
    p.add_argument("--start", type=float, default=1e-7, help="first learning rate (default: 1e-7)")
    p.add_argument("--end", type=float, default=10.0, help="last learning rate (default: 10)")
    p.add_argument("--steps", type=int, default=100, help="mini-batches, one per rate (default: 100, at least 10)")
    p.add_argument("--rule", choices=RULE_CHOICES, default="valley",
                   help="how the rate is suggested (default: valley, fast.ai's; the others are printed too)")
    p.add_argument("--runs-dir", default=os.environ.get("DLCOURSE_RUNS_DIR", "runs"),
                   help="where the folder is written (default: ./runs or $DLCOURSE_RUNS_DIR)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress display")
    p.set_defaults(func=cmd_lr_find)


def cmd_lr_find(args) -> int:
    from dlcourse.training.lr_find import check_sweep

    check_sweep(args.start, args.end, args.steps, cli=True)       # before the config, data or a framework

    from dlcourse.config import load_config
    from dlcourse.training.lr_find import format_rate, lr_find_run, train_command
    from dlcourse.training.progress import make_reporter

    config = load_config(args.config, args.overrides)
    framework = args.framework or config.framework
    if not args.quiet:
        print(f"lr-find '{config.name}' with {framework} (seed {config.seed}, batch {config.training.batch_size}, "
              f"{config.optimizer.name}): {args.start:g} to {args.end:g} over {args.steps} steps", flush=True)
    result, path, files = lr_find_run(config, framework, args.runs_dir, args.start, args.end, args.steps,
                                      reporter=make_reporter(args.quiet), rule=args.rule)
    ran = len(result.lrs)
    if result.stopped_early:
        print(f"stopped at step {ran} of {args.steps} (learning rate {result.lrs[-1]:.2g}): the smoothed loss "
              f"exceeded {result.diverge:g} times its best")
    print(f"suggested learning rate: {format_rate(result.suggested)} ({result.rule})")
    print("other rules: " + ", ".join(f"{rule} {format_rate(lr)}" for rule, lr in result.others.items()))
    print(f"folder: {path}")
    plot = next((f for f in files if f.suffix == ".png"), None)
    if plot is not None:
        print(f"plot: {plot} (+ .svg)")
    print("train at that rate: " + train_command(args.config, args.framework, args.overrides, result.suggested))
    return 0
