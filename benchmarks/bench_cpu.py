"""CPU benchmark: the course's code, dlcourse, a minimal in-memory loop and the compute floor, side by side.

    .venv/bin/python benchmarks/bench_cpu.py [--data-dir DIR] [--epochs N] [--samples N]
                                             [--json OUT] [--only torch|tensorflow] [--model mlp|cnn|both]

On MNIST-shaped data (60 000 x 28 x 28 uint8; synthetic by default, real IDX files from
``--data-dir``), for two models (``--model``): the course's MLP (Flatten, Dense 128 relu,
Dense 10) and the CNN of ``configs/mnist_cnn.yaml`` (conv 32, pool, conv 64, pool, dropout, dense
10). Each measured thing runs in its own process (never two frameworks in one):

- ``course``: the course's classification example of chapter 6.2, as written
  (``course_torch.py``, ``course_keras.py``); for the CNN, the same model written the course's
  plain way (``course_cnn_torch.py``, ``course_cnn_keras.py``);
- ``dlcourse``: ``run_experiment`` with the same model and hyper-parameters (``dlcourse_worker.py``);
- ``reference``: a minimal in-memory loop (``reference_loops.py``), with the framework's default
  threads and with one thread; for Keras also a hand-written ``tf.function`` loop. The fastest
  reference is the one dlcourse is compared with;
- ``floor``: the epoch's product FLOPs divided by the throughput of those products measured now
  (``floor.py``);
- ``recipe fast`` (MLP): dlcourse's time-to-accuracy recipe, when dlcourse offers one.

Seconds per epoch are the median of the epochs after the first (the warm-up). The table is
printed with rich; everything, raw per-epoch numbers included, goes to the JSON file
(default ``benchmarks/results/cpu.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import prepare_data, write_result  # noqa: E402

FRAMEWORKS = ("torch", "tensorflow")
MODELS = ("mlp", "cnn")
LABEL = {"torch": "PyTorch", "tensorflow": "Keras"}
MODEL_TITLE = {"mlp": "MLP (flatten, dense 128 relu, dense 10)",
               "cnn": "CNN (configs/mnist_cnn.yaml: conv 32, pool, conv 64, pool, dropout, dense 10)"}
COURSE_SCRIPT = {"mlp": {"torch": "course_torch.py", "tensorflow": "course_keras.py"},
                 "cnn": {"torch": "course_cnn_torch.py", "tensorflow": "course_cnn_keras.py"}}
COURSE_BATCH = {"mlp": {"torch": 64, "tensorflow": 32}, "cnn": {"torch": 64, "tensorflow": 64}}
FLOOR_LIBS = {"mlp": ("numpy", "torch"), "cnn": ("torch", "tensorflow")}
TARGET_SPEEDUP = {"torch": 7.0, "tensorflow": 3.5}
TARGET_VS_REFERENCE = 1.3
REFERENCE_LABEL = {"torch": "reference loop", "tensorflow": "reference, fit"}
TARGET_RECIPE_FRACTION = 0.1
TARGET_HELP_SECONDS = 0.3
JOB_TIMEOUT = 3600


# ----------------------------------------------------------------------------- running workers
def run_job(name: str, argv: list[str], out: Path, logs: Path, env: dict | None = None) -> dict:
    """Run one worker in its own process; returns its JSON plus the process's exit status and peak RSS.

    The worker's output goes to ``logs/<name>.log``. A failed worker gives ``{"error": ...}``.
    """
    log = logs / f"{name}.log"
    launch = time.time()
    cmd = [sys.executable, *argv, "--out", str(out), "--launch", repr(launch)]
    load = os.getloadavg()[0]
    with open(log, "w", encoding="utf-8") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}, cwd=HERE.parent)
        deadline = time.time() + JOB_TIMEOUT
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.time() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.time() - launch
    base = {"job": name, "command": " ".join(cmd[1:-4]), "load_before": load, "process_wall_seconds": wall,
            "process_peak_rss_mb": usage.ru_maxrss / 1024, "log": str(log)}
    if proc.returncode != 0 or not out.is_file():
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:] or [""]
        return {**base, "error": f"exit {proc.returncode}: {tail[0][:200]} (see {log})"}
    return {**base, **json.loads(out.read_text(encoding="utf-8"))}


def measure_help(repeats: int = 7) -> dict:
    """Median wall time of ``dlcourse --help`` (the installed script, else ``python -m dlcourse``), and what it imports."""
    script = Path(sys.executable).parent / "dlcourse"
    cmd = [str(script), "--help"] if script.is_file() else [sys.executable, "-m", "dlcourse", "--help"]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, stdin=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            return {"command": " ".join(cmd), "error": f"exit {proc.returncode}"}
    probe = subprocess.run([sys.executable, "-c", "import sys, dlcourse.cli as c; c.build_parser(); "
                            "print(int('torch' in sys.modules), int('tensorflow' in sys.modules))"],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL)
    imports = probe.stdout.split()
    return {"command": " ".join(["dlcourse", "--help"]) if script.is_file() else "python -m dlcourse --help",
            "seconds": statistics.median(times), "runs": times,
            "imports_torch": imports[:1] == ["1"], "imports_tensorflow": imports[1:2] == ["1"]}


# ----------------------------------------------------------------------------- summaries
def steady_epoch(result: dict) -> float | None:
    """Median seconds per epoch after the first (warm-up) epoch; the only epoch if there is one."""
    seconds = result.get("epoch_seconds") or []
    if not seconds:
        return None
    return statistics.median(seconds[1:] if len(seconds) > 1 else seconds)


def summarise(result: dict) -> dict:
    """Add ``seconds_per_epoch`` and ``samples_per_second`` to a worker result."""
    if "error" in result or not result.get("available", True):
        return result
    spe = steady_epoch(result)
    n = result.get("n_train") or 0
    return {**result, "seconds_per_epoch": spe, "samples_per_second": n / spe if spe else None}


def ratio(a, b):
    return a / b if a is not None and b else None


def time_to_accuracy(course: dict) -> dict:
    """Training seconds the course code needs to reach its last-epoch test accuracy (evaluation excluded)."""
    accs, secs = course.get("test_accuracy") or [], course.get("epoch_seconds") or []
    if not accs:
        return {}
    target = accs[-1]
    first = next(i for i, a in enumerate(accs) if a >= target)
    return {"target_accuracy": target, "epochs": len(accs), "reached_at_epoch": first + 1,
            "seconds": sum(secs[:first + 1]), "total_seconds": sum(secs)}


def recipe_summary(recipe: dict, course_tta: dict) -> dict:
    """Did the fast recipe reach the course's accuracy, and in what fraction of the course's time?"""
    if "error" in recipe:
        return {"available": False, "reason": recipe["error"]}
    if not recipe.get("available"):
        return {"available": False, "reason": recipe.get("reason", "not available")}
    seconds = sum(recipe.get("epoch_seconds") or [])
    acc = recipe.get("final_test_accuracy")
    target = course_tta.get("target_accuracy")
    reached = acc is not None and target is not None and acc >= target
    return {"available": True, "seconds": seconds, "test_accuracy": acc, "target_accuracy": target,
            "reached": reached, "fraction_of_course": ratio(seconds, course_tta.get("seconds")) if reached else None,
            "training": recipe.get("training"), "settings": recipe.get("settings")}


def framework_block(fw: str, jobs: dict, floor: dict, model: str = "mlp") -> dict:
    """Ratios and time-to-accuracy for one framework and one model (the fast recipe: MLP only)."""
    course, dl = (jobs.get(k, {}) for k in ("course", "dlcourse"))
    c, d = (x.get("seconds_per_epoch") for x in (course, dl))
    ref_key, r = best_reference(jobs)
    batch = str(COURSE_BATCH[model][fw])
    floor_s = floor.get("floor_seconds", {}).get(batch)
    tta = time_to_accuracy(course)
    block = {
        "floor_seconds": floor_s,
        "ratios": {"dlcourse_over_course": ratio(d, c), "course_over_dlcourse": ratio(c, d),
                   "dlcourse_over_reference": ratio(d, r), "dlcourse_over_floor": ratio(d, floor_s),
                   "course_over_floor": ratio(c, floor_s), "reference_over_floor": ratio(r, floor_s)},
        "reference": ref_key,
        "time_to_accuracy": {"course": tta},
    }
    if model == "mlp":
        block["time_to_accuracy"]["recipe_fast"] = recipe_summary(jobs.get("recipe_fast", {}), tta)
    return block


REFERENCES = ("reference", "reference_function")


def best_reference(jobs: dict) -> tuple[str | None, float | None]:
    """The fastest minimal loop measured with the framework's default threads: ``(key, seconds per epoch)``."""
    measured = [(jobs[k]["seconds_per_epoch"], k) for k in REFERENCES
                if jobs.get(k, {}).get("seconds_per_epoch")]
    if not measured:
        return None, None
    seconds, key = min(measured)
    return key, seconds


