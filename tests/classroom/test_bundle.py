"""``dlcourse classroom bundle DIR`` and ``dlcourse classroom verify DIR``: the training day in one folder.

Most tests give the bundle a small student build (``--lessons-from``) and a small wheel (``--wheel``) so
that they take a second each; one test (about 20 s) builds the real bundle and installs dlcourse from it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from dlcourse.classroom import bundle
from dlcourse.cli import main
from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def _empty_caches(tmp_path, monkeypatch):
    """Every test sees empty dataset and weights caches of its own (never this machine's)."""
    for variable in ("DLCOURSE_DATA_DIR", "TORCH_HOME", "KERAS_HOME"):
        monkeypatch.setenv(variable, str(tmp_path / "caches" / variable.lower()))


def student_build(folder: Path, version: str = "student", solution: bool = False) -> Path:
    """A small built course folder: the marker, one exercise, one quiz."""
    (folder / "exercises" / "tf_tenseurs").mkdir(parents=True)
    (folder / "exercises" / "tf_tenseurs" / "starter.py").write_text("x = None  # TODO\n", encoding="utf-8")
    if solution:
        (folder / "exercises" / "tf_tenseurs" / "solution.py").write_text("x = 1\n", encoding="utf-8")
    (folder / "quizzes").mkdir()
    (folder / "quizzes" / "ch01.yaml").write_text("questions: []\n", encoding="utf-8")
    (folder / "dlcourse-course.json").write_text(json.dumps({"version": version}) + "\n", encoding="utf-8")
    return folder


def small_wheel(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "dlcourse-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("dlcourse-0.1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: dlcourse\nVersion: 0.1.0\n")
        archive.writestr("dlcourse/__init__.py", "")
    return path


def small_bundle(tmp_path: Path, capsys, *extra: str, name: str = "salle") -> tuple[int, Path, str, str]:
    """``dlcourse classroom bundle`` with the small build and wheel: (exit code, DIR, stdout, stderr)."""
    build = tmp_path / "inputs" / "build"
    if not build.exists():
        student_build(build)
    wheel = small_wheel(tmp_path / "inputs")
    target = tmp_path / "out" / name
    code = main(["classroom", "bundle", str(target), "--lessons-from", str(build), "--wheel", str(wheel), *extra])
    out, err = capsys.readouterr()
    return code, target, out, err


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


# ----------------------------------------------------------------------------- verify
def test_verify_intact_then_missing_then_altered(tmp_path, capsys):
    code, target, out, err = small_bundle(tmp_path, capsys)
    assert code == 0, err
    assert "[1/8]" in out and "will take about" in out and "done:" in out
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    paths = [f["path"] for f in manifest["files"]]
    assert paths == sorted(paths) and "manifest.json" not in paths
    assert {"LISEZMOI.md", "installer.sh", "installer.bat", "cours/dlcourse-course.json",
            "paquets/dlcourse-0.1.0-py3-none-any.whl"} <= set(paths)
    readme = target / "LISEZMOI.md"
    entry = next(f for f in manifest["files"] if f["path"] == "LISEZMOI.md")
    assert entry["size"] == readme.stat().st_size
    assert entry["sha256"] == hashlib.sha256(readme.read_bytes()).hexdigest()
    assert manifest["dlcourse"] == __import__("dlcourse").__version__ and manifest["created"][:2] == "20"

    assert main(["classroom", "verify", str(target)]) == 0
    assert "intact" in capsys.readouterr().out

    (target / "cours" / "quizzes" / "ch01.yaml").unlink()
    assert main(["classroom", "verify", str(target)]) == 1
    out = capsys.readouterr().out
    assert "missing  cours/quizzes/ch01.yaml" in out and "1 missing" in out

    data = bytearray(readme.read_bytes())
    data[5] ^= 0x01                                                      # one byte, same size
    readme.write_bytes(bytes(data))
    (target / "cours" / "notes.txt").write_text("ajout\n", encoding="utf-8")
    assert main(["classroom", "verify", str(target)]) == 1
    out = capsys.readouterr().out
    assert "altered  LISEZMOI.md" in out and "SHA-256" in out
    assert "extra    cours/notes.txt" in out
    assert "1 missing, 1 altered, 1 extra" in out


def test_verify_refuses_a_folder_that_is_not_a_bundle(tmp_path, capsys):
    assert main(["classroom", "verify", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "is not a classroom bundle (no readable manifest.json)" in err and len(err.strip().splitlines()) == 1


# ----------------------------------------------------------------------------- bad input: exit 2, nothing written
def test_non_empty_target_is_refused_and_left_alone(tmp_path, capsys):
    target = tmp_path / "out" / "salle"
    target.mkdir(parents=True)
    (target / "a-moi.txt").write_text("garder\n", encoding="utf-8")
    code, _, out, err = small_bundle(tmp_path, capsys)
    assert code == 2
    assert "already exists and is not an empty folder" in err and len(err.strip().splitlines()) == 1
    assert leftovers(target) == ["a-moi.txt"] and leftovers(tmp_path / "out") == ["salle"]


def test_low_disk_is_announced_then_refused_before_writing(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(bundle, "free_bytes", lambda folder: 10_000_000)
    code, target, out, err = small_bundle(tmp_path, capsys)
    assert code == 2
    assert "the bundle will take about" in out and "[4/8]" not in out          # announced, nothing built
    assert "not enough free disk for the bundle" in err and "10.0 MB is free" in err
    assert len(err.strip().splitlines()) == 1
    assert not target.exists() and leftovers(tmp_path / "out") == []           # no temporary folder left


def test_unwritable_parent_is_refused(tmp_path, capsys, monkeypatch):
    """A path below a regular file (any user); a folder without write permission (not as root, which
    ignores permissions): the same sentence, nothing left."""
    parent = tmp_path / "out"
    parent.mkdir()
    blocker = parent / "fichier"
    blocker.write_text("", encoding="utf-8")
    build, wheel = student_build(tmp_path / "build"), small_wheel(tmp_path / "wheel")
    args = ["--lessons-from", str(build), "--wheel", str(wheel)]
    assert main(["classroom", "bundle", str(blocker / "salle"), *args]) == 2
    err = capsys.readouterr().err
    assert f"cannot write into the folder '{blocker}'" in err and len(err.strip().splitlines()) == 1
    assert leftovers(parent) == ["fichier"]
    if os.geteuid() != 0:
        locked = parent / "verrou"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            assert main(["classroom", "bundle", str(locked / "salle"), *args]) == 2
            err = capsys.readouterr().err
            assert f"cannot write into the folder '{locked}' (Permission denied)" in err
            assert leftovers(locked) == []
        finally:
            locked.chmod(0o700)


def test_interrupted_bundle_leaves_nothing(tmp_path, capsys, monkeypatch):
    def interrupted(folder):
        raise KeyboardInterrupt

    monkeypatch.setattr(bundle, "write_manifest", interrupted)
    code, target, out, err = small_bundle(tmp_path, capsys)
    assert code == 130 and "[7/8]" in out
    assert not target.exists() and leftovers(tmp_path / "out") == []


def test_a_full_disk_while_writing_leaves_nothing(tmp_path, capsys, monkeypatch):
    def full(folder):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bundle, "write_manifest", full)
    code, target, out, err = small_bundle(tmp_path, capsys)
    assert code == 2 and "became full while the bundle was written (nothing was kept)" in err
    assert not target.exists() and leftovers(tmp_path / "out") == []


def test_a_trainer_build_never_reaches_learners(tmp_path, capsys):
    wheel = small_wheel(tmp_path / "wheel")
    for name, build in (("trainer", student_build(tmp_path / "trainer", version="trainer")),
                        ("mixed", student_build(tmp_path / "mixed", solution=True))):
        target = tmp_path / "out" / name
        assert main(["classroom", "bundle", str(target), "--lessons-from", str(build), "--wheel", str(wheel)]) == 2
        err = capsys.readouterr().err
        assert "is a trainer build, with the reference solutions, which must not reach learners" in err
        assert len(err.strip().splitlines()) == 1 and not target.exists()
    assert leftovers(tmp_path / "out") == []


def test_lessons_from_does_not_go_with_the_build_options(tmp_path, capsys):
    for option in ("--fast", "--no-execute"):
        code, target, out, err = small_bundle(tmp_path, capsys, option)
        assert code == 2 and "they do not go with --lessons-from" in err and not target.exists(), option


def test_no_checkout_and_no_wheel_names_the_wheel_option(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(bundle, "source_checkout", lambda: None)
    build = student_build(tmp_path / "build")
    assert main(["classroom", "bundle", str(tmp_path / "salle"), "--lessons-from", str(build)]) == 2
    err = capsys.readouterr().err
    assert "give the dlcourse wheel to ship with --wheel" in err and not (tmp_path / "salle").exists()
    not_a_wheel = tmp_path / "dlcourse-0.1.0-py3-none-any.whl"
    not_a_wheel.write_text("pas un zip", encoding="utf-8")
    assert main(["classroom", "bundle", str(tmp_path / "salle"), "--lessons-from", str(build),
                 "--wheel", str(not_a_wheel)]) == 2
    assert "is not a dlcourse wheel" in capsys.readouterr().err


# ----------------------------------------------------------------------------- --with-wheels
def test_with_wheels_announces_the_downloaded_size_and_checks_the_disk(tmp_path, capsys, monkeypatch):
    calls = []

    def download(wheel, dest, extras):
        calls.append((wheel.name, extras))
        (dest / "numpy-2.0.0-cp311-cp311-manylinux_x86_64.whl").write_bytes(b"n" * 2_000_000)
        (dest / "torch-2.0.0-cp311-cp311-manylinux_x86_64.whl").write_bytes(b"t" * 1_500_000)
        (dest / wheel.name).write_bytes(wheel.read_bytes())            # pip download copies the wheel too

    monkeypatch.setattr(bundle, "download_dependencies", download)
    monkeypatch.setattr(bundle, "free_bytes", lambda folder: 20_000_000)
    code, target, out, err = small_bundle(tmp_path, capsys, "--with-wheels", name="trop-petit")
    assert code == 2 and "not enough free disk" in err and "or leave out --with-wheels" in err
    assert "packages 3.5 MB" in out and not target.exists()
    assert calls == [("dlcourse-0.1.0-py3-none-any.whl", ("lessons", "torch", "tensorflow"))]

    monkeypatch.setattr(bundle, "free_bytes", lambda folder: 10**12)
    code, target, out, err = small_bundle(tmp_path, capsys, "--with-wheels")
    assert code == 0, err
    assert "packages 3.5 MB" in out and "2 wheel(s), 3.5 MB" in out
    assert leftovers(target / "paquets") == ["dlcourse-0.1.0-py3-none-any.whl",
                                             "numpy-2.0.0-cp311-cp311-manylinux_x86_64.whl",
                                             "torch-2.0.0-cp311-cp311-manylinux_x86_64.whl"]
    script = (target / "installer.sh").read_text(encoding="utf-8")
    assert '-m pip install --no-index --find-links paquets "dlcourse[lessons,torch,tensorflow]"' in script
    assert b"--no-index --find-links paquets" in (target / "installer.bat").read_bytes()
    assert "les 2 paquets de ses dépendances" in (target / "LISEZMOI.md").read_text(encoding="utf-8")


def test_without_dependency_wheels_the_installer_installs_the_local_wheel(tmp_path, capsys):
    code, target, out, err = small_bundle(tmp_path, capsys)
    assert code == 0, err
    script = (target / "installer.sh").read_text(encoding="utf-8")
    assert '-m pip install "paquets/dlcourse-0.1.0-py3-none-any.whl[lessons,torch,tensorflow]"' in script
    assert "--no-index" not in script
    assert subprocess.run(["sh", "-n", str(target / "installer.sh")], capture_output=True).returncode == 0
    bat = (target / "installer.bat").read_bytes()
    assert b"\r\n" in bat and b"\n" not in bat.replace(b"\r\n", b"")
    assert b'"paquets\\dlcourse-0.1.0-py3-none-any.whl[lessons,torch,tensorflow]"' in bat
    readme = (target / "LISEZMOI.md").read_text(encoding="utf-8")
    for words in ("dlcourse classroom serve", "sh installer.sh", "installer.bat", "dlcourse doctor --classroom",
                  "déjà dans le paquet dlcourse", "absent du cache", "dlcourse classroom verify"):
        assert words in readme, words


# ----------------------------------------------------------------------------- datasets and weights
def test_cached_datasets_and_weights_are_shipped_and_the_installer_imports_them(tmp_path, capsys, monkeypatch):
    from dlcourse.data import remote
    from dlcourse.data.download import RemoteFile
    from dlcourse.models import pretrained

    images = b"\x1f\x8b images de test"
    monkeypatch.setitem(remote.REMOTE, "mnist", remote.RemoteDataset(
        "mnist", (RemoteFile("train-images-idx3-ubyte.gz", md5=hashlib.md5(images).hexdigest()),
                  RemoteFile("train-labels-idx1-ubyte.gz", md5="0" * 32)), ("https://example.invalid/",)))
    weights = b"poids de test"
    entry = pretrained.Pretrained("resnet18", "torch", "torchvision.models.resnet18", "resnet18-test.pth",
                                  "https://example.invalid/resnet18-test.pth", "sha256",
                                  hashlib.sha256(weights).hexdigest(), 512, 5, 1, "none")
    monkeypatch.setattr(pretrained, "CATALOGUE", (entry, *pretrained.CATALOGUE[3:]))
    cached = Path(os.environ["DLCOURSE_DATA_DIR"]) / "mnist"
    cached.mkdir(parents=True)
    (cached / "train-images-idx3-ubyte.gz").write_bytes(images)
    checkpoints = Path(os.environ["TORCH_HOME"]) / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    (checkpoints / "resnet18-test.pth").write_bytes(weights)

    code, target, out, err = small_bundle(tmp_path, capsys)
    assert code == 0, err
    assert (target / "donnees" / "mnist" / "train-images-idx3-ubyte.gz").read_bytes() == images
    assert (target / "poids" / "resnet18-test.pth").read_bytes() == weights
    readme = (target / "LISEZMOI.md").read_text(encoding="utf-8")
    assert "- train-labels-idx1-ubyte.gz (jeu de données mnist) : absent du cache" in readme
    assert "- cifar-10-python.tar.gz (jeu de données cifar10) : absent du cache" in readme
    assert "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5 (poids resnet50 (TensorFlow/Keras)) : " \
           "absent du cache" in readme
    assert "`donnees/mnist/train-images-idx3-ubyte.gz`" in readme

    # the installer's import lines, run as written from the bundle, fill a learner's empty caches
    lines = [line for line in (target / "installer.sh").read_text(encoding="utf-8").splitlines()
             if line.startswith('"$VENV/bin/dlcourse"')]
    assert lines == ['"$VENV/bin/dlcourse" datasets import mnist donnees/mnist',
                     '"$VENV/bin/dlcourse" weights import poids/resnet18-test.pth']
    bat = (target / "installer.bat").read_text(encoding="utf-8")
    assert "dlcourse.exe\" datasets import mnist donnees\\mnist || goto :erreur" in bat
    learner = tmp_path / "learner"
    monkeypatch.setenv("DLCOURSE_DATA_DIR", str(learner / "data"))
    monkeypatch.setenv("TORCH_HOME", str(learner / "torch"))
    monkeypatch.chdir(target)
    for line in lines:
        assert main(shlex.split(line)[1:]) == 0, capsys.readouterr().err
    assert (learner / "data" / "mnist" / "train-images-idx3-ubyte.gz").read_bytes() == images
    assert (learner / "torch" / "hub" / "checkpoints" / "resnet18-test.pth").read_bytes() == weights


# ----------------------------------------------------------------------------- the real bundle, installed
def _run(*args, cwd: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


FIRST_CELLS = r"""
import json, sys
import nbformat
from nbclient import NotebookClient

nb = nbformat.read(sys.argv[1], as_version=4)
code = [c for c in nb.cells if c.cell_type == "code"][:2]
probe = nbformat.v4.new_code_cell("import sys, dlcourse; print(sys.executable); print(dlcourse.__file__)")
nb.cells = code + [probe]
NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
print(json.dumps([[o.get("text", "") for o in c.outputs] for c in nb.cells]))
"""


def test_real_bundle_installs_offline_and_its_course_runs(tmp_path):
    """The bundle is built for real (``--no-execute``), then dlcourse is installed from its ``paquets/``
    with ``pip install --no-index --find-links`` into a fresh virtual environment.

    Its dependencies (PyTorch, TensorFlow, JupyterLab: several GB) cannot be gathered as wheels without a
    network, so, as in ``tests/lessons/test_wheel.py``, the fresh environment reads this environment's
    site-packages through a ``.pth`` line added after the install (a plain folder on ``sys.path``: its own
    ``.pth`` files, this checkout's editable install among them, are not run), while dlcourse itself can come
    only from the bundle's wheel (``--no-index``); the test checks that the kernel imports it from there.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DLCOURSE_LESSONS_DIR")}
    target = tmp_path / "cle" / "salle"
    made = _run(sys.executable, "-m", "dlcourse", "classroom", "bundle", target, "--no-execute",
                cwd=tmp_path, env=env, timeout=600)
    assert made.returncode == 0, made.stderr[-3000:]
    assert _run(sys.executable, "-m", "dlcourse", "classroom", "verify", target, cwd=tmp_path, env=env).returncode == 0
    course = target / "cours"
    notebooks = sorted(p.name for p in course.glob("[0-9][0-9]_*.ipynb"))
    assert len(notebooks) >= 8 and all((course / n).with_suffix(".html").is_file() for n in notebooks)
    assert not list(course.glob("exercises/*/solution*.py"))
    assert json.loads((course / "dlcourse-course.json").read_text(encoding="utf-8")) == {"version": "student"}

    env_dir = tmp_path / "poste"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    installed = _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-index", "--find-links",
                     target / "paquets", "--no-deps", "-q", "dlcourse", cwd=tmp_path, env=env)
    assert installed.returncode == 0, installed.stderr[-2000:]
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                     cwd=tmp_path, env=env).stdout.strip())
    (site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"

    listed = _run(env_dir / "bin" / "dlcourse", "check", "--list", "--json", cwd=course, env=env)
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert {e["exercise"] for e in json.loads(listed.stdout)} == {p.name for p in (course / "exercises").iterdir()}

    ran = _run(python, "-c", FIRST_CELLS, course / "02_environnement.ipynb", course, cwd=course, env=env)
    assert ran.returncode == 0, ran.stderr[-3000:]
    outputs = json.loads(ran.stdout.strip().splitlines()[-1])
    versions = "".join(outputs[1])
    assert "dlcourse      0.1.0" in versions and "torch" in versions
    executable, module = "".join(outputs[2]).split()
    assert Path(executable).parent == env_dir / "bin"
    assert Path(module).is_relative_to(env_dir) and not Path(module).is_relative_to(ROOT)
