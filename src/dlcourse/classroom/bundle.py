"""``dlcourse classroom bundle DIR`` and ``dlcourse classroom verify DIR``: the training day on a USB key.

A bundle is one folder holding everything the learners' laptops need without a network:

``cours/``
    the student build of the course (notebooks, HTML pages, exercises, quizzes, slides, plan and
    glossary): no reference solution.
``donnees/``
    the downloadable datasets the shipped configs use, copied from this machine's cache (verified).
``poids/``
    the pretrained ImageNet weights files present in the frameworks' caches (verified).
``paquets/``
    the dlcourse wheel, and with ``--with-wheels`` the wheels of every dependency.
``installer.sh``, ``installer.bat``
    create a virtual environment, install dlcourse, import the datasets and weights.
``LISEZMOI.md``
    the trainer's notes (French): what is inside, how to install each laptop, how to run the day.
``manifest.json``
    every file's size and SHA-256, checked by ``dlcourse classroom verify DIR``.

The bundle is written into a hidden temporary folder next to ``DIR`` and renamed to ``DIR`` once
complete; any failure (an interruption included) removes it. Its size is announced, and checked
against the free disk, before anything is written there.
"""

from __future__ import annotations

import datetime
import errno
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from dlcourse.errors import UserError

MANIFEST = "manifest.json"
COURSE, DATA, WEIGHTS, PACKAGES = "cours", "donnees", "poids", "paquets"
README = "LISEZMOI.md"
INSTALL_SH, INSTALL_BAT = "installer.sh", "installer.bat"
#: The extras a learner's laptop needs for the day (the lessons use both frameworks and JupyterLab).
LEARNER_EXTRAS = ("lessons", "torch", "tensorflow")
#: Rough size of one built lesson (notebook, HTML page with its inlined KaTeX, slides), executed or not.
LESSON_BYTES = {True: 4 << 20, False: 3 << 19}
COURSE_FIXED_BYTES = 4 << 20               # exercises, quizzes, plan, glossary, the slides' reveal.js assets
MARGIN_BYTES = 64 << 20                    # free disk kept beyond the estimate
CHUNK = 1 << 20
_IGNORED = (".ipynb_checkpoints", "__pycache__", "runs", ".*")


class Log:
    """Progress lines, numbered per step (the bundle takes minutes when lessons are executed)."""

    def __init__(self, steps: int, write: Callable[[str], None] | None = None):
        self.steps, self.step = steps, 0
        self.write = write or (lambda line: print(line, flush=True))

    def __call__(self, text: str) -> None:
        self.step += 1
        self.write(f"[{self.step}/{self.steps}] {text}")

    def detail(self, text: str) -> None:
        self.write(f"      {text}")


def human(size: int | float) -> str:
    """``1.5 GB``, ``12.3 MB``, ``812 kB``: a size in decimal units, as disks and file managers show them."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{int(size)} B"


def free_bytes(folder: Path) -> int:
    """Free space on the disk holding ``folder``, in bytes (the one probe tests replace)."""
    return shutil.disk_usage(folder).free


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def _files(folder: Path) -> list[Path]:
    """Every file under ``folder`` (hidden ones included), as paths relative to it, sorted."""
    out = []
    for base, dirs, files in os.walk(folder):
        dirs.sort()
        for name in files:
            out.append((Path(base) / name).relative_to(folder))
    return sorted(out, key=lambda p: p.as_posix())


# ----------------------------------------------------------------------------- what goes in
@dataclass
class CacheFile:
    """A file of this machine's caches (a dataset's or a weights file) and where it goes in the bundle."""

    kind: str                      # "dataset" or "weights"
    name: str                      # the dataset (mnist) or the backbone with its framework
    file_name: str
    source: Path
    state: str                     # "present", "missing" or "damaged"
    target: str = ""               # folder inside the bundle, e.g. "donnees/mnist"
    url: str = ""

    @property
    def size(self) -> int:
        return self.source.stat().st_size if self.state == "present" else 0


def config_datasets() -> list[str]:
    """The downloadable datasets the shipped configs train on (``mnist``, ``cifar10``), sorted."""
    import yaml

    from dlcourse.config import builtin_config_dir
    from dlcourse.data.remote import REMOTE

    used = set()
    for path in sorted(builtin_config_dir().glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        name = (data.get("data") or {}).get("dataset") if isinstance(data, dict) else None
        if name in REMOTE:
            used.add(name)
    return sorted(used)


def dataset_files(names: list[str] | None = None) -> list[CacheFile]:
    """Each file of the downloadable datasets ``names`` (default :func:`config_datasets`) in dlcourse's cache,
    with its state: present (matches its pinned checksum), damaged or missing."""
    from dlcourse.data.download import matches
    from dlcourse.data.remote import REMOTE, dataset_folder

    out = []
    for name in config_datasets() if names is None else names:
        folder = dataset_folder(name)
        for spec in REMOTE[name].files:
            path = folder / spec.name
            state = "missing" if not path.is_file() else "present" if matches(spec, path) else "damaged"
            out.append(CacheFile("dataset", name, spec.name, path, state, f"{DATA}/{name}",
                                 REMOTE[name].urls(spec)[0]))
    return out


def weights_files() -> list[CacheFile]:
    """Each pretrained weights file dlcourse knows, in its framework's cache, with its state."""
    from dlcourse.errors import ConfigError
    from dlcourse.models.pretrained import CATALOGUE, cache_dir, verify

    out = []
    for entry in CATALOGUE:
        path = cache_dir(entry.framework) / entry.file_name
        state = "missing"
        if path.is_file():
            try:
                verify(path, entry)
                state = "present"
            except ConfigError:
                state = "damaged"
        out.append(CacheFile("weights", entry.label, entry.file_name, path, state, WEIGHTS, entry.url))
    return out