def best_floor(floors: list[dict]) -> dict:
    """The highest throughput among the libraries measured, per batch size (the lowest floor)."""
    out = {"floor_seconds": {}, "gflops": {}, "by_lib": {}}
    for f in floors:
        if "error" in f:
            continue
        for b, v in f["batch"].items():
            out["by_lib"].setdefault(b, {})[f["lib"]] = {"gflops": v["gflops"], "threads": v["best_threads"]}
            if v["gflops"] > out["gflops"].get(b, 0):
                out["gflops"][b], out["floor_seconds"][b] = v["gflops"], v["floor_seconds"]
        out["flops_per_epoch"] = f["flops_per_epoch"]
        out.update({k: f[k] for k in ("step_flops_per_sample", "forward_multiply_adds_per_sample", "counting") if k in f})
    return out


def targets(report: dict) -> list[dict]:
    """The speed targets, each with its measured value and whether it is met (None: not measurable).

    MLP: speed-up over the course code, ratio to the fastest reference, fast recipe, per framework;
    CNN (when measured): ratio to the fastest reference, per framework; then ``dlcourse --help``.
    """
    rows = []
    for fw, block in report["frameworks"].items():
        r = block["ratios"]
        sp = r["course_over_dlcourse"]
        rows.append({"target": f"{LABEL[fw]}: dlcourse >= {TARGET_SPEEDUP[fw]}x faster per epoch than the course code",
                     "measured": sp, "unit": "x", "met": None if sp is None else sp >= TARGET_SPEEDUP[fw]})
        vr = r["dlcourse_over_reference"]
        rows.append({"target": f"{LABEL[fw]}: dlcourse within {TARGET_VS_REFERENCE}x of the fastest in-memory "
                               f"reference loop ({block.get('reference') or 'none'})",
                     "measured": vr, "unit": "x", "met": None if vr is None else vr <= TARGET_VS_REFERENCE})
        rec = block["time_to_accuracy"]["recipe_fast"]
        frac = rec.get("fraction_of_course")
        rows.append({"target": f"{LABEL[fw]}: --recipe fast reaches the course accuracy in <= "
                               f"{TARGET_RECIPE_FRACTION:g} of the course code's time",
                     "measured": frac, "unit": "of course time",
                     "met": None if not rec.get("available") else bool(rec.get("reached") and frac is not None
                                                                          and frac <= TARGET_RECIPE_FRACTION)})
    for fw, block in (report.get("cnn") or {}).get("frameworks", {}).items():
        vr = block["ratios"]["dlcourse_over_reference"]
        rows.append({"target": f"{LABEL[fw]} CNN: dlcourse within {TARGET_VS_REFERENCE}x of the fastest in-memory "
                               f"reference loop ({block.get('reference') or 'none'})",
                     "measured": vr, "unit": "x", "met": None if vr is None else vr <= TARGET_VS_REFERENCE})
    h = report["startup"].get("seconds")
    rows.append({"target": f"dlcourse --help under {TARGET_HELP_SECONDS} s", "measured": h, "unit": "s",
                 "met": None if h is None else h < TARGET_HELP_SECONDS})
    return rows


