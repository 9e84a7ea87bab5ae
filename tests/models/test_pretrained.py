"""The catalogue of ImageNet weights files: lookup, cache folders, hashes and imports, without any framework.

No test reads a real weights file or the network: files are a few bytes written here, and
the catalogue is patched with their hashes where a matching file is needed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dlcourse.errors import ConfigError
from dlcourse.models import pretrained
from dlcourse.models.pretrained import (CATALOGUE, cache_dir, identify, import_weights, locate, lookup,
                                        verify)

ROOT = Path(__file__).resolve().parents[2]
FILES = {"torch": "resnet18-f37072fd.pth", "tensorflow": "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5"}


@pytest.fixture
def homes(tmp_path, monkeypatch) -> dict[str, Path]:
    """TORCH_HOME and KERAS_HOME pointed at empty folders under ``tmp_path``; returns the two cache folders."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    return {"torch": tmp_path / "torch-home" / "hub" / "checkpoints",
            "tensorflow": tmp_path / "keras-home" / "models"}


def fake(tmp_path: Path, framework: str, content: bytes = b"pretend these are weights\n") -> Path:
    """A small file under the official name of resnet18 (torch) or mobilenet_v3_small (tensorflow)."""
    folder = tmp_path / "usb-key"
    folder.mkdir(exist_ok=True)
    path = folder / FILES[framework]
    path.write_bytes(content)
    return path


@pytest.fixture
def matching(monkeypatch):
    """Patch the catalogue so that the entry of a given file expects that file's hash; returns the patcher."""
    def patch(path: Path):
        data = Path(path).read_bytes()
        entries = []
        for entry in pretrained.CATALOGUE:
            if entry.file_name == Path(path).name:
                digest = (hashlib.sha256(data).hexdigest()[: len(entry.digest)] if entry.hash_kind == "sha256-prefix"
                          else hashlib.new(entry.hash_kind, data).hexdigest())
                entry = dataclasses.replace(entry, digest=digest)
            entries.append(entry)
        monkeypatch.setattr(pretrained, "CATALOGUE", tuple(entries))
        return next(e for e in entries if e.file_name == Path(path).name)
    return patch


# ----------------------------------------------------------------------------- the catalogue
def test_catalogue_entries_are_those_of_the_installed_frameworks():
    """File names, digests and URLs agree with each other (torchvision: the name carries the hash prefix)."""
    assert {(e.name, e.framework) for e in CATALOGUE} == {
        ("resnet18", "torch"), ("resnet50", "torch"), ("mobilenet_v3_small", "torch"),
        ("mobilenet_v3_small", "tensorflow"), ("resnet50", "tensorflow")}
    for entry in CATALOGUE:
        assert entry.url.endswith("/" + entry.file_name)
        assert entry.hash_kind in pretrained.HASH_KINDS
        if entry.framework == "torch":
            assert entry.hash_kind == "sha256-prefix" and f"-{entry.digest}." in entry.file_name
        else:
            assert entry.hash_kind == "md5" and re.fullmatch(r"[0-9a-f]{32}", entry.digest)
        assert entry.preprocessing.endswith(".") and entry.features > 0 and entry.blocks > 0
    assert lookup("mobilenet_v3_small", "tensorflow").file_name == FILES["tensorflow"]
    assert {e.features for e in CATALOGUE if e.name == "resnet50"} == {2048}


def test_lookup_unknown_name_lists_the_known_ones():
    with pytest.raises(ConfigError) as err:
        lookup("resnet81", "torch")
    assert str(err.value) == ("pretrained backbone: expected one of 'mobilenet_v3_small', 'resnet18', 'resnet50', "
                              "got 'resnet81'. Did you mean 'resnet18'?")


def test_lookup_name_of_the_other_framework_says_which_has_it():
    with pytest.raises(ConfigError) as err:
        lookup("resnet18", "tensorflow")
    assert str(err.value) == ("pretrained backbone 'resnet18' has ImageNet weights for PyTorch only, not for "
                              "TensorFlow/Keras, whose backbones are 'mobilenet_v3_small', 'resnet50'. "
                              "Choose one of those, or train with --framework torch.")


