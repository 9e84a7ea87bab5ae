"""Run one config in both frameworks, each in its own process, and compare them side by side.

Same config means same seed, same data split and same thread count in both runs
(all read from the config). The comparison folder ``<runs>/<stamp>-<name>-compare/``
holds ``compare.json``, ``compare.md``, ``learning_curves.png``/``.svg`` (both
frameworks overlaid), the training logs and ``report.html``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from dlcourse.errors import DlcourseError, UserError, child_failure
from dlcourse.evaluation import plots
from dlcourse.frameworks import FRAMEWORKS

LABELS = {name: f.label for name, f in FRAMEWORKS.items()}


def run_child(args: list[str], log: Path, timeout: float | None = None) -> tuple[int, float, float]:
    """Run ``python -m dlcourse ARGS`` with output to ``log``; returns ``(exit code, wall seconds, peak RSS MiB)``.

    The peak resident memory is the child's own (``os.wait4`` gives the rusage of
    that one process, ``ru_maxrss`` in KiB on Linux).
    """
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    t0 = time.perf_counter()
    with open(log, "w", encoding="utf-8") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "dlcourse", *args], stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env)
        try:
            deadline = None if timeout is None else t0 + timeout
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if deadline and time.perf_counter() > deadline:
                    proc.kill()
                    pid, status, usage = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.05)
        except BaseException:
            proc.kill()
            os.wait4(proc.pid, 0)
            raise
    proc.returncode = os.waitstatus_to_exitcode(status)
    scale = 1024.0 * 1024.0 if sys.platform == "darwin" else 1024.0
    return proc.returncode, time.perf_counter() - t0, usage.ru_maxrss / scale


def _last_error(log: Path) -> str:
    lines = [ln for ln in log.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error:")]
    return (errors or lines or ["(no output)"])[-1].removeprefix("error: ")


def comparison_rows(runs: dict[str, dict]) -> list[dict]:
    """Rows ``{"item", <framework>: value}``: test metrics, parameters, timing, memory."""
    frameworks = list(runs)
    first = runs[frameworks[0]]
    keys = list(first["metrics"]["test"])
    rows = [{"item": f"test {k}", **{fw: runs[fw]["metrics"]["test"].get(k) for fw in frameworks}} for k in keys]
    rows.append({"item": "parameters", **{fw: runs[fw]["metrics"]["params"] for fw in frameworks}})
    rows.append({"item": "epochs", **{fw: runs[fw]["metrics"]["epochs"] for fw in frameworks}})
    rows.append({"item": "seconds per epoch", **{fw: runs[fw]["seconds_per_epoch"] for fw in frameworks}})
    rows.append({"item": "training seconds", **{fw: runs[fw]["metrics"]["train_seconds"] for fw in frameworks}})
    rows.append({"item": "process wall seconds", **{fw: runs[fw]["wall_seconds"] for fw in frameworks}})
    rows.append({"item": "peak memory (MiB)", **{fw: runs[fw]["peak_mib"] for fw in frameworks}})
    if all("linear" in runs[fw]["metrics"] for fw in frameworks):
        for k in ("slope", "intercept"):
            rows.append({"item": f"learned {k}", **{fw: runs[fw]["metrics"]["linear"][k] for fw in frameworks}})
    return rows


def format_value(value, item: str = "") -> str:
    """One cell; the format depends on the row (``item``), never on the size of the value, so that
    the cells of a row line up: seconds with 2 decimals, MiB with 1, counts as integers, metrics with 4."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if "seconds" in item and isinstance(value, (int, float)):
        return f"{value:,.2f}"
    if "MiB" in item and isinstance(value, (int, float)):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4f}"
    return str(value)


def markdown_table(rows: list[dict], frameworks: list[str]) -> str:
    head = "| | " + " | ".join(LABELS.get(f, f) for f in frameworks) + " |"
    sep = "|---|" + "---:|" * len(frameworks)
    body = ["| " + r["item"] + " | " + " | ".join(format_value(r.get(f), r["item"]) for f in frameworks) + " |"
            for r in rows]
    return "\n".join([head, sep, *body])


