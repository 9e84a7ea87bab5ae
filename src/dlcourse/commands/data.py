"""``dlcourse datasets list | info NAME | download NAME | import NAME DIR | preview NAME``.

Only the standard library is imported here; each handler imports what it needs.
"""

from __future__ import annotations

import argparse
import sys

from dlcourse.frameworks import NAMES as FRAMEWORKS


def _add_common(p, options: bool = True) -> None:
    p.add_argument("--data-dir", default=None,
                   help="cache folder of downloaded datasets (default: $DLCOURSE_DATA_DIR or the user cache folder)")
    if options:
        p.add_argument("--option", "-o", dest="options", action="append", default=[], metavar="KEY=VALUE",
                       help="a dataset option, e.g. -o path=data.csv -o target=price (repeatable)")
        p.add_argument("--skip-bad", action="store_true",
                       help="image_folder: skip unreadable images (and list them) instead of stopping")


def register(subparsers) -> None:
    p = subparsers.add_parser("datasets", help="list, describe, download, import and preview datasets",
                              description="The dataset catalogue: embedded datasets (no network), downloadable "
                                          "ones (verified, cached) and your own data (csv, image_folder).")
    sub = p.add_subparsers(dest="datasets_command", metavar="ACTION")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    q = sub.add_parser("list", help="every dataset with its task, shape, size, licence and where it is")
    _add_common(q, options=False)
    q.set_defaults(func=_cmd_list)

    q = sub.add_parser("info", help="what a dataset holds (loads it when it is available)")
    q.add_argument("name", help="dataset name (see 'dlcourse datasets list')")
    _add_common(q)
    q.set_defaults(func=_cmd_info)

    q = sub.add_parser("download", help="download a dataset into the cache, verifying every file's checksum")
    q.add_argument("name", help="a downloadable dataset's name, e.g. mnist")
    q.add_argument("--timeout", type=float, default=30.0, help="seconds without data before giving up a mirror")
    _add_common(q, options=False)
    q.set_defaults(func=_cmd_download)

    q = sub.add_parser("import", help="verify and install a dataset's files copied from elsewhere (USB key)")
    q.add_argument("name", help="a downloadable dataset's name, e.g. mnist")
    q.add_argument("dir", help="folder holding the dataset's original files")
    _add_common(q, options=False)
    q.set_defaults(func=_cmd_import)

    q = sub.add_parser("preview", help="write a PNG grid of original and augmented samples",
                       description="Write a PNG grid: a row of originals, then rows of augmented versions, "
                                   "augmented with the chosen framework's native operations.")
    q.add_argument("name", help="an image dataset's name, e.g. digits")
    q.add_argument("--augment", "-a", default="shift=0.1,rotation=15,zoom=0.1",
                   help="augmentation spec, e.g. 'shift=0.1,rotation=15,zoom=0.1,flip,noise=0.05,erasing=0.25,crop=2'")
    q.add_argument("--framework", "-f", choices=FRAMEWORKS, default="torch",
                   help="whose augmentation operations to use (default: torch)")
    q.add_argument("--out", default=None, help="PNG file to write (default: NAME-preview.png)")
    q.add_argument("--samples", "-n", type=int, default=10, help="originals shown (columns)")
    q.add_argument("--rows", type=int, default=3, help="augmented rows")
    q.add_argument("--seed", type=int, default=0, help="seed of the samples drawn and of the augmentation (default: 0)")
    _add_common(q)
    q.set_defaults(func=_cmd_preview)


def _parse_options(args) -> dict:
    from dlcourse.errors import UserError

    out: dict = {}
    for item in getattr(args, "options", []):
        if "=" not in item:
            raise UserError(f"--option: expected KEY=VALUE (e.g. -o target=price), got '{item}'.")
        key, raw = item.split("=", 1)
        import yaml

        try:
            out[key.strip()] = yaml.safe_load(raw)
        except yaml.YAMLError:
            out[key.strip()] = raw
    if getattr(args, "skip_bad", False):
        out["skip_bad"] = True
    return out


def _load(args):
    import inspect

    from dlcourse.data.catalogue import CATALOGUE, load_dataset

    options = _parse_options(args)
    info = CATALOGUE.get(args.name)
    if info is not None and args.data_dir and "data_dir" in inspect.signature(info.loader).parameters:
        options.setdefault("data_dir", args.data_dir)
    return load_dataset(args.name, options, seed=getattr(args, "seed", 0))


def _where(info, data_dir) -> str:
    from dlcourse.data import remote

    if info.embedded:
        return "embedded"
    if info.name in remote.REMOTE:
        state = remote.status(info.name, data_dir)
        have = sum(state.values())
        return "cached" if have == len(state) else (f"partly cached ({have}/{len(state)})" if have else "download")
    return "your data"


def _cmd_list(args) -> int:
    from dlcourse.console import console
    from rich.table import Table

    from dlcourse.data.catalogue import CATALOGUE

    table = Table(title="dlcourse datasets")
    for col in ("name", "task", "shape", "dtype", "classes", "size", "licence", "where"):
        table.add_column(col, overflow="fold")
    for info in CATALOGUE.values():
        table.add_row(info.name, info.task, info.shape, info.dtype, info.classes, info.size, info.licence,
                      _where(info, args.data_dir))
    console().print(table)
    return 0


