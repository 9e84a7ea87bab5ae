"""The catalogue, downloadable datasets through the cache, and the 'datasets' command."""

from __future__ import annotations

import gzip
import hashlib
import socket

import numpy as np
import pytest

from dlcourse.cli import main
from dlcourse.data import remote
from dlcourse.data.catalogue import CATALOGUE, load_dataset
from dlcourse.data.download import RemoteFile
from dlcourse.errors import DataError

EMBEDDED = [name for name, info in CATALOGUE.items() if info.embedded]


@pytest.mark.parametrize("name", EMBEDDED)
def test_embedded_datasets_follow_the_conventions(name):
    ds = load_dataset(name, seed=0)
    info = CATALOGUE[name]
    assert ds.task == info.task and ds.x.dtype == np.float32 and len(ds.x) == len(ds.y)
    if ds.task == "classification":
        assert ds.y.dtype == np.int64 and ds.y.ndim == 1 and ds.n_outputs == len(np.unique(ds.y))
    else:
        assert ds.y.dtype == np.float32 and ds.y.shape == (len(ds.x), 1)


def test_digits_read_from_the_bundled_file_equal_scikit_learns_loader():
    from sklearn.datasets import load_digits

    ds, bunch = load_dataset("digits"), load_digits()
    np.testing.assert_array_equal(ds.x, bunch.images.astype(np.float32))
    np.testing.assert_array_equal(ds.y, bunch.target)


def test_generators_are_seeded():
    for name in ("linear", "sine", "moons", "spirals"):
        a, b, c = load_dataset(name, seed=1), load_dataset(name, seed=1), load_dataset(name, seed=2)
        np.testing.assert_array_equal(a.x, b.x)
        assert not np.array_equal(a.x, c.x)
    s = load_dataset("spirals", {"n_samples": 301})
    assert len(s.x) == 301 and abs(s.y.mean() - 0.5) < 0.01


def test_unknown_dataset_and_option():
    with pytest.raises(DataError, match="Did you mean 'iris'"):
        load_dataset("irsi")
    with pytest.raises(DataError, match="no option 'pth'"):
        load_dataset("csv", {"pth": "x"})


