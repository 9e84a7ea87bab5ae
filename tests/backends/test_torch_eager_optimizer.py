"""PyTorch optimizers driven without importing ``torch._dynamo`` update exactly as ``optimizer.step()`` does.

dlcourse calls the optimizer's update directly while the compiler is not loaded (start-up time, see
``dlcourse.backends.torch.optim``). Each case runs in two fresh processes, one with ``torch._dynamo``
imported first (so every call goes through the public methods) and one without; losses, weights and the
final weights must be equal to the bit.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("torch")

OPTIMIZERS = [
    {"name": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"name": "sgd", "lr": 0.05},
    {"name": "adam", "lr": 0.01},
    {"name": "adamw", "lr": 0.01, "weight_decay": 0.05},
    {"name": "rmsprop", "lr": 0.01, "momentum": 0.5},
]

SCRIPT = textwrap.dedent('''
    import json, sys
    import numpy as np
    if sys.argv[1] == "public":
        import torch._dynamo  # noqa: F401  (every optimizer call then takes the public path)
    from dlcourse.backends import get_backend
    from dlcourse.config import validate_config

    torch_backend = get_backend("torch")
    out = {}
    for i, optimizer in enumerate(json.loads(sys.argv[2])):
        for fast in (False, True):
            config = validate_config({
                "name": "eager", "task": "classification", "data": {"dataset": "digits"},
                "model": {"layers": [{"type": "flatten"}, {"type": "dense", "units": 16, "activation": "relu",
                                      "l2": 0.001}, {"type": "dense", "units": 10}]},
                "optimizer": optimizer, "training": {"batch_size": 16, "clip_norm": 1.0},
                "runtime": {"fast_path": fast}})
            model = torch_backend.build_model(config.model, (8, 8), seed=3)
            rng = np.random.default_rng(0)
            batches = [(rng.standard_normal((16, 8, 8)).astype(np.float32), rng.integers(0, 10, 16))
                       for _ in range(6)]
            losses = torch_backend.train_on_batches(model, config, batches)
            out[f"{i}-{fast}"] = {"losses": losses,
                                  "weights": [w.tolist() for w in torch_backend.get_weights(model)]}
    out["dynamo_loaded"] = "torch._dynamo" in sys.modules
    print(json.dumps(out))
''')


def _run(mode: str, tmp_path) -> dict:
    script = tmp_path / "eager_case.py"
    script.write_text(SCRIPT)
    done = subprocess.run([sys.executable, str(script), mode, json.dumps(OPTIMIZERS)], capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_direct_update_equals_public_step(tmp_path):
    eager, public = _run("eager", tmp_path), _run("public", tmp_path)
    assert eager.pop("dynamo_loaded") is False          # the direct path was the one taken
    assert public.pop("dynamo_loaded") is True
    assert eager.keys() == public.keys() and len(eager) == 2 * len(OPTIMIZERS)
    for case in eager:
        assert eager[case]["losses"] == public[case]["losses"], case
        for a, b in zip(eager[case]["weights"], public[case]["weights"]):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=case)
        assert eager[case]["losses"][0] != eager[case]["losses"][-1], case      # it did train


def test_training_run_loads_no_compiler_and_no_scikit_learn(tmp_path):
    """A whole ``dlcourse train`` with PyTorch (split, optimizer, a checkpoint per epoch with the optimizer's
    state, the TensorBoard graph) imports neither the compiler nor scikit-learn."""
    code = textwrap.dedent(f'''
        import sys
        from dlcourse.cli import main
        rc = main(["train", "digits_mlp", "-f", "torch", "-q", "--runs-dir", {str(tmp_path / "runs")!r},
                   "--set", "training.epochs=2"])
        heavy = sorted(m for m in ("torch._dynamo", "torch._inductor", "sklearn", "scipy", "pandas",
                                   "torch.distributed.tensor") if m in sys.modules)
        print("LOADED", heavy, rc)
    ''')
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "LOADED [] 0" in done.stdout, done.stdout[-2000:]
