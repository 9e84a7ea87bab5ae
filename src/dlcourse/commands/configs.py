"""``dlcourse config list | show NAME | copy NAME [FILE]``: the shipped configs, to start one's own from.

Only the standard library is imported here; each handler imports what it needs.
"""

from __future__ import annotations

from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("config", help="the shipped configs: list them, print one, or copy one to edit",
                              description="List the configs shipped with dlcourse, print one, or copy one into a "
                                          "file of your own to edit (dlcourse train FILE then trains it).")
    sub = p.add_subparsers(dest="config_command", metavar="SUBCOMMAND", required=True)
    q = sub.add_parser("list", help="the shipped configs with their first comment line")
    q.set_defaults(func=_cmd_list)
    q = sub.add_parser("show", help="print a shipped config")
    q.add_argument("name", help="a shipped config's name, e.g. digits_mlp")
    q.set_defaults(func=_cmd_show)
    q = sub.add_parser("copy", help="copy a shipped config to FILE (default: ./NAME.yaml), never overwriting")
    q.add_argument("name", help="a shipped config's name, e.g. digits_mlp")
    q.add_argument("file", nargs="?", type=Path, help="where to write it (default: ./NAME.yaml)")
    q.set_defaults(func=_cmd_copy)

    c = subparsers.add_parser("code", help="write a config's run as a plain PyTorch or Keras script (no dlcourse)",
                              description="Write a standalone script in plain PyTorch or plain Keras that does what "
                                          "'dlcourse train CONFIG' does: the same data preparation, initial weights, "
                                          "mini-batches, optimizer and test metrics, with no dlcourse import. It "
                                          "covers the embedded digits and linear datasets, dense, conv2d, "
                                          "max_pool2d, flatten and dropout layers, SGD, Adam and AdamW at a "
                                          "constant rate; other configs are refused with the setting named.")
    c.add_argument("config", help="a shipped config's name (e.g. digits_cnn) or a YAML file")
    c.add_argument("-f", "--framework", choices=["torch", "tensorflow"], default="torch",
                   help="the framework of the script (default torch)")
    c.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, as for train (repeatable)")
    c.add_argument("-o", "--out", type=Path, default=None,
                   help="where to write the script (default ./CONFIG_FRAMEWORK.py; '-' prints it)")
    c.set_defaults(func=_cmd_code)


def _shipped(name: str) -> Path:
    from dlcourse.config import builtin_config_dir, builtin_configs
    from dlcourse.errors import UserError, did_you_mean

    names = builtin_configs()
    if name not in names:
        raise UserError(f"there is no shipped config '{name}'.{did_you_mean(name, names)}",
                        f"Shipped configs: {', '.join(names)} ('dlcourse config list').")
    return builtin_config_dir() / f"{name}.yaml"


def _cmd_list(args) -> int:
    from dlcourse.config import builtin_config_dir, builtin_configs

    for name in builtin_configs():
        lines = (builtin_config_dir() / f"{name}.yaml").read_text(encoding="utf-8").splitlines()
        first = next((line.lstrip("# ").strip() for line in lines if line.startswith("#")), "")
        print(f"{name:<20} {first}")
    return 0


def _cmd_show(args) -> int:
    print(_shipped(args.name).read_text(encoding="utf-8"), end="")
    return 0


def _cmd_copy(args) -> int:
    from dlcourse.errors import UserError

    source = _shipped(args.name)
    target = args.file or Path(f"{args.name}.yaml")
    if target.exists():
        raise UserError(f"'{target}' already exists; dlcourse config copy does not overwrite a file.",
                        f"Give another FILE, e.g. 'dlcourse config copy {args.name} my_{args.name}.yaml'.")
    if not target.parent.is_dir():
        raise UserError(f"the folder '{target.parent}' does not exist.", "Create it first, or give another FILE.")
    temp = target.with_name(f".{target.name}.tmp")
    try:
        temp.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
        temp.replace(target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise UserError(f"cannot write '{target}' ({exc.strerror or exc}).", "Choose a writable folder.") from None
    print(f"wrote {target}: edit it, then run 'dlcourse train {target}'.")
    return 0


def _cmd_code(args) -> int:
    from dlcourse.config import load_config
    from dlcourse.errors import UserError
    from dlcourse.native import native_script

    config = load_config(args.config, args.overrides)
    text = native_script(config, args.framework, source=args.config)
    if args.out is not None and str(args.out) == "-":
        print(text, end="")
        return 0
    target = args.out or Path(f"{Path(args.config).stem}_{args.framework}.py")
    if target.exists():
        raise UserError(f"'{target}' already exists; dlcourse code does not overwrite a file.",
                        f"Give another file with --out, e.g. 'dlcourse code {args.config} -f {args.framework} "
                        f"--out my_{target.name}'.")
    from dlcourse.lessons.build import write_text

    write_text(target, text)
    print(f"wrote {target}: run it with 'python {target}' (no dlcourse needed)")
    return 0