def idx_gz(arr: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return gzip.compress(header + arr.astype(np.uint8).tobytes(), mtime=0)


def mnist_arrays(seed: int, n_train: int, n_test: int) -> dict[str, np.ndarray]:
    """Random MNIST-shaped images and labels under the publisher's four file names."""
    rng = np.random.default_rng(seed)
    return {"train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28)),
            "train-labels-idx1-ubyte.gz": np.arange(n_train) % 10,
            "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28)),
            "t10k-labels-idx1-ubyte.gz": np.arange(n_test) % 10}


@pytest.fixture
def fake_mnist(tmp_path, monkeypatch):
    """MNIST-shaped files made here, pinned by their SHA-256 in place of the published ones."""
    arrays = mnist_arrays(0, 40, 10)
    usb = tmp_path / "usb"
    usb.mkdir()
    files = []
    for name, arr in arrays.items():
        data = idx_gz(arr)
        (usb / name).write_bytes(data)
        files.append(RemoteFile(name, sha256=hashlib.sha256(data).hexdigest()))
    monkeypatch.setitem(remote.REMOTE, "mnist", remote.RemoteDataset("mnist", tuple(files), ()))
    monkeypatch.setenv("DLCOURSE_DATA_DIR", str(tmp_path / "cache"))
    return usb


def test_import_then_load_from_cache(fake_mnist, tmp_path, capsys):
    with pytest.raises(DataError, match="datasets download mnist"):
        load_dataset("mnist")
    assert main(["datasets", "import", "mnist", str(fake_mnist)]) == 0
    assert "verified and installed" in capsys.readouterr().out
    ds = load_dataset("mnist")
    assert ds.x.shape == (40, 28, 28) and ds.x.dtype == np.uint8 and ds.test[0].shape == (10, 28, 28)
    assert main(["datasets", "info", "mnist"]) == 0
    assert "loaded   x (40, 28, 28) uint8" in capsys.readouterr().out


def test_info_calls_a_truncated_cached_file_damaged(fake_mnist, tmp_path, capsys):
    assert main(["datasets", "import", "mnist", str(fake_mnist)]) == 0
    cached = tmp_path / "cache" / "mnist" / "t10k-labels-idx1-ubyte.gz"
    cached.write_bytes(cached.read_bytes()[:-4])
    capsys.readouterr()
    main(["datasets", "info", "mnist"])
    out = capsys.readouterr().out
    assert "damaged t10k-labels-idx1-ubyte.gz" in out and "ok      train-images-idx3-ubyte.gz" in out
    assert "damaged files (truncated or altered): t10k-labels-idx1-ubyte.gz" in out


def test_idx_folder_messages_name_what_is_there(tmp_path, capsys):
    folder = tmp_path / "idx"
    folder.mkdir()
    (folder / "train-images-idx3-ubyte.gz").write_bytes(idx_gz(np.zeros((4, 28, 28))))
    with pytest.raises(DataError, match=r"no complete pair of mnist IDX files .*found: train_images"):
        load_dataset("mnist", {"path": str(folder)})
    (folder / "train-images-idx3-ubyte.gz").unlink()
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(idx_gz(np.zeros((12, 28, 28))))
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(idx_gz(np.arange(12) % 10))
    ds = load_dataset("mnist", {"path": str(folder)})
    assert len(ds.x) == 12
    assert "holds only the mnist test pair (t10k-*)" in capsys.readouterr().err


@pytest.mark.slow
def test_import_then_train_mnist_mlp_with_no_other_option(tmp_path, monkeypatch, cli):
    usb, files = tmp_path / "usb", []
    usb.mkdir()
    for name, arr in mnist_arrays(1, 200, 50).items():
        (usb / name).write_bytes(idx_gz(arr))
        files.append(RemoteFile(name, sha256=hashlib.sha256((usb / name).read_bytes()).hexdigest()))
    monkeypatch.setitem(remote.REMOTE, "mnist", remote.RemoteDataset("mnist", tuple(files), ()))
    monkeypatch.setenv("DLCOURSE_DATA_DIR", str(tmp_path / "cache"))
    assert main(["datasets", "import", "mnist", str(usb)]) == 0      # checked against the pins made above
    env = {"DLCOURSE_DATA_DIR": str(tmp_path / "cache")}
    done = cli("train", "mnist_mlp", "-f", "torch", "-q", "--set", "training.epochs=1",
               "--runs-dir", str(tmp_path / "runs"), env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    (run,) = (tmp_path / "runs").iterdir()
    import json

    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["epochs"] == 1
    assert "test pair" not in done.stderr                   # both pairs were imported: the real training split
    cached = load_dataset("mnist")                          # what the run read: the imported files
    assert cached.x.shape == (200, 28, 28) and cached.test[0].shape == (50, 28, 28)
    assert not (tmp_path / "data").exists()


def test_import_refuses_a_corrupt_copy(fake_mnist, tmp_path, capsys):
    bad = fake_mnist / "train-labels-idx1-ubyte.gz"
    bad.write_bytes(bad.read_bytes()[:-3])
    assert main(["datasets", "import", "mnist", str(fake_mnist)]) == 2
    err = capsys.readouterr().err
    assert "does not match its pinned checksum" in err and str(bad) in err
    assert not (tmp_path / "cache" / "mnist" / "train-labels-idx1-ubyte.gz").exists()


def test_download_through_mirrors_and_offline_message(fake_mnist, server, monkeypatch, tmp_path, capsys):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = s.getsockname()[1]
    s.close()
    files = remote.REMOTE["mnist"].files
    monkeypatch.setitem(remote.REMOTE, "mnist", remote.RemoteDataset("mnist", files, (f"http://127.0.0.1:{dead}/",)))
    assert main(["datasets", "download", "mnist", "--timeout", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "offline" in err and "dlcourse datasets import mnist DIR" in err
    for spec in files:
        server.routes[f"/m/{spec.name}"] = [("ok", (fake_mnist / spec.name).read_bytes())]
    mirrors = (f"http://127.0.0.1:{dead}/", server.url("/m/"))
    monkeypatch.setitem(remote.REMOTE, "mnist", remote.RemoteDataset("mnist", files, mirrors))
    assert main(["datasets", "download", "mnist", "--data-dir", str(tmp_path / "other")]) == 0
    assert sorted(p.name for p in (tmp_path / "other" / "mnist").iterdir()) == sorted(s.name for s in files)
    assert load_dataset("mnist", {"data_dir": str(tmp_path / "other")}).x.shape == (40, 28, 28)


def test_list_and_info_commands(tmp_path, capsys):
    assert main(["datasets", "list", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for name in ("digits", "iris", "wine", "breast_cancer", "diabetes", "moons", "mnist", "cifar10", "csv"):
        assert name in out
    csv = tmp_path / "d.csv"
    csv.write_text("a,b,t\n1,x,0\n2,y,1\n3,x,0\n4,y,1\n")
    assert main(["datasets", "info", "csv", "-o", f"path={csv}", "-o", "target=t"]) == 0
    out = capsys.readouterr().out
    assert "x (4, 3) float32" in out and "0: 2, 1: 2" in out
    assert main(["datasets", "info", "csv"]) == 0
    assert "-o path=..." in capsys.readouterr().out
    assert main(["datasets", "preview", "iris"]) == 2
    assert "images" in capsys.readouterr().err


def test_commands_import_no_framework():
    import subprocess
    import sys

    code = ("import sys, dlcourse.cli; dlcourse.cli.build_parser(); "
            "print(any(m in sys.modules for m in ('torch', 'tensorflow', 'numpy', 'pandas')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_image_folder_skip_bad_from_the_command_line(tmp_path, capsys):
    from PIL import Image

    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        for i in range(3):
            Image.new("L", (6, 6), color=40 * i).save(tmp_path / name / f"{i}.png")
    (tmp_path / "b" / "bad.jpg").write_bytes(b"not a jpeg")
    assert main(["datasets", "info", "image_folder", "-o", f"path={tmp_path}"]) == 2
    assert "bad.jpg" in capsys.readouterr().err
    assert main(["datasets", "info", "image_folder", "-o", f"path={tmp_path}", "-o", "size=[4, 5]", "--skip-bad"]) == 0
    captured = capsys.readouterr()
    assert "x (6, 4, 5) uint8" in captured.out and "skipped 1 unreadable image(s): b/bad.jpg" in captured.err


@pytest.mark.slow
@pytest.mark.parametrize("fw", ["torch", "tensorflow"])
def test_preview_writes_a_png_grid(tmp_path, cli, fw):
    from PIL import Image

    out = tmp_path / "grid.png"
    proc = cli("datasets", "preview", "digits", "-f", fw, "-a", "shift=0.1,rotation=15,noise=0.05", "-n", "6",
               "--rows", "2", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert "batch (6, 8, 8) float32" in proc.stdout
    with Image.open(out) as img:
        assert img.format == "PNG" and img.size[0] > img.size[1] > 100
    assert [p.name for p in tmp_path.iterdir()] == ["grid.png"]


def test_import_accepts_uncompressed_files_when_their_content_is_pinned(tmp_path, monkeypatch, capsys):
    """``*-ubyte`` files (what many archives unpack to) are verified on their content and stored compressed."""
    usb, files = tmp_path / "usb", []
    usb.mkdir()
    for name, arr in mnist_arrays(2, 30, 10).items():
        raw = gzip.decompress(idx_gz(arr))
        (usb / name.removesuffix(".gz")).write_bytes(raw)             # uncompressed, as train accepts them
        files.append(RemoteFile(name, md5="0" * 32, gunzip_md5=hashlib.md5(raw).hexdigest()))
    monkeypatch.setitem(remote.REMOTE, "mnist", remote.RemoteDataset("mnist", tuple(files), ()))
    monkeypatch.setenv("DLCOURSE_DATA_DIR", str(tmp_path / "cache"))
    bad = usb / "t10k-labels-idx1-ubyte"
    good = bad.read_bytes()
    bad.write_bytes(good[:-2])
    assert main(["datasets", "import", "mnist", str(usb)]) == 2
    assert "does not match the pinned checksum of the uncompressed t10k-labels-idx1-ubyte.gz" in capsys.readouterr().err
    assert not (tmp_path / "cache" / "mnist" / "t10k-labels-idx1-ubyte.gz").exists()
    bad.write_bytes(good)
    assert main(["datasets", "import", "mnist", str(usb)]) == 0
    assert sorted(p.name for p in (tmp_path / "cache" / "mnist").iterdir()) == sorted(f.name for f in files)
    ds = load_dataset("mnist")
    assert ds.x.shape == (30, 28, 28) and ds.test[0].shape == (10, 28, 28)
    capsys.readouterr()
    assert main(["datasets", "info", "mnist"]) == 0
    assert capsys.readouterr().out.count("ok      ") == 4                # the stored .gz files verify


def test_the_published_mnist_pins_cover_uncompressed_files():
    assert all(spec.gunzip_md5 for spec in remote.REMOTE["mnist"].files)


def test_uncompressed_files_without_a_content_pin_are_refused_with_the_reason(tmp_path, monkeypatch):
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x00" * 32)
    monkeypatch.setenv("DLCOURSE_DATA_DIR", str(tmp_path / "cache"))
    with pytest.raises(DataError, match="cannot be verified.*Copy the publisher's .gz files"):
        remote.import_folder("fashion_mnist", tmp_path)