# ----------------------------------------------------------------------------- display
def _f(value, fmt="{:.2f}", missing="-"):
    return missing if value is None else fmt.format(value)


def epoch_table(title: str, model: str, block: dict):
    """The seconds-per-epoch table of one model; ``block`` holds its ``results`` and ``frameworks``."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for col, just in (("framework", "left"), ("what", "left"), ("batch", "right"), ("s/epoch", "right"),
                      ("samples/s", "right"), ("RSS MB", "right"), ("1st step s", "right"),
                      ("test acc", "right"), ("course÷this", "right"), ("this÷ref", "right"),
                      ("this÷floor", "right"), ("load", "right")):
        table.add_column(col, justify=just, no_wrap=True)
    for fw, fblock in block["frameworks"].items():
        jobs = block["results"][fw]
        ref = best_reference(jobs)[1]
        course = jobs.get("course", {}).get("seconds_per_epoch")
        floor_s = fblock["floor_seconds"]
        for key, what in (("course", "course code"), ("dlcourse", "dlcourse"), ("reference", REFERENCE_LABEL[fw]),
                          ("reference_function", "reference, tf.function loop"),
                          ("reference_1thread", "reference, 1 thread")):
            j = jobs.get(key)
            if j is None:
                continue
            if "error" in j:
                table.add_row(LABEL[fw], what, "", "failed", "", "", "", "", "", "", "", "")
                continue
            s = j.get("seconds_per_epoch")
            acc = (j.get("test_accuracy") or [None])[-1] if "test_accuracy" in j else j.get("final_test_accuracy")
            table.add_row(LABEL[fw], what, str(j.get("batch_size", "")), _f(s, "{:.3f}"),
                          _f(j.get("samples_per_second"), "{:,.0f}"), _f(j.get("peak_rss_mb"), "{:.0f}"),
                          _f(j.get("first_step_seconds"), "{:.1f}"), _f(acc, "{:.4f}"),
                          _f(ratio(course, s), "{:.1f}x"), _f(ratio(s, ref), "{:.2f}x"), _f(ratio(s, floor_s), "{:.1f}x"),
                          _f(j.get("load_before"), "{:.1f}"))
        table.add_row(LABEL[fw], "compute floor", str(COURSE_BATCH[model][fw]),
                      _f(floor_s, "{:.3f}"), "", "", "", "", _f(ratio(course, floor_s), "{:.1f}x"),
                      _f(ratio(floor_s, ref), "{:.2f}x"), "1.0x", "", end_section=True)
    return table


def floor_note(floors: dict) -> str:
    """One line on how the CNN floor was counted and measured: FLOPs per sample, GFLOP/s per framework and library."""
    per_sample, parts = None, []
    for fw, floor in floors.items():
        per_sample = per_sample or floor.get("step_flops_per_sample")
        for b, libs in floor.get("by_lib", {}).items():
            measured = ", ".join(f"{lib} {v['gflops']:.1f} ({v['threads']} thr.)" for lib, v in libs.items())
            parts.append(f"{LABEL[fw]} batch {b}: {measured} GFLOP/s")
    return (f"CNN floor: {_f(per_sample, '{:,}')} FLOPs per sample and step (forward, weight gradients, input "
            f"gradients but the first layer's; element-wise work left out); {'; '.join(parts) or 'not measured'}")


def print_report(report: dict) -> None:
    """Print the tables of a results file: one per model measured, time to accuracy (MLP), targets."""
    from rich.console import Console

    console = Console(width=max(160, Console().width))
    meta = report["machine"]
    console.print(f"[bold]CPU benchmark[/bold]  {meta['cpu_count']} cores, {meta['platform']}, "
                  f"load average {meta['load_start'][0]:.2f} at start, {meta['load_end'][0]:.2f} at end; "
                  f"data: {report['data']['source']}, {report['data']['n_train']} train / "
                  f"{report['data']['n_test']} test; {report['settings']['epochs']} epochs")
    if report["frameworks"]:
        console.print(epoch_table(f"Seconds per epoch (median after a warm-up epoch), {MODEL_TITLE['mlp']}",
                                  "mlp", report))
    cnn = report.get("cnn")
    if cnn and cnn["frameworks"]:
        console.print(epoch_table(f"Seconds per epoch (median after a warm-up epoch), {MODEL_TITLE['cnn']}",
                                  "cnn", cnn))
        console.print(floor_note(cnn["floor"]))
    if report["frameworks"]:
        print_time_to_accuracy(console, report)
    print_targets(console, report)


def print_time_to_accuracy(console, report: dict) -> None:
    """The MLP's time-to-accuracy table: the course code's seconds to its own final accuracy, and the fast recipe's."""
    from rich.table import Table

    tta = Table(title="Time to the course's test accuracy (training seconds, evaluation excluded)", title_justify="left")
    for col in ("framework", "course acc", "reached at epoch", "course s", "recipe fast s", "recipe acc",
                "recipe÷course"):
        tta.add_column(col, justify="left" if col == "framework" else "right")
    for fw, block in report["frameworks"].items():
        c, r = block["time_to_accuracy"]["course"], block["time_to_accuracy"]["recipe_fast"]
        if r.get("available"):
            rs, racc = _f(r["seconds"], "{:.1f}"), _f(r["test_accuracy"], "{:.4f}")
            frac = _f(r["fraction_of_course"], "{:.3f}") if r["reached"] else "not reached"
        else:
            rs, racc, frac = "not available", "", ""
        tta.add_row(LABEL[fw], _f(c.get("target_accuracy"), "{:.4f}"),
                    f"{c.get('reached_at_epoch', '-')}/{c.get('epochs', '-')}", _f(c.get("seconds"), "{:.1f}"),
                    rs, racc, frac)
    console.print(tta)


