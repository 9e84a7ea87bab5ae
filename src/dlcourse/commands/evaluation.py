"""Commands to evaluate, use and compare trained models: evaluate, predict, summary, compare, report, runs list.

Only the standard library is imported here; each handler imports what it needs.
"""

from __future__ import annotations

import os
import sys

from dlcourse.frameworks import NAMES as FRAMEWORKS


def _runs_dir_default() -> str:
    return os.environ.get("DLCOURSE_RUNS_DIR", "runs")


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="evaluate a trained run: per-class report, confusion matrix, plots",
                       description="Reload the model of RUN_DIR and evaluate it with scikit-learn; writes "
                                   "evaluation.json, predictions.csv and plots/ (PNG and SVG) in the run folder.")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by 'dlcourse train'")
    p.add_argument("--data", default="test",
                   help="test, val or train (the run's own split, same seed), or a .npz (x, y) / .csv (feature "
                        "columns and y) file (default: test)")
    p.add_argument("--no-plots", action="store_true", help="skip the plots")
    p.add_argument("--export-images", type=int, default=0, metavar="N",
                   help="also write the first N samples as PNG files in RUN_DIR/samples/ (to try 'dlcourse predict')")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("predict", help="predict with a trained run on images, CSV rows or a .npy array",
                       description="Apply RUN_DIR's saved preprocessing and model to INPUT files: grayscale images "
                                   "(png/jpg) of the training size, a CSV with the feature columns (x, or x0..xN-1), "
                                   "or a .npy array (n, *feature_shape), in the dataset's own units.")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by 'dlcourse train'")
    p.add_argument("inputs", metavar="INPUT", nargs="+",
                   help="image files or folders, a CSV file of rows, or a .npy array of samples")
    p.add_argument("--out", metavar="CSV", help="also write the predictions to this CSV file")
    p.add_argument("--top", type=int, default=3, help="classes shown per input (default: 3)")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("summary", help="the model of CONFIG in Keras and in PyTorch, layer by layer",
                       description="Build CONFIG's model in both frameworks and print each layer's output shape "
                                   "and parameter count side by side.")
    p.add_argument("config", help="YAML config file, or the name of a shipped config")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. --set model.layers.1.units=64 (repeatable)")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("compare", help="train CONFIG in both frameworks (own processes) and compare them",
                       description="Train CONFIG with PyTorch and with TensorFlow/Keras, each in its own process "
                                   "(same seed, split and threads), evaluate both, and write a comparison folder: "
                                   "side-by-side table, overlaid learning curves and an HTML report.")
    p.add_argument("config", help="YAML config file, or the name of a shipped config")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value for both frameworks, e.g. --set training.epochs=5 (repeatable)")
    p.add_argument("--runs-dir", default=_runs_dir_default(),
                   help="where the comparison folder is written (default: ./runs or $DLCOURSE_RUNS_DIR)")
    p.add_argument("--frameworks", nargs="+", choices=FRAMEWORKS, default=list(FRAMEWORKS),
                   help="the frameworks to train (default: both)")
    p.add_argument("--no-evaluate", action="store_true", help="skip the evaluation plots of each run")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("report", help="self-contained HTML report (and Markdown) of a run or a comparison",
                       description="Write report.html (images embedded, opens offline) and report.md in RUN_DIR "
                                   "or COMPARE_DIR.")
    p.add_argument("path", metavar="RUN_DIR|COMPARE_DIR", help="a run folder or a comparison folder")
    p.add_argument("--markdown", action="store_true", help="print the Markdown report on standard output")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("runs", help="past runs", description="Inspect the run folders.")
    runs_sub = p.add_subparsers(dest="runs_command", metavar="SUBCOMMAND")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])
    lp = runs_sub.add_parser("list", help="list runs with their main metric, date, framework and seconds")
    lp.add_argument("--runs-dir", default=_runs_dir_default(),
                    help="the folder holding the runs (default: ./runs or $DLCOURSE_RUNS_DIR)")
    lp.add_argument("--json", action="store_true", help="print JSON")
    lp.set_defaults(func=cmd_runs_list)


def cmd_evaluate(args) -> int:
    from dlcourse.evaluation.evaluate import evaluate_run

    result = evaluate_run(args.run_dir, args.data, with_plots=not args.no_plots)
    if args.export_images > 0:
        _export_images(args.run_dir, args.data, args.export_images, args.quiet)
    if args.quiet:
        return 0
    from dlcourse.console import console as make_console
    from rich.table import Table

    console = make_console()
    console.print(f"[bold]{args.run_dir}[/] evaluated on {result['data']} ({result['n']} samples, {result['framework']})")
    t = Table(title="metrics (scikit-learn)")
    t.add_column("metric")
    t.add_column("value", justify="right")
    for k, v in result["summary"].items():
        t.add_row(k, f"{v:.4f}")
    if result.get("roc_auc") is not None:
        t.add_row("roc_auc (ovr macro)", f"{result['roc_auc']:.4f}")
    for k, v in result.get("top_k_accuracy", {}).items():
        t.add_row(f"{k} accuracy", f"{v:.4f}")
    for k, v in result.get("residuals", {}).items():
        t.add_row(f"residual {k}", f"{v:.4f}")
    console.print(t)
    if result.get("per_class"):
        pc = Table(title="per class")
        for col in ("class", "precision", "recall", "f1", "support"):
            pc.add_column(col, justify="right")
        for r in result["per_class"]:
            pc.add_row(r["class"], f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}", str(r["support"]))
        console.print(pc)
    for plot in result.get("plots", []):
        console.print(f"plot: {plot} (+ .svg)")
    return 0