# ----------------------------------------------------------------------------- the dlcourse wheel
def source_checkout() -> Path | None:
    """The source checkout this dlcourse runs from (an editable install), else ``None``."""
    import dlcourse

    root = Path(dlcourse.__file__).resolve().parents[2]
    pyproject = root / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return None
    return root if re.search(r'^name\s*=\s*"dlcourse"', text, re.M) and (root / "src" / "dlcourse").is_dir() else None


def check_wheel(path: Path) -> Path:
    """``path`` must be a dlcourse wheel (``dlcourse-*.whl``, a zip holding dlcourse's metadata)."""
    import zipfile

    path = Path(path).expanduser()
    if not path.is_file():
        raise UserError(f"--wheel: '{path}' is not a file.",
                        "Give the dlcourse wheel, e.g. --wheel dist/dlcourse-0.1.0-py3-none-any.whl.")
    ok = path.name.startswith("dlcourse-") and path.suffix == ".whl" and zipfile.is_zipfile(path)
    if ok:
        with zipfile.ZipFile(path) as archive:
            ok = any(re.fullmatch(r"dlcourse-[^/]+\.dist-info/METADATA", n) for n in archive.namelist())
    if not ok:
        raise UserError(f"--wheel: '{path}' is not a dlcourse wheel (a file dlcourse-VERSION-py3-none-any.whl).",
                        "Give the wheel built from dlcourse's sources, e.g. with 'pip wheel --no-deps .'.")
    return path


def build_wheel(checkout: Path, dest: Path) -> Path:
    """Build the dlcourse wheel from ``checkout`` into ``dest`` (no network: the build backend must be installed)."""
    dest.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(dest), str(checkout)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=600)
    wheels = sorted(dest.glob("dlcourse-*.whl"))
    if proc.returncode != 0 or not wheels:
        last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        raise UserError(f"cannot build the dlcourse wheel from '{checkout}' ({last}).",
                        f"Install the build backend ({sys.executable} -m pip install hatchling), or give a "
                        "built wheel with --wheel FILE.")
    return wheels[-1]


