"""The allowed import directions, checked on every import of the source (lazy ones inside functions included).

Layers, lowest first; a module imports only from its own layer or lower ones:

    errors, frameworks, console  <  data  <  models  <  config  <  backends  <  evaluation, runs  <  training  <  the rest

and, across layers: data and evaluation never import a backend's own modules (only the registry,
``dlcourse.backends``, which returns one); backends never import each other, evaluation or training.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "dlcourse"
RANK = {"errors": 0, "frameworks": 0, "console": 0, "data": 1, "models": 2, "config": 3, "backends": 4, "evaluation": 5, "runs": 5,
        "training": 6}
TOP = 7                                   # cli, commands, doctor, lessons, defaults, __init__, __main__
BACKENDS = sorted(p.name for p in (SRC / "backends").iterdir() if (p / "__init__.py").is_file())


def _module(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every ``dlcourse`` module imported anywhere in the file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("dlcourse")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dlcourse") and node.level == 0:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names
                    if (SRC.parent / f"{node.module}.{a.name}".replace(".", "/")).with_suffix(".py").exists()
                    or (SRC.parent / f"{node.module}.{a.name}".replace(".", "/")).is_dir()]
    return out


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _backend(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "backends" and parts[2] in BACKENDS else None


def violations() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        me = _module(path)
        mine = RANK.get(_area(me), TOP)
        for line, target in _imports(path):
            where = f"{path.relative_to(SRC.parent)}:{line} imports {target}"
            theirs = 0 if target == "dlcourse" else RANK.get(_area(target), TOP)   # the root: only __version__
            if theirs > mine:
                found.append(f"{where} (layer {_area(me)} may not import the higher layer {_area(target)})")
            if _area(me) in ("data", "evaluation") and _backend(target):
                found.append(f"{where} (data and evaluation reach a backend only through dlcourse.backends.get_backend)")
            if _backend(me) and _backend(target) and _backend(me) != _backend(target):
                found.append(f"{where} (a backend never imports another backend)")
    return found


def test_import_directions():
    assert violations() == []


def test_the_check_catches_a_wrong_direction(tmp_path):
    """The rules are live: a data module importing a backend, and a backend importing evaluation, are reported."""
    fake = tmp_path / "dlcourse"
    for rel in ("data", "backends/torch", "backends/tensorflow", "evaluation"):
        (fake / rel).mkdir(parents=True)
        (fake / rel / "__init__.py").write_text("")
    (fake / "data" / "bad.py").write_text("def f():\n    from dlcourse.backends.torch import engine\n")
    (fake / "backends" / "torch" / "bad.py").write_text("from dlcourse.evaluation import metrics\n"
                                                        "import dlcourse.backends.tensorflow\n")
    saved = globals()["SRC"]
    globals()["SRC"] = fake
    try:
        found = violations()
    finally:
        globals()["SRC"] = saved
    assert any("data/bad.py:2" in v and "get_backend" in v for v in found), found
    assert any("backends/torch/bad.py:1" in v and "higher layer evaluation" in v for v in found), found
    assert any("backends/torch/bad.py:2" in v and "another backend" in v for v in found), found


@pytest.mark.parametrize("area", ["data", "evaluation"])
def test_no_backend_module_is_named_in_data_or_evaluation(area):
    text = "\n".join(p.read_text(encoding="utf-8") for p in (SRC / area).rglob("*.py"))
    for name in BACKENDS:
        assert f"dlcourse.backends.{name}" not in text