def _export_images(run_dir, data, n, quiet) -> None:
    from pathlib import Path

    from dlcourse.errors import DataError
    from dlcourse.evaluation.evaluate import load_data
    from dlcourse.evaluation.inputs import image_value_range, write_images
    from dlcourse.evaluation.loading import open_run

    info = open_run(run_dir)
    if len(info.feature_shape) != 2:
        raise DataError(f"--export-images: samples of shape {info.feature_shape} are not images.")
    x, y, _ = load_data(info, data)
    paths = write_images(x[:n], Path(run_dir) / "samples", image_value_range(info.preprocessing["scaler"]),
                         prefix=data if data in ("test", "val", "train") else "sample",
                         labels=y[:n] if info.task == "classification" else None)
    if not quiet:
        print(f"wrote {len(paths)} images to {Path(run_dir) / 'samples'}")


def cmd_predict(args) -> int:
    from dlcourse.evaluation.predict import predict_files, write_csv

    if args.top < 1:
        from dlcourse.errors import UserError
        raise UserError(f"--top must be at least 1, got {args.top}.")
    run, rows = predict_files(args.run_dir, args.inputs, args.top)
    for r in rows:
        if run.info.task == "classification":
            others = "  ".join(f"{c} {p:.1%}" for c, p in r["top"])
            print(f"{r['source']}: {r['predicted']} ({r['probability']:.1%})   top-{len(r['top'])}: {others}")
        else:
            value = r["predicted"]
            shown = f"{value:.6g}" if isinstance(value, float) else ", ".join(f"{v:.6g}" for v in value)
            print(f"{r['source']}: {shown}")
    if args.out:
        path = write_csv(args.out, run.info.task, rows)
        print(f"wrote {path}", file=sys.stderr)
    return 0


def cmd_summary(args) -> int:
    import json

    from dlcourse.config import load_config
    from dlcourse.evaluation.summary import print_summary, side_by_side

    config = load_config(args.config, args.overrides)
    from rich.console import Console

    with Console(stderr=True).status("building the model in each framework..."):
        table = side_by_side(config)
    if not table["frameworks"]:
        print("neither PyTorch nor TensorFlow is installed here, so only the config's own shapes and parameter "
              "counts are shown; install one with: pip install 'dlcourse[torch]' (or 'dlcourse[tensorflow]').",
              file=sys.stderr)
    if args.json:
        print(json.dumps(table, indent=2))
    else:
        print_summary(config, table)
    return 0


def cmd_compare(args) -> int:
    from dlcourse.evaluation.compare import compare, print_comparison
    from dlcourse.evaluation.report import compare_report

    folder = compare(args.config, args.overrides, args.runs_dir, tuple(args.frameworks),
                     evaluate=not args.no_evaluate, progress=lambda m: print(m, flush=True))
    print_comparison(folder)
    html_file, md_file = compare_report(folder)
    print(f"comparison folder: {folder}")
    print(f"report: {html_file}")
    return 0


def cmd_report(args) -> int:
    from dlcourse.evaluation.report import write_report

    html_file, md_file = write_report(args.path)
    if args.markdown:
        print(md_file.read_text(encoding="utf-8"))
    else:
        print(f"report: {html_file}")
        print(f"markdown: {md_file}")
    return 0


def cmd_runs_list(args) -> int:
    import json

    from dlcourse.evaluation.runs_index import list_runs

    runs = list_runs(args.runs_dir)
    if args.json:
        print(json.dumps(runs, indent=2))
        return 0
    if not runs:
        print(f"no runs in {args.runs_dir}")
        return 0
    from dlcourse.console import console as make_console
    from rich.table import Table

    from rich.markup import escape

    t = Table(title=f"runs in {args.runs_dir}")
    for col in ("date", "name", "framework", "state", "metric", "epochs", "seconds", "folder"):
        t.add_column(col, justify="right" if col in ("metric", "epochs", "seconds") else "left", overflow="fold")
    for r in runs:
        metric = f"{r['metric']} {r['value']:.4f}" if isinstance(r["value"], (int, float)) else "-"
        seconds = f"{r['seconds']:.1f}" if isinstance(r["seconds"], (int, float)) else "-"
        state = r["state"] if r["state"] == "complete" else f"[yellow]{r['state']}[/yellow]"
        t.add_row(r["date"], escape(r["name"]), r["framework"], state, metric,
                  "-" if r["epochs"] is None else str(r["epochs"]), seconds, escape(os.path.basename(r["path"])))
    console = make_console()
    console.print(t)
    for r in runs:
        if r["resume"]:
            console.print(f"{escape(os.path.basename(r['path']))} is {r['state']}; continue it with: "
                          f"{escape(r['resume'])}", soft_wrap=True)
    return 0
