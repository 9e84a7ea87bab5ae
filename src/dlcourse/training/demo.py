"""``dlcourse demo``: the course's four examples (classification and regression, each framework), one table.

Each training runs in its own process (``python -m dlcourse train ... --quiet``), so
the two frameworks never share one; the table is built from their run folders.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dlcourse.errors import DlcourseError, child_failure
from dlcourse.frameworks import FRAMEWORKS

EXAMPLES = (("classification", "digits_mlp"), ("regression", "linear_regression"))
LABELS = {name: f.label for name, f in FRAMEWORKS.items()}


def run_one(config: str, framework: str, runs_dir: str) -> dict:
    """Train ``config`` with ``framework`` in a subprocess; returns its result summary and wall seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        result_file = Path(tmp) / "result.json"
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "dlcourse", "train", config, "--framework", framework, "--quiet",
             "--runs-dir", runs_dir, "--result-json", str(result_file)],
            capture_output=True, text=True, stdin=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - t0
        if proc.returncode != 0 or not result_file.is_file():
            from dlcourse.config import load_config

            reason = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            batch = load_config(config).training.batch_size
            raise DlcourseError(child_failure(f"the {framework} run of '{config}'", proc.returncode, reason, batch))
        result = json.loads(result_file.read_text())
    result["wall_seconds"] = wall
    return result


def rows(results: list[tuple[str, str, dict]]) -> list[list[str]]:
    """Table rows: example, framework, main metric, slope, intercept, epochs, train s, total s."""
    out = []
    for task, framework, res in results:
        m = res["metrics"]
        test = m["test"]
        metric = f"accuracy {test['accuracy']:.4f}" if task == "classification" else f"MSE {test['mse']:.4f}"
        lin = m.get("linear") or {}
        out.append([task, LABELS[framework], metric,
                    f"{lin['slope']:.3f}" if lin else "-", f"{lin['intercept']:.3f}" if lin else "-",
                    str(m["epochs"]), f"{m['train_seconds']:.1f}", f"{res['wall_seconds']:.1f}"])
    return out


HEADER = ["example", "framework", "test", "slope", "intercept", "epochs", "train s", "total s"]


def print_table(table: list[list[str]]) -> None:
    from dlcourse.console import console as make_console
    from rich.table import Table

    t = Table(title="dlcourse demo: the course's examples in both frameworks")
    for col in HEADER:
        t.add_column(col, justify="left" if col in ("example", "framework", "test") else "right")
    for row in table:
        t.add_row(*row)
    console = make_console()
    if not console.is_terminal:
        console.width = 110
    console.print(t)


def main(args) -> int:
    results = []
    for task, config in EXAMPLES:
        for framework in args.frameworks:
            print(f"training {config} with {LABELS[framework]} ...", flush=True)
            res = run_one(config, framework, args.runs_dir)
            results.append((task, framework, res))
            print(f"  done in {res['wall_seconds']:.1f}s -> {res['path']}", flush=True)
    print_table(rows(results))
    return 0
