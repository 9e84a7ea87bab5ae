"""The same config as a Keras model and a PyTorch model, layer by layer, in one table."""

from __future__ import annotations

import re
import sys


def feature_shape_of(config) -> tuple[int, ...]:
    """One sample's shape for ``config``'s dataset, from the catalogue (no data file needed), else by loading it."""
    from dlcourse.data.catalogue import CATALOGUE, load_dataset

    info = CATALOGUE.get(config.data.dataset)
    if info is not None:
        dims = re.findall(r"\(([^)]*)\)", info.shape)
        if dims:
            parts = [p.strip() for p in dims[0].split(",")][1:]
            if parts and all(p.isdigit() for p in parts):
                return tuple(int(p) for p in parts)
    return tuple(load_dataset(config.data.dataset, config.data.options, seed=config.seed).feature_shape)


def _shape(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(int(d)) for d in shape) + ")"


def side_by_side(config, frameworks: tuple[str, ...] = ("tensorflow", "torch")) -> dict:
    """The spec's layers (:mod:`dlcourse.models.layers`) with what each installed framework builds for them.

    Returns ``{"input_shape", "frameworks", "rows": [{"spec", "shape", "params", "multiply_adds",
    "<fw>_layer", "<fw>_shape", "<fw>_params"}], "totals": {fw: int}, "spec_total": int}``: ``shape``
    and ``params`` from the spec (channels-last), the ``<fw>_*`` columns as each framework reports
    them (PyTorch's shapes are channels-first). Both frameworks are imported in this process, PyTorch first.
    """
    from dlcourse.backends import get_backend, is_installed

    shape = feature_shape_of(config)
    trace = config.model.trace(shape)
    present = [f for f in frameworks if is_installed(f)]
    if "torch" in present:                       # PyTorch before TensorFlow in one process
        from dlcourse.frameworks import triton_installed

        import torch  # noqa: F401
        if triton_installed():                   # see frameworks.triton_installed
            import torch._dynamo  # noqa: F401
    tables, totals = {}, {}
    for fw in sorted(present, key=lambda f: f != "torch"):
        backend = get_backend(fw)
        model = backend.build_model(config.model, shape, seed=config.seed)
        tables[fw] = backend.layer_table(model)
        totals[fw] = int(backend.count_params(model))
    out_rows = []
    for t in trace:
        row = {"spec": t.layer.label(), "shape": _shape([None, *t.output_shape]), "params": t.params,
               "multiply_adds": t.multiply_adds}
        for fw in present:
            r = tables[fw][t.index]
            row.update({f"{fw}_layer": r["layer"], f"{fw}_shape": _shape(r["output_shape"]),
                        f"{fw}_params": int(r["params"])})
        out_rows.append(row)
    return {"input_shape": list(shape), "frameworks": present, "rows": out_rows, "totals": totals,
            "spec_total": int(sum(t.params for t in trace)),
            "multiply_adds": config.model.multiply_adds(shape)}


def print_summary(config, table: dict, file=None) -> None:
    """Print :func:`side_by_side`'s table with rich."""
    from rich.table import Table

    from dlcourse.console import console
    from dlcourse.frameworks import FRAMEWORKS

    out = console(file=file or sys.stdout)
    fws = table["frameworks"]
    # side by side needs about 45 columns per framework; narrower, one table per framework, stacked
    groups = [fws] if out.width >= 60 + 45 * len(fws) else [[fw] for fw in fws] or [[]]
    shape = ", ".join(map(str, table["input_shape"]))
    for i, group in enumerate(groups):
        t = Table(title=f"{config.name}: input (None, {shape})" + (f", {FRAMEWORKS[group[0]].short}"
                                                                       if len(groups) > 1 else ""))
        t.add_column("layer (config)", overflow="fold")
        t.add_column("output shape", overflow="fold")
        t.add_column("params", justify="right", overflow="fold")
        for fw in group:
            t.add_column(f"{FRAMEWORKS[fw].short} layer", overflow="fold")
            t.add_column("output shape", overflow="fold")
            t.add_column("params", justify="right", overflow="fold")
        for row in table["rows"]:
            cells = [row["spec"], row["shape"], f"{row['params']:,}"]
            for fw in group:
                cells += [row[f"{fw}_layer"], row[f"{fw}_shape"], f"{row[f'{fw}_params']:,}"]
            t.add_row(*cells)
        t.add_section()
        t.add_row("total", "", f"{table['spec_total']:,}",
                  *[c for fw in group for c in ("", "", f"{table['totals'][fw]:,}")])
        out.print(t)
    print(f"{table['multiply_adds']:,} multiply-adds per sample (forward pass)", file=file)
    totals = set(table["totals"].values()) | {table["spec_total"]}
    if table["totals"]:
        print("parameter totals are equal" if len(totals) == 1 else "parameter totals DIFFER", file=file)
