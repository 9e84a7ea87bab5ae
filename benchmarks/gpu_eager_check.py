"""On a CUDA machine: dlcourse's direct PyTorch optimizer path (torch._dynamo not loaded) against the public
one (torch._dynamo imported first), on digits_mlp and digits_cnn: final weights compared, wall times, and the
start-up of `dlcourse train digits_mlp -f torch` against a bare `import torch`.

    python benchmarks/gpu_eager_check.py
"""
import json, subprocess, sys, tempfile, time, statistics
from pathlib import Path
import torch

def train(config, pre, runs):
    code = (pre + "import sys\nfrom dlcourse.cli import main\nrc = main(['train', %r, '-f', 'torch', '--device', 'cuda', '-q', "
            "'--runs-dir', %r])\nprint('DYNAMO', 'torch._dynamo' in sys.modules)\nsys.exit(rc)\n") % (config, runs)
    t = time.time()
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    wall = time.time() - t
    if p.returncode:
        print(p.stderr[-3000:]); raise SystemExit(1)
    run = sorted(Path(runs).iterdir())[-1]
    sd = torch.load(run / "model.pt", weights_only=True)
    m = json.loads((run / "metrics.json").read_text())
    env = json.loads((run / "environment.json").read_text())
    return wall, sd, m["test"], p.stdout.strip().splitlines()[-1], env.get("settings", {}).get("device")

for config in ("digits_mlp", "digits_cnn"):
    with tempfile.TemporaryDirectory() as d:
        res = {}
        for mode, pre in (("eager", ""), ("public", "import torch._dynamo\n"), ("public2", "import torch._dynamo\n")):
            res[mode] = train(config, pre, str(Path(d) / mode))
            print(config, mode, "wall %.2f s" % res[mode][0], res[mode][2], res[mode][3], "device", res[mode][4])
        for a, b in (("eager", "public"), ("public", "public2")):
            diff = max(float((res[a][1][k].float() - res[b][1][k].float()).abs().max()) for k in res[a][1])
            print(config, a, "vs", b, "max |weight difference| =", diff)

imp, tr = [], []
with tempfile.TemporaryDirectory() as d:
    for i in range(4):
        t = time.time(); subprocess.run([sys.executable, "-c", "import torch"], check=True); imp.append(time.time() - t)
        t = time.time(); subprocess.run([sys.executable, "-m", "dlcourse", "train", "digits_mlp", "-f", "torch", "-q",
                                         "--runs-dir", d], check=True, capture_output=True); tr.append(time.time() - t)
print("import torch: median %.2f s %s" % (statistics.median(imp[1:]), [round(x, 2) for x in imp]))
print("train digits_mlp -f torch (GPU auto): median %.2f s %s" % (statistics.median(tr[1:]), [round(x, 2) for x in tr]))
print("ratio %.2f" % (statistics.median(tr[1:]) / statistics.median(imp[1:])))