def print_targets(console, report: dict) -> None:
    """The ``dlcourse --help`` line and the targets table."""
    from rich.table import Table

    st = report["startup"]
    console.print(f"dlcourse --help: {_f(st.get('seconds'), '{:.3f}')} s (median of {len(st.get('runs', []))}; "
                  f"imports torch: {st.get('imports_torch')}, tensorflow: {st.get('imports_tensorflow')})")
    tg = Table(title="Speed targets", title_justify="left")
    for col in ("target", "measured", "met"):
        tg.add_column(col)
    for row in report["targets"]:
        met = {True: "[green]yes[/green]", False: "[red]no[/red]", None: "not available"}[row["met"]]
        fmt = "{:.3f} s" if row["unit"] == "s" else "{:.2f}x" if row["unit"] == "x" else "{:.3f} " + row["unit"]
        tg.add_row(row["target"], _f(row["measured"], fmt, "not available"), met)
    console.print(tg)


# ----------------------------------------------------------------------------- main
def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", type=Path, help="folder of MNIST IDX files (train and/or t10k pair, .gz or not); "
                                                  "default: synthetic MNIST-shaped data")
    p.add_argument("--epochs", type=int, default=5, help="epochs of every training run (default 5, as in the course)")
    p.add_argument("--samples", type=int, default=60000, help="training samples (default 60000)")
    p.add_argument("--json", type=Path, default=HERE / "results" / "cpu.json", help="where to write the results")
    p.add_argument("--only", choices=FRAMEWORKS, help="measure one framework only")
    p.add_argument("--model", choices=[*MODELS, "both"], default="both",
                   help="the course's MLP, the CNN of configs/mnist_cnn.yaml, or both (default)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-thread-sweep", action="store_true", help="skip the one-thread reference loops")
    p.add_argument("--show", type=Path, metavar="JSON", help="print the tables of an earlier run's JSON and exit")
    args = p.parse_args(argv)
    if args.epochs < 1:
        p.error(f"--epochs must be at least 1, got {args.epochs}")
    if args.samples < 100:
        p.error(f"--samples must be at least 100, got {args.samples}")
    if args.data_dir is not None and not args.data_dir.is_dir():
        p.error(f"--data-dir '{args.data_dir}' is not a folder")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.show:
        try:
            print_report(json.loads(args.show.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError) as exc:
            print(f"error: cannot show '{args.show}': it is not a results file of this benchmark ({exc}).",
                  file=sys.stderr)
            return 2
        return 0
    frameworks = [args.only] if args.only else list(FRAMEWORKS)
    load_start = os.getloadavg()
    t_start = time.time()
    args.json.parent.mkdir(parents=True, exist_ok=True)
    logs = args.json.with_name(args.json.stem + "-logs")
    logs.mkdir(exist_ok=True)
    models = list(MODELS) if args.model == "both" else [args.model]
    results: dict = {model: {fw: {} for fw in frameworks if model in models} for model in MODELS}
    floors: dict = {model: {} for model in MODELS}
    with tempfile.TemporaryDirectory(prefix="dlcourse-bench-") as tmp:
        tmp = Path(tmp)
        data = tmp / "data"
        print(f"preparing data in {data} ...", flush=True)
        data_info = prepare_data(data, args.data_dir, args.samples, args.seed)
        common = ["--data", str(data), "--seed", str(args.seed)]
        epochs = ["--epochs", str(args.epochs)]

        def job(model, fw, key, argv, env=None):
            """Run one worker; its summarised result goes to ``results[model][fw][key]``."""
            name = f"{fw}-{key}" if model == "mlp" else f"{fw}-{model}-{key}"
            print(f"  {LABEL[fw]:8} {model} {key} ...", end=" ", flush=True)
            r = summarise(run_job(name, argv, tmp / f"{name}.json", logs, env))
            results[model][fw][key] = r
            shown = r.get("error") or (f"{r['seconds_per_epoch']:.3f} s/epoch" if r.get("seconds_per_epoch")
                                       else r.get("reason", "done"))
            print(shown, flush=True)

        def floor(model, fw):
            """The model's floor, measured just before the framework's runs with each library of FLOOR_LIBS."""
            batch = str(COURSE_BATCH[model][fw])
            runs = []
            for lib in FLOOR_LIBS[model]:
                name = f"{fw}-floor-{lib}" if model == "mlp" else f"{fw}-{model}-floor-{lib}"
                print(f"  {LABEL[fw]:8} {model} floor ({lib}) ...", end=" ", flush=True)
                f = run_job(name, ["benchmarks/floor.py", lib, "--model", model, "--data", str(data),
                                   "--batch-sizes", batch], tmp / f"{name}.json", logs)
                runs.append(f)
                print(f.get("error") or f"{f['batch'][batch]['gflops']:.1f} GFLOP/s", flush=True)
            floors[model][fw] = {**best_floor(runs), "runs": runs}

        print("dlcourse --help start-up ...", flush=True)
        startup = measure_help()
        for fw in frameworks:
            print(f"{LABEL[fw]}:", flush=True)
            for model in models:
                floor(model, fw)
                opt = [] if model == "mlp" else ["--model", model]
                job(model, fw, "course", [f"benchmarks/{COURSE_SCRIPT[model][fw]}", *common, *epochs])
                job(model, fw, "dlcourse", ["benchmarks/dlcourse_worker.py", fw, *opt, *common, *epochs])
                job(model, fw, "reference", ["benchmarks/reference_loops.py", fw, *opt, *common, *epochs])
                if fw == "tensorflow":
                    job(model, fw, "reference_function", ["benchmarks/reference_loops.py", fw, "--loop", "function",
                                                          *opt, *common, *epochs])
                if not args.no_thread_sweep:
                    job(model, fw, "reference_1thread", ["benchmarks/reference_loops.py", fw, "--threads", "1",
                                                         *opt, *common, *epochs])
                if model == "mlp":
                    # ------------------------------------------------------------------------------------
                    # Time to accuracy with dlcourse's fast recipe (dlcourse_worker.py --recipe fast; see its
                    # apply_fast_recipe()). Reported as 'not available' when dlcourse offers no recipe.
                    job(model, fw, "recipe_fast", ["benchmarks/dlcourse_worker.py", fw, "--recipe", "fast",
                                                   *common, *epochs])
                    # ------------------------------------------------------------------------------------

    def blocks(model):
        return {fw: framework_block(fw, results[model][fw], floors[model][fw], model) for fw in results[model]}

    report = {
        "settings": {"epochs": args.epochs, "samples": args.samples, "seed": args.seed, "only": args.only,
                     "model": args.model, "command": " ".join([Path(sys.executable).name, *sys.argv])},
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "processor": platform.processor(), "load_start": list(load_start), "load_end": list(os.getloadavg()),
                    "seconds": time.time() - t_start, "date": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
        "data": data_info,
        "startup": startup,
        # The MLP's blocks stay at the top level (the layout of earlier results files); the CNN's under "cnn".
        "floor": floors["mlp"],
        "results": results["mlp"],
        "frameworks": blocks("mlp"),
        "cnn": {"config": "configs/mnist_cnn.yaml", "floor": floors["cnn"], "results": results["cnn"],
                "frameworks": blocks("cnn")},
    }
    report["targets"] = targets(report)
    write_result(args.json, report)
    print()
    print_report(report)
    print(f"\nresults: {args.json} (worker logs in {logs}); {report['machine']['seconds']:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
