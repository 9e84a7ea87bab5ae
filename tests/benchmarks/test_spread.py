"""benchmarks/spread.py: the median and min–max of each row over several bench_cpu.py result files."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run_file(path: Path, scale: float, load: float) -> Path:
    rows = {"course": 8.0, "dlcourse": 1.0, "reference": 1.25}
    results = {"torch": {n: {"seconds_per_epoch": v * scale, "batch_size": 64} for n, v in rows.items()}}
    path.write_text(json.dumps({"machine": {"load_start": [load, 1.0, 1.0]}, "results": results,
                                "floor": {"torch": {"floor_seconds": {"64": 0.5 * scale}}}}))
    return path


def test_spread_gives_medians_and_ranges(tmp_path):
    files = [_run_file(tmp_path / f"r{i}.json", s, 1.0 + i / 10) for i, s in enumerate((1.0, 2.0, 1.5))]
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "spread.py"), *map(str, files)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = {line.split(" | ")[1]: line for line in done.stdout.splitlines() if line.startswith("| PyTorch")}
    assert "1.50 (1.00–2.00)" in lines["dlcourse"]                  # seconds: median (min–max)
    assert "8.0× (8.0×–8.0×)" in lines["dlcourse"]                   # course ÷ this, the same in every run
    assert "0.80× (0.80×–0.80×)" in lines["dlcourse"]                # this ÷ fastest reference
    assert "0.75 (0.50–1.00)" in lines["compute floor"]
    assert "load average at each start: 1.00, 1.10, 1.20" in done.stdout


def test_spread_refuses_a_file_that_is_not_a_result(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "spread.py"), str(bad)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "not a bench_cpu.py result file" in done.stderr