def test_lookup_unknown_framework():
    with pytest.raises(ConfigError, match=r"framework: expected one of 'torch', 'tensorflow', got 'jax'\."):
        lookup("resnet18", "jax")


# ----------------------------------------------------------------------------- cache folders
def test_cache_dir_follows_the_frameworks_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "t"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "k"))
    assert cache_dir("torch") == tmp_path / "t" / "hub" / "checkpoints"
    assert cache_dir("tensorflow") == tmp_path / "k" / "models"
    monkeypatch.delenv("TORCH_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir("torch") == tmp_path / "xdg" / "torch" / "hub" / "checkpoints"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    assert cache_dir("torch") == tmp_path / "home" / ".cache" / "torch" / "hub" / "checkpoints"
    assert cache_dir("tensorflow") == tmp_path / "home" / ".keras" / "models"


# ----------------------------------------------------------------------------- locate and verify
@pytest.mark.parametrize("framework", ["torch", "tensorflow"])
def test_missing_file_names_the_file_the_folder_and_the_hash(homes, framework):
    entry = next(e for e in CATALOGUE if e.file_name == FILES[framework])
    with pytest.raises(ConfigError) as err:
        locate(entry)
    message = str(err.value)
    assert f"'{entry.file_name}'" in message and f"'{homes[framework]}'" in message and entry.digest in message
    assert f"'dlcourse weights import {entry.file_name}'" in message and entry.url in message
    assert message.count(". ") == 1 and "\n" not in message          # one sentence, then the hint


def test_missing_file_exact_sentence(homes):
    with pytest.raises(ConfigError) as err:
        locate(lookup("resnet18", "torch"))
    assert str(err.value) == (
        f"the ImageNet weights of resnet18 (PyTorch) are not on this machine: expected the file "
        f"'resnet18-f37072fd.pth' (SHA-256 starting with 'f37072fd') in the folder '{homes['torch']}'. "
        f"Download it on a machine with internet from https://download.pytorch.org/models/resnet18-f37072fd.pth, "
        f"copy it here and run 'dlcourse weights import resnet18-f37072fd.pth'.")


def test_a_cached_file_is_verified_before_use(homes, tmp_path):
    homes["tensorflow"].mkdir(parents=True)
    (homes["tensorflow"] / FILES["tensorflow"]).write_bytes(b"an interrupted download")
    entry = lookup("mobilenet_v3_small", "tensorflow")
    with pytest.raises(ConfigError) as err:
        locate(entry)
    found = hashlib.md5(b"an interrupted download").hexdigest()
    assert str(err.value) == (
        f"weights file '{homes['tensorflow'] / FILES['tensorflow']}' for mobilenet_v3_small (TensorFlow/Keras) has "
        f"the wrong hash: expected MD5 'd3e8ec802a04aa4fc771ee12a9a9b836', found '{found}', so it is damaged, cut "
        f"short or another file. Download '{FILES['tensorflow']}' again from {entry.url} and run "
        f"'dlcourse weights import {FILES['tensorflow']}'.")


def test_a_verified_cached_file_is_returned(homes, tmp_path, matching):
    homes["torch"].mkdir(parents=True)
    cached = homes["torch"] / FILES["torch"]
    cached.write_bytes(b"weights")
    entry = matching(cached)
    assert locate(entry) == cached


def test_a_file_given_by_path_is_not_hash_checked(tmp_path):
    mine = tmp_path / "my-finetuned.pth"
    mine.write_bytes(b"my own weights")
    assert locate(lookup("resnet18", "torch"), mine) == mine
    assert locate(lookup("resnet18", "torch"), str(mine)) == mine


def test_a_missing_file_given_by_path(tmp_path, homes):
    with pytest.raises(ConfigError) as err:
        locate(lookup("resnet18", "torch"), tmp_path / "nope.pth")
    assert str(err.value) == (f"weights file '{tmp_path / 'nope.pth'}' for resnet18 (PyTorch) does not exist. "
                              f"Check the path, or leave it out to use the ImageNet weights 'resnet18-f37072fd.pth' "
                              f"from '{homes['torch']}'.")
    with pytest.raises(ConfigError, match="is a folder, expected a file such as 'resnet18-f37072fd.pth'"):
        locate(lookup("resnet18", "torch"), tmp_path)


def test_verify_wrong_torchvision_prefix(tmp_path):
    path = fake(tmp_path, "torch")
    found = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    with pytest.raises(ConfigError) as err:
        verify(path, lookup("resnet18", "torch"))
    assert str(err.value).startswith(f"weights file '{path}' for resnet18 (PyTorch) has the wrong hash: expected "
                                     f"SHA-256 starting with 'f37072fd', found '{found}'")
    assert "dlcourse weights import resnet18-f37072fd.pth" in str(err.value)


def test_verify_reads_in_chunks(tmp_path, matching, monkeypatch):
    """A file larger than a chunk hashes as a whole (prefix checked for torchvision, full MD5 for Keras)."""
    monkeypatch.setattr(pretrained, "CHUNK", 7)
    for framework in ("torch", "tensorflow"):
        path = fake(tmp_path, framework, bytes(range(256)) * 3)
        verify(path, matching(path))


# ----------------------------------------------------------------------------- identify and import
def test_identify_by_name_then_by_hash(tmp_path, matching):
    path = fake(tmp_path, "torch")
    assert identify(path) == lookup("resnet18", "torch")
    renamed = tmp_path / "download(1).h5"
    renamed.write_bytes(b"keras weights under another name")
    with pytest.raises(ConfigError) as err:
        identify(renamed)
    assert str(err.value).startswith(f"'{renamed}' is not a known pretrained weights file: neither its name nor its "
                                     f"hash is that of 'resnet18-f37072fd.pth', 'resnet50-11ad3fa6.pth'")
    original = fake(tmp_path, "tensorflow", renamed.read_bytes())
    entry = matching(original)
    assert identify(renamed) == entry                                   # recognised by its MD5


@pytest.mark.parametrize("framework", ["torch", "tensorflow"])
def test_import_places_the_file_in_the_cache(homes, tmp_path, matching, framework):
    source = fake(tmp_path, framework)
    entry = matching(source)
    destination = import_weights(source)
    assert destination == homes[framework] / entry.file_name
    assert destination.read_bytes() == source.read_bytes()
    assert sorted(p.name for p in homes[framework].iterdir()) == [entry.file_name]   # no temporary left
    assert locate(entry) == destination


def test_identical_reimport_is_a_no_op(homes, tmp_path, matching, monkeypatch):
    source = fake(tmp_path, "torch")
    matching(source)
    destination = import_weights(source)
    before = destination.stat()

    def no_copy(*args):
        raise AssertionError("an identical file was copied again")

    monkeypatch.setattr(pretrained, "_copy_hashing", no_copy)
    assert import_weights(source) == destination
    assert import_weights(destination) == destination                  # importing the cached file itself
    assert destination.stat().st_ino == before.st_ino and destination.stat().st_mtime_ns == before.st_mtime_ns


def test_import_replaces_a_damaged_cached_file(homes, tmp_path, matching):
    source = fake(tmp_path, "tensorflow")
    matching(source)
    homes["tensorflow"].mkdir(parents=True)
    (homes["tensorflow"] / FILES["tensorflow"]).write_bytes(b"cut sh")
    assert import_weights(source).read_bytes() == source.read_bytes()


def test_failed_imports_leave_nothing(homes, tmp_path, matching, monkeypatch):
    source = fake(tmp_path, "torch")
    with pytest.raises(ConfigError, match="has the wrong hash"):          # the catalogue's real hash
        import_weights(source)
    assert not homes["torch"].exists() or list(homes["torch"].iterdir()) == []

    matching(source)

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pretrained.os, "replace", broken_replace)
    with pytest.raises(ConfigError) as err:
        import_weights(source)
    assert str(err.value) == (f"weights import: cannot copy '{source}' into the folder '{homes['torch']}' "
                              f"(No space left on device). Make the folder writable, or point TORCH_HOME at a "
                              f"writable folder.")
    assert list(homes["torch"].iterdir()) == []                          # the temporary file is gone too


