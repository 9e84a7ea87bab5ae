"""Start-up benchmark: how long a short dlcourse command takes, against importing the framework alone.

Each command runs in a fresh process, ``--repeat`` times after one warm-up run (files cached), the
commands interleaved round by round so that a change of machine load hits every row alike. Printed:
the median, min and max wall time, the time to the end of the first optimizer steps for training
commands (from the process's launch; dlcourse writes it when ``$DLCOURSE_FIRST_STEP_FILE`` is set),
and the ratio of each training command to its framework's bare import, measured in the same run.

    .venv/bin/python benchmarks/bench_startup.py                    # 5 rounds
    .venv/bin/python benchmarks/bench_startup.py --repeat 9 --compare
    .venv/bin/python benchmarks/bench_startup.py --src /path/to/other/checkout/src --label before

``--src DIR`` runs the dlcourse found in DIR (another checkout's ``src``) instead of the installed
one, to compare two versions on the same machine in the same conditions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def commands(runs: Path, with_compare: bool) -> list[dict]:
    py = sys.executable
    dl = [py, "-m", "dlcourse"]
    rows = [
        {"name": "import torch", "cmd": [py, "-c", "import torch"]},
        {"name": "import tensorflow, keras", "cmd": [py, "-c", "import tensorflow, keras"]},
        {"name": "dlcourse --help", "cmd": dl + ["--help"]},
        {"name": "train digits_mlp -f torch", "cmd": dl + ["train", "digits_mlp", "-f", "torch", "-q",
                                                           "--runs-dir", str(runs)],
         "baseline": "import torch", "first_step": True},
        {"name": "train digits_mlp -f tensorflow", "cmd": dl + ["train", "digits_mlp", "-f", "tensorflow", "-q",
                                                                "--runs-dir", str(runs)],
         "baseline": "import tensorflow, keras", "first_step": True},
    ]
    if with_compare:
        rows.append({"name": "compare digits_mlp", "cmd": dl + ["compare", "digits_mlp", "--runs-dir", str(runs)]})
    return rows


def run_once(row: dict, env: dict, scratch: Path) -> dict:
    marker = scratch / "first-step.txt"
    marker.unlink(missing_ok=True)
    env = dict(env)
    if row.get("first_step"):
        env["DLCOURSE_FIRST_STEP_FILE"] = str(marker)
    start = time.time()
    done = subprocess.run(row["cmd"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.time() - start
    if done.returncode != 0:
        raise SystemExit(f"'{row['name']}' failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    first = float(marker.read_text()) - start if row.get("first_step") and marker.is_file() else None
    return {"wall": wall, "first_step": first}


def summarise(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": values}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeat", type=int, default=5, help="timed rounds after the warm-up (default 5)")
    p.add_argument("--compare", action="store_true", help="also time 'dlcourse compare digits_mlp' (about 20 s)")
    p.add_argument("--src", type=Path, default=None, help="run the dlcourse package found in this folder instead")
    p.add_argument("--label", default="current", help="name of this measurement in the JSON file")
    p.add_argument("--json", type=Path, default=HERE / "results" / "startup.json",
                   help="results file (default benchmarks/results/startup.json; each label is kept)")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", DLCOURSE_CLASSROOM_DIR=tempfile.mkdtemp(prefix="bench-room-"))
    if args.src is not None:
        if not (args.src / "dlcourse" / "__init__.py").is_file():
            p.error(f"--src {args.src}: no dlcourse package there (give the 'src' folder of a checkout)")
        env["PYTHONPATH"] = str(args.src.resolve())
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        scratch = Path(tmp)
        rows = commands(scratch / "runs", args.compare)
        print(f"warm-up ({len(rows)} commands)...", flush=True)
        for row in rows:
            run_once(row, env, scratch)
        samples: dict[str, list[dict]] = {row["name"]: [] for row in rows}
        for r in range(args.repeat):
            print(f"round {r + 1}/{args.repeat}...", flush=True)
            for row in rows:
                samples[row["name"]].append(run_once(row, env, scratch))
    result = {"label": args.label, "src": str(args.src) if args.src else None, "repeat": args.repeat,
              "cpus": os.cpu_count(), "load_average": {"start": load_start, "end": os.getloadavg()[0]},
              "python": sys.version.split()[0], "rows": {}}
    for row in rows:
        s = samples[row["name"]]
        entry = {"wall": summarise([x["wall"] for x in s])}
        firsts = [x["first_step"] for x in s if x["first_step"] is not None]
        if firsts:
            entry["first_step"] = summarise(firsts)
        if row.get("baseline"):
            base = samples[row["baseline"]]
            ratios = [x["wall"] / b["wall"] for x, b in zip(s, base)]          # round by round
            entry["ratio_to_import"] = {"median_of_medians": entry["wall"]["median"] /
                                        statistics.median(b["wall"] for b in base), **summarise(ratios)}
        result["rows"][row["name"]] = entry

    print(f"\n{args.label}: {args.repeat} rounds after a warm-up, {os.cpu_count()} CPUs, load average "
          f"{result['load_average']['start']:.2f} -> {result['load_average']['end']:.2f}")
    print(f"{'command':<32} {'wall median':>11} {'min-max':>13} {'first step':>10} {'÷ import':>9} {'(min-max)':>11}")
    for name, e in result["rows"].items():
        w = e["wall"]
        first = f"{e['first_step']['median']:.2f} s" if "first_step" in e else ""
        ratio = e.get("ratio_to_import")
        r = f"{ratio['median_of_medians']:.2f}×" if ratio else ""
        rr = f"{ratio['min']:.2f}-{ratio['max']:.2f}" if ratio else ""
        print(f"{name:<32} {w['median']:>9.2f} s {w['min']:>5.2f}-{w['max']:<5.2f}s {first:>10} {r:>9} {rr:>11}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    kept = json.loads(args.json.read_text()) if args.json.is_file() else {}
    kept[args.label] = result
    args.json.write_text(json.dumps(kept, indent=2) + "\n")
    print(f"\nwrote {args.json} (label '{args.label}')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
