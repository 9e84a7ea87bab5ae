"""The ``dlcourse`` command-line tool.

Start-up stays fast: this module imports only the standard library; each
command imports what it needs when it runs. Feature areas add their commands
through a ``register(subparsers)`` function in ``dlcourse/commands/<area>.py``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from dlcourse import __version__
from dlcourse.frameworks import NAMES as FRAMEWORKS

# Feature areas that contribute sub-commands (each module: register(subparsers)).
EXTENSIONS = (
    "dlcourse.commands.data",
    "dlcourse.commands.evaluation",
    "dlcourse.commands.lessons",
    "dlcourse.commands.improve",
    "dlcourse.commands.weights",
    "dlcourse.commands.lr_find",
    "dlcourse.commands.configs",
    "dlcourse.commands.classroom",
)


def _add_train(sub) -> None:
    p = sub.add_parser("train", help="train one experiment config with one framework",
                       description="Train CONFIG (a YAML file, or a shipped config name such as digits_mlp).")
    p.add_argument("config", nargs="?", help="YAML config file, or the name of a shipped config")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue an interrupted run from its newest checkpoint")
    p.add_argument("--recipe", help="apply a named training recipe before --set (fast: MLPs on MNIST reach the "
                                    "course's accuracy in a fraction of its time; refused where not measured)")
    p.add_argument("--framework", "-f", choices=FRAMEWORKS, help="framework (default: the config's)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. --set training.epochs=5 (repeatable)")
    p.add_argument("--runs-dir", default=os.environ.get("DLCOURSE_RUNS_DIR", "runs"),
                   help="where run folders are written (default: ./runs or $DLCOURSE_RUNS_DIR)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"),
                   help="where to train (default: the config's runtime.device, auto: CUDA, else MPS, else CPU)")
    p.add_argument("--precision", choices=("32", "bf16", "16-mixed"),
                   help="float32, bfloat16 compute, or float16 with loss scaling on CUDA (default: runtime.precision)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress display")
    p.add_argument("--result-json", help=argparse.SUPPRESS)
    p.set_defaults(func=_cmd_train)


def _cmd_train(args) -> int:
    from pathlib import Path

    from dlcourse.config import load_config
    from dlcourse.runs import RunFolder, write_json
    from dlcourse.training.progress import make_reporter
    from dlcourse.training.runner import run_experiment

    from dlcourse.errors import UserError
    from dlcourse.training.runner import load_run_config, process_rank

    if args.resume:
        if args.config or args.overrides or args.framework or args.recipe or args.device or args.precision:
            raise UserError("--resume continues a run with its own recorded config; "
                            "do not give CONFIG, --set, --recipe, --framework, --device or --precision with it.")
        config = load_run_config(RunFolder.open(args.resume).path)
    elif not args.config:
        raise UserError("train needs a CONFIG (a YAML file or a shipped config name) or --resume RUN_DIR.")
    else:
        from dlcourse.training.recipes import check_applies, recipe_overrides

        runtime = [f"runtime.{key}={value}" for key, value in (("device", args.device), ("precision", args.precision))
                   if value]
        config = load_config(args.config, recipe_overrides(args.recipe) + runtime + args.overrides)
        check_applies(args.recipe, config)
    framework = args.framework or config.framework
    args.quiet = args.quiet or process_rank(config)[0] > 0       # in a distributed run, the first process speaks
    reporter = make_reporter(args.quiet)
    if not args.quiet:
        verb = "resuming" if args.resume else "training"
        print(f"{verb} '{config.name}' with {framework} (seed {config.seed})", flush=True)
    result = run_experiment(config, framework, args.runs_dir, reporter, resume=args.resume, catch_signals=True)
    if args.result_json and result.path is not None:
        write_json(Path(args.result_json),
                   {"path": str(result.path), "framework": framework, "metrics": result.metrics})
    if not args.quiet:
        test = result.metrics["test"]
        shown = "  ".join(f"{k} {v:.4f}" for k, v in test.items() if k in ("accuracy", "f1_macro", "mse", "mae", "r2"))
        print(f"test: {shown}")
        print(f"run folder: {result.path}")
    return 0


def _add_demo(sub) -> None:
    p = sub.add_parser("demo", help="the course's four examples, both frameworks, one table",
                       description="Train the classification and regression examples in PyTorch and in "
                                   "TensorFlow/Keras (each in its own process) and print one side-by-side table.")
    p.add_argument("--runs-dir", default=os.environ.get("DLCOURSE_RUNS_DIR", "runs"),
                   help="where the run folders are written (default: ./runs or $DLCOURSE_RUNS_DIR)")
    p.add_argument("--frameworks", nargs="+", choices=FRAMEWORKS, default=list(FRAMEWORKS),
                   help="the frameworks to train (default: both)")
    p.set_defaults(func=lambda a: __import__("dlcourse.training.demo", fromlist=["main"]).main(a))


def _add_doctor(sub) -> None:
    p = sub.add_parser("doctor", help="check the environment and say how to fix what is missing")
    p.add_argument("--skip-training", action="store_true", help="do not run the tiny training step")
    p.add_argument("--classroom", action="store_true",
                   help="what a learner's laptop needs for the training day (Python, free disk, memory, a training "
                        "step in each framework, JupyterLab), answered in French with a fix per problem; exit code 1 "
                        "when something needed is missing")
    p.set_defaults(func=lambda a: __import__("dlcourse.doctor", fromlist=["main"]).main(a))


def _add_explain(sub) -> None:
    p = sub.add_parser("explain-defaults", help="where Keras and PyTorch differ by default, and what dlcourse sets")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.set_defaults(func=lambda a: __import__("dlcourse.defaults", fromlist=["main"]).main(a))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dlcourse",
        description="Deep learning with TensorFlow/Keras and PyTorch, side by side.",
        epilog="Run 'dlcourse COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"dlcourse {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_add_train, _add_demo, _add_doctor, _add_explain):
        add(sub)
    for name in EXTENSIONS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 failure, 2 bad input, 130 interrupted)."""
    from dlcourse.errors import EXIT_INTERRUPTED, EXIT_USAGE, DlcourseError, UserError

    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # --debug is accepted anywhere on the line (before or after the command), as users type it
    before_separator = argv[: argv.index("--")] if "--" in argv else argv
    debug = "--debug" in before_separator
    if debug:
        argv.remove("--debug")
    args = parser.parse_args(argv)
    args.debug = args.debug or debug
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DlcourseError as exc:
        if args.debug:
            raise
        from dlcourse.training.control import TrainingInterrupted

        if isinstance(exc, TrainingInterrupted):
            print(str(exc), file=sys.stderr)
            return EXIT_INTERRUPTED
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if args.command == "train":
            print("interrupted at once. A run that had written a checkpoint is kept: 'dlcourse runs list' shows it "
                  "with the command that resumes it.", file=sys.stderr)
        else:
            print("interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED


def run() -> None:
    sys.exit(main())
