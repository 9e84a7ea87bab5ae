"""Several runs of ``bench_cpu.py`` in one table: each row's median seconds per epoch, with the
min–max over the runs, and the ratios' medians and ranges.

    for i in 1 2 3; do .venv/bin/python benchmarks/bench_cpu.py --model mlp --json /tmp/mlp$i.json; done
    .venv/bin/python benchmarks/spread.py /tmp/mlp1.json /tmp/mlp2.json /tmp/mlp3.json          # Markdown table
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

LABELS = {"torch": "PyTorch", "tensorflow": "Keras"}
ROWS = {"course": "course code", "dlcourse": "dlcourse", "reference": "minimal in-memory loop",
        "reference_function": "hand-written `tf.function` loop", "reference_1thread": "reference loop, 1 thread",
        "recipe_fast": "dlcourse `--recipe fast`"}


def _span(values: list[float], fmt: str) -> str:
    if len(values) == 1:
        return fmt.format(values[0])
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Median and range over several bench_cpu.py result files.")
    p.add_argument("results", nargs="+", type=Path, help="bench_cpu.py --json files (one per run)")
    p.add_argument("--model", choices=["mlp", "cnn"], default="mlp", help="which table (default mlp)")
    args = p.parse_args(argv)
    runs, floor_runs = [], []
    for path in args.results:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            p.error(f"{path}: not a bench_cpu.py result file ({exc})")
        part = data if args.model == "mlp" else data.get("cnn", {})
        runs.append(part.get("results", {}))
        floor_runs.append(part.get("floor", {}))
    loads = [json.loads(path.read_text()).get("machine", {}).get("load_start") for path in args.results]
    loads = [x[0] if isinstance(x, list) else x for x in loads]
    print(f"{len(runs)} runs; load average at each start: {', '.join(f'{x:.2f}' for x in loads if x is not None)}\n")
    print("| framework | what | batch | s/epoch, median (min–max) | course ÷ this | this ÷ fastest reference |")
    print("|---|---|---|---|---|---|")
    for fw, label in LABELS.items():
        names = [n for n in ROWS if all(n in r.get(fw, {}) and r[fw][n].get("seconds_per_epoch") for r in runs)]
        for name in names:
            sec = [r[fw][name]["seconds_per_epoch"] for r in runs]
            course = [r[fw]["course"]["seconds_per_epoch"] / r[fw][name]["seconds_per_epoch"] for r in runs]
            refs = []
            for r in runs:
                fastest = min(r[fw][n]["seconds_per_epoch"] for n in ("reference", "reference_function")
                              if n in r[fw] and r[fw][n].get("seconds_per_epoch"))
                refs.append(r[fw][name]["seconds_per_epoch"] / fastest)
            batch = runs[0][fw][name].get("batch_size", "")
            what = "minimal `fit` on arrays" if (fw, name) == ("tensorflow", "reference") else ROWS[name]
            print(f"| {label} | {what} | {batch} | {_span(sec, '{:.2f}')} | {_span(course, '{:.1f}×')} | "
                  f"{_span(refs, '{:.2f}×')} |")
        floors = [d.get(fw, {}).get("floor_seconds", {}) for d in floor_runs]
        if floors and all(len(f) == 1 for f in floors):
            sec = [next(iter(f.values())) for f in floors]
            course = [r[fw]["course"]["seconds_per_epoch"] / s for r, s in zip(runs, sec)]
            print(f"| {label} | compute floor | {next(iter(floors[0]))} | {_span(sec, '{:.2f}')} | "
                  f"{_span(course, '{:.1f}×')} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