def _cmd_info(args) -> int:
    import inspect

    import numpy as np

    from dlcourse.data import remote
    from dlcourse.data.catalogue import CATALOGUE
    from dlcourse.errors import DataError, did_you_mean

    info = CATALOGUE.get(args.name)
    if info is None:
        raise DataError(f"unknown dataset '{args.name}'.{did_you_mean(args.name, CATALOGUE)}",
                        "See 'dlcourse datasets list'.")
    print(f"{info.name}: {info.source}")
    for key in ("task", "shape", "dtype", "classes", "size", "licence"):
        print(f"  {key:8} {getattr(info, key)}")
    params = [p for p in inspect.signature(info.loader).parameters.values() if p.name not in ("seed", "data_dir")]
    if params:
        shown = ", ".join(p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}" for p in params)
        print(f"  options  {shown}")
    if info.name in remote.REMOTE:
        folder = remote.dataset_folder(info.name, args.data_dir)
        print(f"  cache    {folder}")
        checked = remote.verify(info.name, args.data_dir)
        for spec in remote.REMOTE[info.name].files:
            print(f"    {checked[spec.name]:<7} {spec.name}  ({spec.pinned()})")
        damaged = [n for n, state in checked.items() if state == "damaged"]
        if damaged:
            print(f"  damaged files (truncated or altered): {', '.join(damaged)}; run 'dlcourse datasets download "
                  f"{info.name}' or 'dlcourse datasets import {info.name} DIR' to replace them")
        if not any(remote.status(info.name, args.data_dir).values()) and not _parse_options(args):
            print(f"  not downloaded: run 'dlcourse datasets download {info.name}'")
            return 0
    needs = [p.name for p in params if p.default is inspect.Parameter.empty]
    if needs and not all(k in _parse_options(args) for k in needs):
        print(f"  give {', '.join('-o ' + n + '=...' for n in needs)} to load it")
        return 0
    ds = _load(args)
    print(f"  loaded   x {ds.x.shape} {ds.x.dtype}, y {ds.y.shape} {ds.y.dtype}"
          + (f", publisher's test split {ds.test[0].shape}" if ds.test is not None else ""))
    if ds.task == "classification":
        counts = np.bincount(ds.y, minlength=len(ds.classes or []))
        names = ds.classes or [str(i) for i in range(len(counts))]
        print("  per class " + ", ".join(f"{n}: {c}" for n, c in zip(names, counts)))
    else:
        print(f"  target   mean {float(ds.y.mean()):.4g}, std {float(ds.y.std()):.4g}")
    if ds.schema.get("kind") == "csv":
        print(f"  numeric  {', '.join(ds.schema['numeric']) or '-'}")
        print(f"  categorical {', '.join(f'{k} ({len(v)})' for k, v in ds.schema['categorical'].items()) or '-'}")
    return 0


def _cmd_download(args) -> int:
    from dlcourse.data import remote

    remote.remote(args.name)
    paths = remote.download(args.name, args.data_dir, timeout=args.timeout,
                            log=lambda m: print(m, file=sys.stderr))
    for path in paths:
        print(f"ok {path}")
    if args.name == "cifar10":
        from dlcourse.data.remote import cifar10

        cifar10(data_dir=args.data_dir)
    print(f"'{args.name}' is in {remote.dataset_folder(args.name, args.data_dir)}")
    return 0


def _cmd_import(args) -> int:
    from dlcourse.data import remote

    installed, missing = remote.import_folder(args.name, args.dir, args.data_dir)
    for path in installed:
        print(f"verified and installed {path}")
    if missing:
        print(f"not found in '{args.dir}' (still missing): {', '.join(missing)}", file=sys.stderr)
    return 0


def _cmd_preview(args) -> int:
    import numpy as np

    from dlcourse.backends import get_backend
    from dlcourse.data.augment import AugmentSpec, image_layout, pick_examples, write_preview
    from dlcourse.data.preprocessing import Scaler
    from dlcourse.errors import UserError

    if not 1 <= args.samples <= 64 or not 1 <= args.rows <= 16:
        raise UserError(f"preview: --samples must be 1..64 and --rows 1..16, got {args.samples} and {args.rows}.")
    spec = AugmentSpec.parse(args.augment)
    ds = _load(args)
    image_layout(ds.feature_shape)
    idx = pick_examples(ds.y, args.samples, args.seed) if ds.task == "classification" else np.arange(args.samples)
    scaler = Scaler.fit(ds.x, "range", ds.value_range)
    x = scaler.transform(ds.x[idx])
    backend = get_backend(args.framework)
    rows = [(f"{args.framework} #{r + 1}", backend.augment_batch(x, spec, seed=args.seed + r))
            for r in range(args.rows)]
    out = args.out or f"{args.name}-preview.png"
    described = ", ".join(f"{k}={v}" for k, v in spec.to_dict().items() if v) or "no augmentation"
    path = write_preview(x, out, rows, title=f"{ds.name}: {described} ({args.framework})")
    shape = rows[0][1].shape
    print(f"wrote {path} ({len(idx)} originals, {args.rows} augmented rows, batch {shape} float32)")
    return 0
