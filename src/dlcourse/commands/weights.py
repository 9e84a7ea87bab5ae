"""``dlcourse weights list | import FILE``: ImageNet weights files, found and installed without a network.

Only the standard library is imported here; each handler imports what it needs.
"""

from __future__ import annotations

from dlcourse.frameworks import NAMES as FRAMEWORKS


def register(subparsers) -> None:
    p = subparsers.add_parser("weights", help="list and import the ImageNet weights of pretrained backbones",
                              description="ImageNet weights of the pretrained backbones: where each framework looks "
                                          "for them, and which are on this machine. dlcourse never downloads them: "
                                          "download a file on a machine with internet, copy it here and import it.")
    sub = p.add_subparsers(dest="weights_command", metavar="ACTION")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    q = sub.add_parser("list", help="every backbone's weights file, its folder, and whether it is present",
                       description="One row per backbone and framework: the exact file name the framework's cache "
                                   "uses, the folder it looks in, and its state (present, missing, wrong hash).")
    q.add_argument("--framework", "-f", choices=FRAMEWORKS, help="only this framework's backbones")
    q.set_defaults(func=_cmd_list)

    q = sub.add_parser("import", help="verify a downloaded weights file and put it where its framework looks",
                       description="Recognise FILE by its name (or its hash), check its hash, and copy it into its "
                                   "framework's cache folder ($TORCH_HOME/hub/checkpoints or $KERAS_HOME/models).")
    q.add_argument("file", metavar="FILE", help="the weights file, e.g. resnet18-f37072fd.pth")
    q.add_argument("--framework", "-f", choices=FRAMEWORKS, help="refuse a file of the other framework")
    q.set_defaults(func=_cmd_import)


def _cmd_list(args) -> int:
    from dlcourse.errors import ConfigError
    from dlcourse.frameworks import label
    from dlcourse.models.pretrained import CATALOGUE, cache_dir, verify

    rows = []
    shown = [entry for entry in CATALOGUE if not args.framework or entry.framework == args.framework]
    for entry in shown:
        path = cache_dir(entry.framework) / entry.file_name
        if not path.is_file():
            state = "missing"
        else:
            try:
                verify(path, entry)
                state = "present"
            except ConfigError:
                state = "wrong hash"
        rows.append((entry.name, label(entry.framework), entry.file_name, str(path.parent), state))
    header = ("backbone", "framework", "file", "folder", "state")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    absent = [entry for entry, row in zip(shown, rows) if row[-1] != "present"]
    if absent:
        print("\nDownload these files on a machine with internet, copy them here and run "
              "'dlcourse weights import FILE' for each:")
        for entry in absent:
            print(f"  {entry.url}")
    return 0


def _cmd_import(args) -> int:
    from dlcourse.models.pretrained import identify, import_weights

    destination = import_weights(args.file, args.framework)
    entry = identify(destination)
    print(f"{entry.label} weights verified and in place: {destination}")
    return 0
