"""The command line: fast help without frameworks, and one clear sentence for every bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from dlcourse.cli import main


def test_help_imports_no_framework_and_is_fast():
    code = ("import sys, time; t=time.perf_counter(); from dlcourse.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "import json; print(json.dumps({'s': time.perf_counter()-t, "
            "'mods': [m for m in ('torch','tensorflow','keras','pydantic','numpy') if m in sys.modules]}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    info = json.loads(out.stdout.strip().splitlines()[-1])
    assert info["mods"] == []
    assert info["s"] < 0.5


def test_import_dlcourse_imports_no_framework():
    code = "import sys, dlcourse; print([m for m in ('torch', 'tensorflow', 'keras') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_help_process_under_half_a_second():
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "dlcourse", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "train" in proc.stdout
    # generous bound: the interpreter itself takes part of it on a loaded machine
    assert time.perf_counter() - t0 < 2.0


def _write(tmp_path, text, name="c.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


GOOD = """name: t
task: classification
data: {dataset: digits}
model:
  layers:
    - {type: flatten}
    - {type: dense, units: 10}
optimizer: {name: sgd, lr: 0.1}
training: {epochs: 1, batch_size: 64}
"""


BAD_INPUTS = [
    # (id, config text or None for a missing file, extra CLI args, fragment of the message)
    ("unknown-dataset", GOOD.replace("digits", "digitz"), [], "unknown dataset 'digitz'. Did you mean 'digits'?"),
    ("missing-file", None, [], "no file"),
    ("yaml-syntax", "name: t\ntask: [classification\n", [], "line 3"),
    ("unknown-key", GOOD.replace("training: {epochs: 1", "trainig: {epochs: 1"), [], "Did you mean 'training'?"),
    ("unknown-nested-key", GOOD.replace("batch_size: 64", "batchsize: 64"), [], "Did you mean 'batch_size'?"),
    ("negative-lr", GOOD.replace("lr: 0.1", "lr: -0.1"), [], "optimizer.lr"),
    ("zero-epochs", GOOD.replace("epochs: 1", "epochs: 0"), [], "training.epochs"),
    ("unknown-optimizer", GOOD.replace("name: sgd", "name: adamm"), [], "Did you mean 'adam'?"),
    ("bad-set", GOOD, ["--set", "training.epochs"], "expected key=value"),
    ("wrong-units", GOOD.replace("units: 10", "units: 5"), [], "has 5 units but dataset 'digits' has 10 classes"),
]


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_one_sentence_exit_2_nothing_written(case, tmp_path, capsys):
    _, text, extra, fragment = case
    path = str(tmp_path / "missing.yaml") if text is None else _write(tmp_path, text)
    runs = tmp_path / "runs"
    code = main(["train", path, "--framework", "torch", "--runs-dir", str(runs), "--quiet", *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert fragment in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not runs.exists() or list(runs.iterdir()) == []


def test_unknown_framework_is_rejected_by_the_parser(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "dlcourse", "train", "digits_mlp", "--framework", "jax"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "invalid choice: 'jax'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_framework_not_installed_is_one_sentence(tmp_path):
    # Hide torch from the child process: a meta-path finder that refuses it.
    code = ("import sys\n"
            "class Block:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'torch' or name.startswith('torch.'):\n"
            "            raise ModuleNotFoundError(name)\n"
            "sys.meta_path.insert(0, Block())\n"
            "import importlib.util\n"
            "importlib.util.find_spec = lambda name, *a: None if name == 'torch' else __import__('importlib.machinery').machinery.PathFinder.find_spec(name)\n"
            "from dlcourse.cli import main\n"
            f"sys.exit(main(['train', 'digits_mlp', '-f', 'torch', '--quiet', '--runs-dir', {str(tmp_path / 'r')!r}]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert "PyTorch is not installed" in proc.stderr
    assert "pip install 'dlcourse[torch]'" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback_wherever_it_is_given(tmp_path, where):
    args = ["train", str(tmp_path / "nope.yaml")]
    args = ["--debug", *args] if where == "before" else [*args, "--debug"]
    proc = subprocess.run([sys.executable, "-m", "dlcourse", *args], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr and "ConfigError" in proc.stderr


def test_explain_defaults_doc_is_in_sync():
    from pathlib import Path

    from dlcourse.defaults import markdown

    assert markdown() in (Path(__file__).parents[1] / "docs" / "framework-defaults.md").read_text()


def test_every_argument_of_every_command_has_help_text():
    import argparse

    from dlcourse.cli import build_parser

    def undocumented(parser, path):
        out = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    out += undocumented(sub, f"{path} {name}")
            elif not action.help and action.dest != "help":
                out.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
        return out

    assert undocumented(build_parser(), "dlcourse") == []


def test_config_copy_writes_a_shipped_config_to_edit_and_never_overwrites(tmp_path, capsys):
    from dlcourse.config import builtin_config_dir, load_config

    target = tmp_path / "mine.yaml"
    assert main(["config", "copy", "digits_mlp", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == (builtin_config_dir() / "digits_mlp.yaml").read_text(encoding="utf-8")
    assert load_config(str(target)).name == "digits-mlp"
    assert main(["config", "copy", "digits_mlp", str(target)]) == 2
    assert "does not overwrite" in capsys.readouterr().err
    assert main(["config", "show", "digits_mpl"]) == 2
    assert "Did you mean 'digits_mlp'" in capsys.readouterr().err
    assert main(["config", "list"]) == 0 and "linear_regression" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["explain-defaults"], ["datasets", "list"], ["summary", "digits_cnn"]])
def test_tables_fit_an_80_column_terminal_without_cutting_words(argv):
    """COLUMNS=80 (what a terminal of that width sets): every line fits, long cells fold, none ends in '…'."""
    done = subprocess.run([sys.executable, "-m", "dlcourse", *argv], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "80"}, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines and max(len(line) for line in lines) <= 80
    assert "…" not in done.stdout


def test_compare_cells_of_a_row_share_one_format():
    from dlcourse.evaluation.compare import format_value

    assert [format_value(v, "peak memory (MiB)") for v in (1203.0, 852.7)] == ["1,203.0", "852.7"]
    assert [format_value(v, "training seconds") for v in (7.58, 12.0)] == ["7.58", "12.00"]
    assert format_value(True, "deterministic") == "true" and format_value(1437, "parameters") == "1,437"