def test_import_refuses_the_other_framework_and_bad_paths(homes, tmp_path, matching):
    source = fake(tmp_path, "torch")
    matching(source)
    with pytest.raises(ConfigError) as err:
        import_weights(source, "tensorflow")
    assert str(err.value).startswith("--framework tensorflow: 'resnet18-f37072fd.pth' holds the PyTorch weights of "
                                     "resnet18, not TensorFlow/Keras weights. Leave out --framework, or give one of ")
    with pytest.raises(ConfigError, match="weights import: file '.*nope.pth' does not exist"):
        import_weights(tmp_path / "nope.pth")
    with pytest.raises(ConfigError, match="is a folder, expected a weights file"):
        import_weights(tmp_path)


# ----------------------------------------------------------------------------- the command line
def _env(tmp_path: Path) -> dict:
    return {"TORCH_HOME": str(tmp_path / "torch-home"), "KERAS_HOME": str(tmp_path / "keras-home")}


def test_cli_list_shows_missing_present_and_wrong_hash(cli, tmp_path):
    folder = tmp_path / "keras-home" / "models"
    folder.mkdir(parents=True)
    (folder / FILES["tensorflow"]).write_bytes(b"not the real file")
    proc = cli("weights", "list", env=_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    rows = {tuple(line.split()[:2]): line for line in proc.stdout.splitlines()[1:6]}
    assert rows[("resnet18", "PyTorch")].endswith("missing")
    assert str(tmp_path / "torch-home" / "hub" / "checkpoints") in rows[("resnet18", "PyTorch")]
    assert rows[("mobilenet_v3_small", "TensorFlow/Keras")].endswith("wrong hash")
    assert "https://download.pytorch.org/models/resnet18-f37072fd.pth" in proc.stdout
    only = cli("weights", "list", "--framework", "tensorflow", env=_env(tmp_path))
    assert "PyTorch" not in only.stdout and "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5" in only.stdout


def _unknown(tmp_path: Path) -> Path:
    path = tmp_path / "other.bin"
    path.write_bytes(b"something else")
    return path


@pytest.mark.parametrize("make, expected", [
    (lambda tmp: fake(tmp, "torch"), "has the wrong hash: expected SHA-256 starting with 'f37072fd'"),
    (lambda tmp: tmp / "missing.pth", "weights import: file '"),
    (_unknown, "is not a known pretrained weights file"),
], ids=["wrong-hash", "missing", "unknown"])
def test_cli_import_bad_input_exits_2_with_one_line(cli, tmp_path, make, expected):
    path = make(tmp_path)
    proc = cli("weights", "import", str(path), env=_env(tmp_path))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], proc.stderr
    assert not (tmp_path / "torch-home").exists() or not any((tmp_path / "torch-home").rglob("*.pth*"))


def test_cli_import_works_exactly_as_the_hint_says(tmp_path, homes, matching, monkeypatch, capsys):
    """``dlcourse weights import FILE`` run in the folder holding the file (the catalogue patched in-process)."""
    from dlcourse.cli import main

    source = fake(tmp_path, "tensorflow")
    entry = matching(source)
    with pytest.raises(ConfigError) as err:
        locate(entry)
    hint = re.search(r"run '(dlcourse weights import [^']+)'", str(err.value)).group(1)
    monkeypatch.chdir(source.parent)
    assert main(hint.split()[1:]) == 0
    out = capsys.readouterr().out
    destination = homes["tensorflow"] / FILES["tensorflow"]
    assert out == f"mobilenet_v3_small (TensorFlow/Keras) weights verified and in place: {destination}\n"
    assert locate(entry) == homes["tensorflow"] / FILES["tensorflow"]


def test_weights_commands_import_no_framework(tmp_path):
    code = ("import sys\nfrom dlcourse.cli import main\nmain(['weights', 'list'])\n"
            "print([m for m in ('torch', 'tensorflow', 'keras', 'numpy') if m in sys.modules])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**__import__("os").environ, **_env(tmp_path)}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"
