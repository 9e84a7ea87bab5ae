"""``dlcourse experiment``: chapter 7's experiments (regularization, transfer learning) in each framework."""

from __future__ import annotations

import os

from dlcourse.frameworks import NAMES


def register(sub) -> None:
    p = sub.add_parser("experiment", help="chapter 7's experiments: regularization, transfer learning",
                       description="Train one config several ways in each framework and write one folder with a "
                                   "table, figures and report.html.")
    kinds = p.add_subparsers(dest="kind", metavar="KIND")
    r = kinds.add_parser("regularization", help="a small training set: the baseline over-fits; each technique, then "
                                                "a combination",
                         description="Train CONFIG on a small training subset as it is (over-fitting), then with "
                                     "dropout, an L2 penalty, early stopping, batch norm, label smoothing, weight "
                                     "decay, augmentation (images) and a combination, in each framework.")
    r.add_argument("config", help="YAML config file, or the name of a shipped config (e.g. digits_cnn)")
    r.add_argument("--train-size", type=int, default=100, help="training samples kept (default: 100; 0: all)")
    r.add_argument("--epochs", type=int, default=200, help="epochs of every variant (default: 200, long enough to "
                                                         "over-fit; 0: the config's)")
    r.add_argument("--batch-size", type=int, default=16, help="batch size of every variant (default: 16; 0: the "
                                                              "config's)")
    _common(r)
    r.set_defaults(func=_cmd_regularization)
    t = kinds.add_parser("transfer", help="pre-train a source model, then a small target task three ways",
                         description="Pre-train SOURCE, then train TARGET on each size of training set from scratch, "
                                     "by feature extraction (frozen backbone) and by fine-tuning, in each framework.")
    t.add_argument("--source", default="transfer_source", help="source config (default: transfer_source)")
    t.add_argument("--target", default="transfer_target", help="target config (default: transfer_target)")
    t.add_argument("--sizes", type=int, nargs="+", default=[10, 30, 100],
                   help="target training sizes (default: 10 30 100: 1, 3 and 10 digits of each class)")
    t.add_argument("--drop", type=int, default=1, help="layers of the source left out, and of the target trained "
                                                       "as the new head (default: 1)")
    t.add_argument("--lr-scale", type=float, default=0.1, help="fine-tuning: the backbone's rate relative to the "
                                                               "head's (default: 0.1)")
    _common(t)
    t.set_defaults(func=_cmd_transfer)
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])


def _common(p) -> None:
    p.add_argument("--frameworks", "-f", nargs="+", choices=NAMES, default=list(NAMES),
                   help="frameworks to run (default: both)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value for every variant (repeatable)")
    p.add_argument("--runs-dir", default=os.environ.get("DLCOURSE_RUNS_DIR", "runs"),
                   help="where the experiment folder is written (default: ./runs or $DLCOURSE_RUNS_DIR)")
    p.add_argument("--quiet", "-q", action="store_true", help="print only the folder")


def _say(args):
    return (lambda *a, **k: None) if args.quiet else (lambda msg: print(msg, flush=True))


def _finish(args, folder) -> int:
    """Print the experiment's tables (unless ``--quiet``) and where it is."""
    from dlcourse.training import experiments

    if not args.quiet:
        experiments.print_table(folder)
    print(f"experiment folder: {folder}  (report: {folder / 'report.html'})")
    return 0


def _cmd_regularization(args) -> int:
    from dlcourse.errors import UserError
    from dlcourse.training import experiments

    if args.train_size < 0:
        raise UserError(f"--train-size: expected a number of samples (0: all), got {args.train_size}.")
    for name in ("epochs", "batch_size"):
        if getattr(args, name) < 0:
            raise UserError(f"--{name.replace('_', '-')}: expected a positive number (0: the config's), "
                            f"got {getattr(args, name)}.")
    folder = experiments.regularization(args.config, args.overrides, args.frameworks, args.train_size or None,
                                        args.epochs or None, args.batch_size or None, args.runs_dir,
                                        progress=_say(args))
    return _finish(args, folder)


def _cmd_transfer(args) -> int:
    from dlcourse.errors import UserError
    from dlcourse.training import experiments

    if args.lr_scale <= 0:
        raise UserError(f"--lr-scale: expected a positive factor (e.g. 0.1), got {args.lr_scale}.")
    folder = experiments.transfer(args.source, args.target, args.sizes, args.frameworks, args.drop, args.lr_scale,
                                  target_overrides=args.overrides, runs_dir=args.runs_dir, progress=_say(args))
    return _finish(args, folder)