def download_dependencies(wheel: Path, dest: Path, extras: tuple[str, ...] = LEARNER_EXTRAS) -> None:
    """Download the wheels of every dependency of ``wheel`` with ``extras`` into ``dest`` (``pip download``,
    binary wheels only, for this machine's system and Python version; pip's progress is shown). Needs a network."""
    requirement = f"dlcourse[{','.join(extras)}] @ {wheel.resolve().as_uri()}"
    proc = subprocess.run([sys.executable, "-m", "pip", "download", "--only-binary=:all:", "--dest", str(dest),
                           requirement], stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        raise UserError(f"--with-wheels: pip could not download the dependencies' wheels ({last}).",
                        "Run the command again on a machine with internet access, or leave out --with-wheels.")


# ----------------------------------------------------------------------------- the course
def check_student_build(folder: Path) -> Path:
    """``folder`` must be a student build of the course (``dlcourse lessons build --student``)."""
    from dlcourse.lessons.catalogue import COURSE_MARKER

    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise UserError(f"--lessons-from: '{folder}' is not a folder.",
                        "Give the folder written by 'dlcourse lessons build --student', or leave out --lessons-from.")
    marker = folder / COURSE_MARKER
    try:
        version = json.loads(marker.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError, AttributeError):
        raise UserError(f"--lessons-from: '{folder}' is not a built course folder (no readable {COURSE_MARKER}).",
                        f"Build one with 'dlcourse lessons build --student --out {folder}', or leave out "
                        "--lessons-from.") from None
    solutions = sorted((folder / "exercises").glob("*/solution*.py"))
    if version != "student" or solutions:
        raise UserError(f"--lessons-from: '{folder}' is a trainer build, with the reference solutions, which must "
                        "not reach learners.",
                        "Give the folder written by 'dlcourse lessons build --student', or leave out --lessons-from "
                        "to build it.")
    return folder


def _build_course(out: Path, log: Log, lessons_from: Path | None, fast: bool, execute: bool) -> None:
    from dlcourse.lessons.build import build_lesson, copy_exercises

    if lessons_from is not None:
        log(f"course: copying the student build {lessons_from}")
        shutil.copytree(lessons_from, out, ignore=shutil.ignore_patterns(*_IGNORED))
    else:
        from dlcourse.lessons.catalogue import list_lessons

        lessons = list_lessons()
        if not lessons:
            from dlcourse.lessons.catalogue import lessons_dir

            raise UserError(f"no lesson source in '{lessons_dir()}', the course folder seen from here, so there is "
                            "no course to build.",
                            "Run the command from another folder (not inside a built course), or give a student "
                            "build with --lessons-from.")
        how = "not executed" if not execute else "executed, fast mode" if fast else "executed"
        log(f"course: building {len(lessons)} lesson(s), student version ({how})")
        for lesson in lessons:
            built = build_lesson(lesson, out, student=True, fast=True if fast else None, run=execute, html=True)
            log.detail(f"{built.notebook.name} and {built.notebook.with_suffix('.html').name} "
                       f"({built.seconds:.1f} s)")
        written = copy_exercises(out, student=True)
        log.detail(f"{len(written)} exercise and quiz file(s)")
    _slides(out, log)
    _plan_and_glossary(out, log)


def _slides(out: Path, log: Log) -> None:
    from dlcourse.lessons.slides import write_slides

    notebooks = sorted(out.glob("[0-9][0-9]_*.ipynb"))
    for notebook in notebooks:
        write_slides(notebook, out)
    log.detail(f"{len(notebooks)} slide deck(s) in {COURSE}/slides/")


def _plan_and_glossary(out: Path, log: Log) -> None:
    from dlcourse.lessons.build import write_course_pages

    log.detail(", ".join(p.name for p in write_course_pages(out)))


# ----------------------------------------------------------------------------- the bundle
@dataclass
class Plan:
    """What a bundle will hold, measured or estimated before anything is written."""

    wheel: Path
    dependencies: list[Path] = field(default_factory=list)
    data: list[CacheFile] = field(default_factory=list)
    weights: list[CacheFile] = field(default_factory=list)
    course_bytes: int = 0

    @property
    def parts(self) -> dict[str, int]:
        return {"course": self.course_bytes,
                "datasets": sum(f.size for f in self.data),
                "weights": sum(f.size for f in self.weights),
                "packages": self.wheel.stat().st_size + sum(p.stat().st_size for p in self.dependencies)}

    @property
    def total(self) -> int:
        return sum(self.parts.values())


def _check_target(target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UserError(f"'{target}' already exists and is not an empty folder; the bundle is written into a new "
                        "folder.", "Give a DIR that does not exist yet (or an empty folder).")


def _staging(target: Path) -> tuple[Path, list[Path]]:
    """A new hidden folder next to ``target`` (its parents created if needed) and the parents created."""
    created = []
    for parent in reversed(target.parents):
        if not parent.exists():
            created.append(parent)
    try:
        for parent in created:
            parent.mkdir()
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    except OSError as exc:
        for parent in reversed(created):
            try:
                parent.rmdir()
            except OSError:
                pass
        where = next((p for p in [target.parent, *target.parent.parents] if p.exists()), target.parent)
        raise UserError(f"cannot write into the folder '{where}' ({exc.strerror or type(exc).__name__}).",
                        "Choose a DIR inside a folder you can write to, e.g. in your home folder or on the "
                        "USB key.") from None
    return staging, created


def create_bundle(target: Path, *, fast: bool = False, execute: bool = True, lessons_from: Path | None = None,
                  wheel: Path | None = None, with_wheels: bool = False,
                  write: Callable[[str], None] | None = None) -> Path:
    """Write the classroom bundle into ``target`` (a folder that does not exist yet, or is empty).

    Parameters
    ----------
    fast: execute the lessons in fast mode (``FAST = True``).
    execute: execute the lessons (otherwise the notebooks are written without outputs).
    lessons_from: an existing student build to copy instead of building the course.
    wheel: the dlcourse wheel to ship (default: built from the source checkout dlcourse runs from).
    with_wheels: also ship the wheels of every dependency (downloaded: needs a network).
    write: where progress lines go (default: standard output).

    Raises :class:`UserError` (nothing written) for a non-empty ``target``, a folder that cannot be
    written, too little free disk, a trainer build given as ``lessons_from``, or no wheel to ship.
    """
    target = Path(target).expanduser().absolute()
    _check_target(target)
    if lessons_from is not None:
        if fast or not execute:
            raise UserError("--fast and --no-execute say how the course is built; they do not go with "
                            "--lessons-from, which copies a build as it is.",
                            "Leave them out, or leave out --lessons-from.")
        lessons_from = check_student_build(lessons_from)
    checkout = None
    if wheel is not None:
        wheel = check_wheel(wheel)
    else:
        checkout = source_checkout()
        if checkout is None:
            from dlcourse import __version__

            raise UserError("this dlcourse is not installed from a source checkout, so its wheel cannot be built "
                            "here; give the dlcourse wheel to ship with --wheel.",
                            f"E.g. --wheel dlcourse-{__version__}-py3-none-any.whl, the file dlcourse was "
                            "installed from.")
    log = Log(8, write)            # wheel, caches, size, course, copies, notes, manifest, done
    staging, created = _staging(target)
    try:
        with tempfile.TemporaryDirectory(prefix="dlcourse-bundle-") as scratch:
            scratch = Path(scratch)
            if wheel is None:
                log(f"packages: building the dlcourse wheel from {checkout}")
                wheel = build_wheel(checkout, scratch / "wheel")
            else:
                log(f"packages: the dlcourse wheel {wheel}")
            plan = Plan(wheel)
            if with_wheels:
                log.detail("downloading the wheels of every dependency "
                           f"(dlcourse[{','.join(LEARNER_EXTRAS)}]) into a temporary folder...")
                downloads = scratch / "dependencies"
                downloads.mkdir()
                download_dependencies(wheel, downloads, LEARNER_EXTRAS)
                plan.dependencies = [p for p in sorted(downloads.iterdir())
                                     if p.is_file() and not p.name.startswith("dlcourse-")]
                downloaded = sum(p.stat().st_size for p in plan.dependencies)
                log.detail(f"{len(plan.dependencies)} wheel(s), {human(downloaded)}")
            log("datasets and weights: looking in this machine's caches")
            plan.data, plan.weights = dataset_files(), weights_files()
            for f in plan.data + plan.weights:
                log.detail(f"{f.file_name}: {'in the cache' if f.state == 'present' else f.state}")
            if lessons_from is not None:
                plan.course_bytes = _folder_size(lessons_from) + COURSE_FIXED_BYTES
            else:
                from dlcourse.lessons.catalogue import list_lessons

                plan.course_bytes = len(list_lessons()) * LESSON_BYTES[execute] + COURSE_FIXED_BYTES
            shown = ", ".join(f"{name} {human(size)}" for name, size in plan.parts.items())
            log(f"size: the bundle will take about {human(plan.total)} ({shown})")
            needed, free = plan.total + MARGIN_BYTES, free_bytes(target.parent)
            if free < needed:
                raise UserError(f"not enough free disk for the bundle in '{target.parent}': it needs about "
                                f"{human(needed)} and {human(free)} is free.",
                                "Free some space, or give a DIR on another disk"
                                + (" (or leave out --with-wheels)." if with_wheels else "."))
            _build_course(staging / COURSE, log, lessons_from, fast, execute)
            log("datasets, weights and packages: copying")
            for f in plan.data + plan.weights:
                if f.state == "present":
                    (staging / f.target).mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(f.source, staging / f.target / f.file_name)
            (staging / PACKAGES).mkdir()
            shutil.copyfile(wheel, staging / PACKAGES / wheel.name)
            for p in plan.dependencies:
                shutil.move(str(p), staging / PACKAGES / p.name)
        log("installers and trainer's notes")
        _write_installers(staging, plan)
        _write_readme(staging, plan, fast=fast, execute=execute, lessons_from=lessons_from)
        log("manifest: hashing every file")
        manifest = write_manifest(staging)
        os.chmod(staging, 0o777 & ~_umask())
        if target.exists():
            target.rmdir()                                    # an empty folder, checked above
        os.rename(staging, target)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        for parent in reversed(created):
            try:
                parent.rmdir()
            except OSError:
                pass
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            raise UserError(f"the disk holding '{target.parent}' became full while the bundle was written "
                            "(nothing was kept).", "Free some space, or give a DIR on another disk.") from None
        raise
    total = sum(f["size"] for f in manifest["files"])
    log(f"done: {len(manifest['files'])} files, {human(total)} in {target}")
    return target


def _umask() -> int:
    from dlcourse.lessons.build import _umask

    return _umask()


# ----------------------------------------------------------------------------- manifest and verify
def write_manifest(folder: Path) -> dict:
    """Write ``folder/manifest.json``: every other file's relative path, size and SHA-256, sorted by path."""
    from dlcourse import __version__

    files = [{"path": rel.as_posix(), "size": (folder / rel).stat().st_size, "sha256": sha256_file(folder / rel)}
             for rel in _files(folder) if rel.as_posix() != MANIFEST]
    manifest = {"dlcourse": __version__,
                "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


@dataclass
class Problem:
    state: str                     # "missing", "altered" or "extra"
    path: str
    detail: str


def verify_bundle(folder: Path) -> tuple[dict, list[Problem]]:
    """Re-hash every file of ``folder``'s manifest; returns the manifest and the missing, altered and extra files.

    Raises :class:`UserError` when ``folder`` is not a bundle (no readable manifest).
    """
    folder = Path(folder).expanduser()
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        entries = {e["path"]: e for e in manifest["files"]}
        if any(Path(rel).is_absolute() or ".." in Path(rel).parts for rel in entries):
            raise ValueError("a path outside the bundle")
    except (OSError, ValueError, KeyError, TypeError):
        raise UserError(f"'{folder}' is not a classroom bundle (no readable {MANIFEST}).",
                        "Give the folder written by 'dlcourse classroom bundle DIR'.") from None
    problems = []
    for rel, entry in sorted(entries.items()):
        path = folder / rel
        if not path.is_file():
            problems.append(Problem("missing", rel, f"{entry['size']} bytes expected"))
            continue
        size = path.stat().st_size
        if size != entry["size"]:
            problems.append(Problem("altered", rel, f"size {size} bytes, expected {entry['size']}"))
        elif sha256_file(path) != entry["sha256"]:
            problems.append(Problem("altered", rel, f"SHA-256 differs from the manifest's ({entry['sha256'][:12]}…)"))
    for rel in _files(folder):
        name = rel.as_posix()
        if name != MANIFEST and name not in entries:
            problems.append(Problem("extra", name, f"{(folder / rel).stat().st_size} bytes, not in the manifest"))
    return manifest, problems


# ----------------------------------------------------------------------------- installers and notes
def _present(files: list[CacheFile]) -> list[CacheFile]:
    return [f for f in files if f.state == "present"]


def _imports(plan: Plan) -> list[tuple[str, ...]]:
    """The ``dlcourse`` arguments that install the shipped datasets and weights on a laptop."""
    commands = [("datasets", "import", name, f"{DATA}/{name}")
                for name in sorted({f.name for f in _present(plan.data)})]
    commands += [("weights", "import", f"{WEIGHTS}/{f.file_name}") for f in _present(plan.weights)]
    return commands


def _requirement(plan: Plan, windows: bool) -> list[str]:
    """pip's arguments: from ``paquets/`` only when it holds the dependencies, else the local wheel (internet)."""
    extras = ",".join(LEARNER_EXTRAS)
    if plan.dependencies:
        return ["--no-index", "--find-links", PACKAGES, f"dlcourse[{extras}]"]
    sep = "\\" if windows else "/"
    return [f"{PACKAGES}{sep}{plan.wheel.name}[{extras}]"]


def _write_installers(folder: Path, plan: Plan) -> None:
    offline = bool(plan.dependencies)
    pip_sh = " ".join(f'"{a}"' if "[" in a else a for a in _requirement(plan, windows=False))
    pip_bat = " ".join(f'"{a}"' if "[" in a else a for a in _requirement(plan, windows=True))
    imports = _imports(plan)
    where = "sans internet, depuis le dossier paquets" if offline else "ses dépendances viennent d'internet"
    sh = ["#!/bin/sh",
          "# Installe dlcourse pour la formation sur ce poste (Linux ou macOS).",
          "# Usage : sh installer.sh [DOSSIER_DE_L_ENVIRONNEMENT]   (par défaut : ~/dlcourse-venv)",
          "# Variable PYTHON : l'interpréteur à utiliser (par défaut : python3).",
          "set -e",
          'cd "$(dirname "$0")"',
          'ICI="$(pwd)"',
          'PYTHON="${PYTHON:-python3}"',
          'VENV="${1:-$HOME/dlcourse-venv}"',
          'if ! command -v "$PYTHON" >/dev/null 2>&1; then',
          '  echo "Python est introuvable ($PYTHON) : installez Python 3.11 (https://www.python.org/downloads/),'
          ' puis relancez : sh installer.sh" >&2',
          "  exit 1",
          "fi",
          "if ! \"$PYTHON\" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then",
          '  echo "$("$PYTHON" --version 2>&1) est trop ancien : dlcourse demande Python 3.10 ou plus récent.'
          ' Installez Python 3.11 (https://www.python.org/downloads/), puis relancez : sh installer.sh" >&2',
          "  exit 1",
          "fi",
          'echo "1/4 Création de l\'environnement virtuel $VENV"',
          '"$PYTHON" -m venv "$VENV"',
          'PY="$VENV/bin/python"',
          f'echo "2/4 Installation de dlcourse ({where})"',
          f'"$PY" -m pip install {pip_sh}',
          "# triton (installé avec PyTorch pour CUDA) ne sert qu'à torch.compile sur GPU NVIDIA et fait planter",
          "# un notebook qui charge TensorFlow puis PyTorch : retiré des postes sans GPU NVIDIA.",
          'command -v nvidia-smi >/dev/null 2>&1 || "$PY" -m pip uninstall -q -y triton >/dev/null 2>&1 || true',
          'echo "3/4 Import des données et des poids pré-entraînés"']
    sh += [f'"$VENV/bin/dlcourse" {" ".join(args)}' for args in imports] or ['echo "   (aucun dans ce dossier)"']
    sh += ['echo "4/4 Installation terminée."',
           'echo ""',
           'echo "Prochaines étapes :"',
           'echo "  1. Activez l\'environnement :  . \\"$VENV/bin/activate\\""',
           'echo "  2. Vérifiez ce poste :          dlcourse doctor --classroom"',
           'echo "  3. Ouvrez le cours :            cd \\"$ICI/cours\\" && jupyter lab"',
           'echo "  4. Quand le formateur donne le code de la salle :"',
           'echo "     dlcourse classroom join CODE --name PRÉNOM --server http://ADRESSE:8765"',
           ""]
    bat = ["@echo off",
           "rem Installe dlcourse pour la formation sur ce poste (Windows).",
           "rem Usage : installer.bat [DOSSIER_DE_L_ENVIRONNEMENT]   (par defaut : %USERPROFILE%\\dlcourse-venv)",
           "chcp 65001 >nul",
           "setlocal",
           'cd /d "%~dp0"',
           'if "%PYTHON%"=="" (where py >nul 2>nul && (set "PYTHON=py -3") || (set "PYTHON=python"))',
           'set "VENV=%~1"',
           'if "%VENV%"=="" set "VENV=%USERPROFILE%\\dlcourse-venv"',
           "%PYTHON% -c \"import sys; sys.exit(sys.version_info < (3, 10))\" || goto :python",
           "echo 1/4 Création de l'environnement virtuel %VENV%",
           '%PYTHON% -m venv "%VENV%" || goto :erreur',
           'set "PY=%VENV%\\Scripts\\python.exe"',
           f"echo 2/4 Installation de dlcourse ({where})",
           f'"%PY%" -m pip install {pip_bat} || goto :erreur',
           "echo 3/4 Import des données et des poids pré-entraînés"]
    bat += [f'"%VENV%\\Scripts\\dlcourse.exe" {" ".join(a.replace("/", chr(92)) for a in args)} || goto :erreur'
            for args in imports] or ["echo    (aucun dans ce dossier)"]
    bat += ["echo 4/4 Installation terminée.",
            "echo.",
            "echo Prochaines étapes :",
            'echo   1. Activez l\'environnement :  "%VENV%\\Scripts\\activate.bat"',
            "echo   2. Vérifiez ce poste :          dlcourse doctor --classroom",
            'echo   3. Ouvrez le cours :            cd /d "%~dp0cours" ^&^& jupyter lab',
            "echo   4. Quand le formateur donne le code de la salle :",
            "echo      dlcourse classroom join CODE --name PRENOM --server http://ADRESSE:8765",
            "exit /b 0",
            ":python",
            "echo Python 3.10 ou plus récent est introuvable : installez Python 3.11 depuis "
            "https://www.python.org/downloads/ (cochez « Add python.exe to PATH »), puis relancez installer.bat.",
            "exit /b 1",
            ":erreur",
            "echo L'installation a échoué : lisez le message ci-dessus, puis relancez installer.bat.",
            "exit /b 1",
            ""]
    (folder / INSTALL_SH).write_text("\n".join(sh), encoding="utf-8", newline="\n")
    os.chmod(folder / INSTALL_SH, 0o777 & ~_umask())
    (folder / INSTALL_BAT).write_text("\r\n".join(bat), encoding="utf-8", newline="")


def _embedded_datasets() -> list[str]:
    from dlcourse.data.catalogue import CATALOGUE

    return [info.name for info in CATALOGUE.values() if info.embedded]


def _write_readme(folder: Path, plan: Plan, *, fast: bool, execute: bool, lessons_from: Path | None) -> None:
    import platform

    from dlcourse import __version__

    sizes = {name: _folder_size(folder / name) for name in (COURSE, DATA, WEIGHTS, PACKAGES)}
    how = (f"copiée de {lessons_from}" if lessons_from else "notebooks non exécutés, sans sorties" if not execute
           else "notebooks exécutés en mode rapide" if fast else "notebooks exécutés")
    absent = [f for f in plan.data + plan.weights if f.state != "present"]
    shipped = _present(plan.data) + _present(plan.weights)
    lines = [
        "# Dossier de la formation « Deep Learning avec TensorFlow ou PyTorch »",
        "",
        f"Préparé le {datetime.date.today().isoformat()} avec dlcourse {__version__}. Tout ce dont les postes des "
        "apprenants ont besoin pour la journée est ici, sans réseau (sauf mention contraire ci-dessous).",
        "",
        "## Contenu",
        "",
        "| dossier ou fichier | ce qu'il contient | taille |",
        "|---|---|---|",
        f"| `{COURSE}/` | la version apprenant du cours ({how}) : les notebooks `NN_*.ipynb`, pages HTML à projeter, "
        "exercices et quiz (sans solutions de référence), diapositives (`slides/`), plan de la journée "
        f"(`plan.html`) et glossaire (`glossaire.html`) | {human(sizes[COURSE])} |",
        f"| `{DATA}/` | les jeux de données téléchargeables qu'utilisent les configurations fournies"
        + ("" if sizes[DATA] else " (pas de dossier : aucun n'était dans le cache, voir « Absent du cache »)")
        + f" | {human(sizes[DATA])} |",
        f"| `{WEIGHTS}/` | les poids ImageNet des modèles pré-entraînés"
        + ("" if sizes[WEIGHTS] else " (pas de dossier : aucun n'était dans le cache, voir « Absent du cache »)")
        + f" | {human(sizes[WEIGHTS])} |",
        f"| `{PACKAGES}/` | le paquet dlcourse (`{plan.wheel.name}`)"
        + (f" et les {len(plan.dependencies)} paquets de ses dépendances" if plan.dependencies else "")
        + f" | {human(sizes[PACKAGES])} |",
        f"| `{INSTALL_SH}`, `{INSTALL_BAT}` | l'installation sur un poste (Linux/macOS, Windows) | |",
        f"| `{MANIFEST}` | la taille et l'empreinte SHA-256 de chaque fichier | |",
        "",
        f"Total : {human(sum(sizes.values()))}.",
        "",
        "Les jeux de données intégrés (" + ", ".join(_embedded_datasets()) + ") sont déjà dans le paquet dlcourse : "
        "rien à copier pour eux.",
        "",
    ]
    if shipped:
        lines += ["Fichiers copiés depuis le cache de ce poste (vérifiés) :", ""]
        lines += [f"- `{f.target}/{f.file_name}` ({f.name}, {human(f.size)})" for f in shipped]
        lines += [""]
    if absent:
        lines += ["### Absent du cache", "",
                  "Ces fichiers n'étaient pas dans le cache du poste qui a préparé ce dossier ; les apprenants ne les "
                  "auront pas. Ils ne servent qu'aux configurations ou expériences qui les utilisent. Pour les "
                  "ajouter : sur un poste avec internet, `dlcourse datasets download NOM` pour un jeu de données, "
                  "ou téléchargez le fichier de poids puis `dlcourse weights import FICHIER`, et refaites le dossier.",
                  ""]
        lines += [f"- {f.file_name} ({'jeu de données ' if f.kind == 'dataset' else 'poids '}{f.name}) : "
                  f"{'absent du cache' if f.state == 'missing' else 'endommagé dans le cache, non copié'} — {f.url}"
                  for f in absent]
        lines += [""]
    lines += ["## Installer chaque poste", ""]
    if plan.dependencies:
        lines += [f"`{PACKAGES}/` contient toutes les dépendances : l'installation se fait sans internet. Ces paquets "
                  f"ont été téléchargés pour {platform.system()} {platform.machine()} et Python "
                  f"{sys.version_info.major}.{sys.version_info.minor} : les postes doivent avoir le même système et la "
                  "même version de Python (sinon, installez-les avec internet, sans ce dossier de paquets).", ""]
    else:
        lines += [f"`{PACKAGES}/` ne contient que le paquet dlcourse : l'installation télécharge ses dépendances "
                  "(PyTorch, TensorFlow, JupyterLab… plusieurs Go) et demande internet. Pour une salle sans internet, "
                  "refaites le dossier avec `dlcourse classroom bundle DOSSIER --with-wheels` sur un poste du même "
                  "système et de la même version de Python que ceux des apprenants.", ""]
    lines += [
        "1. Copiez ce dossier sur le poste (depuis la clé USB), puis, dans un terminal ouvert dans ce dossier :",
        "   - Linux ou macOS : `sh installer.sh`",
        "   - Windows : `installer.bat`",
        "",
        "   L'environnement virtuel est créé dans `~/dlcourse-venv` (Windows : `%USERPROFILE%\\dlcourse-venv`) ; "
        "un autre dossier se donne en argument : `sh installer.sh /chemin/vers/env`. Le script installe dlcourse, "
        "importe les données et les poids fournis, puis affiche les étapes suivantes.",
        "2. Activez l'environnement (`. ~/dlcourse-venv/bin/activate`, ou sous Windows "
        "`%USERPROFILE%\\dlcourse-venv\\Scripts\\activate.bat`) et vérifiez le poste : `dlcourse doctor --classroom`. "
        "Il contrôle la version de Python, l'espace disque, la mémoire, un pas d'entraînement dans chaque framework et "
        "JupyterLab, et donne la correction de chaque problème.",
        f"3. Pour vérifier qu'une copie de ce dossier est intacte : `dlcourse classroom verify DOSSIER` "
        f"(compare chaque fichier à `{MANIFEST}`).",
        "",
        "## Déroulé de la journée",
        "",
        f"- Le plan (jours, demi-journées, leçons, exercices et quiz) : `{COURSE}/plan.html` ; le glossaire : "
        f"`{COURSE}/glossaire.html` ; les diapositives à projeter : `{COURSE}/slides/`.",
        "- Sur votre poste de formateur, ouvrez la salle : `dlcourse classroom serve`. La commande affiche le code "
        "de la salle, un QR code et l'adresse du tableau de bord (lien secret, pour vous seul).",
        "- Chaque apprenant rejoint la salle une fois : `dlcourse classroom join CODE --name PRÉNOM --server "
        "http://ADRESSE:8765` (la commande exacte est affichée par `serve`). Ensuite chaque `dlcourse check` envoie "
        "son résultat (jamais le code) à votre tableau de bord.",
        f"- Les apprenants travaillent dans `{COURSE}/` : `cd cours`, puis `jupyter lab` ; `dlcourse check --list` "
        "liste les exercices, `dlcourse check EXERCICE --start` écrit le fichier de départ, `dlcourse check "
        "EXERCICE` le vérifie ; `dlcourse quiz N` lance le quiz du chapitre N.",
        "- En fin de journée, l'export CSV des résultats est à l'adresse affichée par `serve`.",
        "",
    ]
    (folder / README).write_text("\n".join(lines), encoding="utf-8")


# ----------------------------------------------------------------------------- command handlers
def cmd_bundle(args) -> int:
    create_bundle(Path(args.dir), fast=args.fast, execute=not args.no_execute, lessons_from=args.lessons_from,
                  wheel=args.wheel, with_wheels=args.with_wheels)
    return 0


def cmd_verify(args) -> int:
    manifest, problems = verify_bundle(Path(args.dir))
    count = len(manifest["files"])
    if not problems:
        print(f"{args.dir}: intact, {count} files match the manifest (dlcourse {manifest.get('dlcourse', '?')}, "
              f"created {manifest.get('created', '?')}).")
        return 0
    rows = [(p.state, p.path, p.detail) for p in problems]
    header = ("state", "file", "detail")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    counts = {state: sum(p.state == state for p in problems) for state in ("missing", "altered", "extra")}
    print(f"{args.dir}: not intact ({', '.join(f'{n} {s}' for s, n in counts.items() if n)}, out of {count} files "
          "in the manifest). Copy the bundle again from its source, or write it again with "
          "'dlcourse classroom bundle'.")
    return 1


__all__ = ["create_bundle", "verify_bundle", "write_manifest", "free_bytes", "download_dependencies",
           "dataset_files", "weights_files", "config_datasets", "check_student_build", "check_wheel", "Plan"]