def compare(config: str, overrides: list[str] | None = None, runs_dir: str | Path = "runs",
            frameworks: tuple[str, ...] = tuple(FRAMEWORKS), evaluate: bool = True,
            progress=print, timeout: float | None = None) -> Path:
    """Train ``config`` with each framework in its own process and write the comparison folder; returns it."""
    from dlcourse.config import load_config
    from dlcourse.runs import partial_folder, read_run

    overrides = list(overrides or [])
    cfg = load_config(config, overrides)            # bad input fails here, before any training
    runs_dir = Path(runs_dir)
    partial, final = partial_folder(runs_dir, f"{cfg.name}-compare")
    try:
        sets = [a for o in overrides for a in ("--set", o)]
        runs: dict[str, dict] = {}
        for fw in frameworks:
            progress(f"training '{cfg.name}' with {LABELS[fw]} in its own process ...")
            result_file = partial / f"result-{fw}.json"
            code, wall, peak = run_child(["train", str(config), "--framework", fw, "--quiet", "--runs-dir",
                                          str(runs_dir), "--result-json", str(result_file), *sets],
                                         partial / f"train-{fw}.log", timeout)
            if code != 0:
                cls = UserError if code == 2 else DlcourseError
                raise cls("compare: " + child_failure(f"training with {fw}", code, _last_error(partial / f"train-{fw}.log"),
                                                      cfg.training.batch_size))
            result = json.loads(result_file.read_text(encoding="utf-8"))
            run = read_run(result["path"])
            seconds = [row["seconds"] for row in run["history"] if "seconds" in row]
            runs[fw] = {"path": str(Path(result["path"]).resolve()), "metrics": result["metrics"],
                        "wall_seconds": round(wall, 2), "peak_mib": round(peak, 1),
                        "seconds_per_epoch": sum(seconds) / len(seconds) if seconds else None,
                        "history": run["history"]}
            progress(f"  {fw}: {wall:.1f} s, peak memory {peak:.0f} MiB -> {result['path']}")
            if evaluate:
                code, _, _ = run_child(["evaluate", result["path"], "--quiet"], partial / f"evaluate-{fw}.log", timeout)
                if code != 0:
                    progress(f"  warning: evaluating the {fw} run failed: {_last_error(partial / f'evaluate-{fw}.log')}")
        rows = comparison_rows(runs)
        names = list(runs)
        plots.compare_curves({fw: runs[fw]["history"] for fw in names}, partial / "learning_curves",
                             f"{cfg.name}: {' vs '.join(LABELS[f] for f in names)}")
        settings = {"seed": cfg.seed, "threads": cfg.runtime.threads, "deterministic": cfg.runtime.deterministic,
                    "val_fraction": cfg.data.val_fraction, "test_fraction": cfg.data.test_fraction}
        summary = {"name": cfg.name, "task": cfg.task, "config": str(config), "overrides": overrides,
                   "settings": settings, "frameworks": names, "created": datetime.now().isoformat(timespec="seconds"),
                   "runs": {fw: {k: v for k, v in r.items() if k != "history"} for fw, r in runs.items()},
                   "rows": rows}
        (partial / "compare.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        (partial / "compare.md").write_text(f"# {cfg.name}: side by side\n\n{markdown_table(rows, names)}\n",
                                            encoding="utf-8")
        for fw in names:
            (partial / f"result-{fw}.json").unlink(missing_ok=True)
        os.replace(partial, final)
    except BaseException:
        import shutil

        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def print_comparison(folder: Path, file=None) -> None:
    """Print the table of ``folder/compare.json`` with rich."""
    from dlcourse.console import console
    from rich.table import Table

    data = json.loads((Path(folder) / "compare.json").read_text(encoding="utf-8"))
    t = Table(title=f"{data['name']}: same config, seed {data['settings']['seed']}, "
                    f"threads {data['settings']['threads']}")
    t.add_column("")
    for fw in data["frameworks"]:
        t.add_column(LABELS.get(fw, fw), justify="right")
    for row in data["rows"]:
        t.add_row(row["item"], *[format_value(row.get(fw), row["item"]) for fw in data["frameworks"]])
    console(file=file or sys.stdout).print(t)
