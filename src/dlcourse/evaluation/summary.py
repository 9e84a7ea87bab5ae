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


def _spec_label(layer) -> str:
    if layer.type == "dense":
        act = "" if layer.activation == "linear" else f", {layer.activation}"
        return f"dense({layer.units}{act})"
    if layer.type == "dropout":
        return f"dropout({layer.rate})"
    return layer.type


def _group_torch_rows(spec, rows: list[dict]) -> list[dict]:
    """Merge PyTorch's separate activation modules into the dense layer they follow (one row per spec layer)."""
    grouped, i = [], 0
    for layer in spec.layers:
        take = 2 if layer.type == "dense" and layer.activation != "linear" else 1
        part = rows[i:i + take]
        i += take
        grouped.append({"layer": " + ".join(r["layer"].split(": ", 1)[-1] for r in part),
                        "output_shape": part[-1]["output_shape"], "params": sum(r["params"] for r in part)})
    return grouped


def side_by_side(config, frameworks: tuple[str, ...] = ("tensorflow", "torch")) -> dict:
    """Build ``config``'s model in each installed framework and line their layers up.

    Returns ``{"input_shape", "frameworks", "rows": [{"spec", "<fw>_layer", "<fw>_shape", "<fw>_params"}],
    "totals": {fw: int}}``. Both frameworks are imported in this process, PyTorch first.
    """
    from dlcourse.backends import get_backend, is_installed

    shape = feature_shape_of(config)
    present = [f for f in frameworks if is_installed(f)]
    if "torch" in present:                       # PyTorch before TensorFlow in one process
        import torch  # noqa: F401
        import torch._dynamo  # noqa: F401
    tables, totals = {}, {}
    for fw in sorted(present, key=lambda f: f != "torch"):
        backend = get_backend(fw)
        model = backend.build_model(config.model, shape, seed=config.seed)
        rows = backend.layer_table(model, shape)
        tables[fw] = _group_torch_rows(config.model, rows) if fw == "torch" else rows
        totals[fw] = int(backend.count_params(model))
    out_rows = []
    for i, layer in enumerate(config.model.layers):
        row = {"spec": _spec_label(layer)}
        for fw in present:
            r = tables[fw][i] if i < len(tables[fw]) else {"layer": "-", "output_shape": [], "params": 0}
            row.update({f"{fw}_layer": r["layer"].split(": ", 1)[-1],
                        f"{fw}_shape": "(" + ", ".join("None" if d is None else str(int(d)) for d in r["output_shape"]) + ")",
                        f"{fw}_params": int(r["params"])})
        out_rows.append(row)
    return {"input_shape": list(shape), "frameworks": present, "rows": out_rows, "totals": totals}


def print_summary(config, table: dict, file=None) -> None:
    """Print :func:`side_by_side`'s table with rich."""
    from rich.console import Console
    from rich.table import Table

    labels = {"tensorflow": "Keras", "torch": "PyTorch"}
    t = Table(title=f"{config.name}: input (None, {', '.join(map(str, table['input_shape']))})")
    t.add_column("layer (config)")
    for fw in table["frameworks"]:
        t.add_column(f"{labels[fw]} layer")
        t.add_column("output shape")
        t.add_column("params", justify="right")
    for row in table["rows"]:
        cells = [row["spec"]]
        for fw in table["frameworks"]:
            cells += [row[f"{fw}_layer"], row[f"{fw}_shape"], f"{row[f'{fw}_params']:,}"]
        t.add_row(*cells)
    t.add_section()
    t.add_row("total", *[c for fw in table["frameworks"] for c in ("", "", f"{table['totals'][fw]:,}")])
    Console(file=file or sys.stdout, width=max(100, 40 * len(table["frameworks"]) + 30)).print(t)
    totals = set(table["totals"].values())
    if len(table["totals"]) > 1:
        print("parameter totals are equal" if len(totals) == 1 else "parameter totals DIFFER", file=file)
