"""Safe tar extraction with crafted archives."""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest

from dlcourse.data.archive import safe_extract
from dlcourse.errors import DataError


def make_tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return path


def member(name: str, kind=tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info


def test_good_archive_is_extracted(tmp_path):
    arc = make_tar(tmp_path / "ok.tar.gz", [(member("d", tarfile.DIRTYPE), None), (member("d/a.txt"), b"hello"),
                                            (member("d/link", tarfile.SYMTYPE, "a.txt"), None)])
    out = safe_extract(arc, tmp_path / "out")
    assert (out / "d" / "a.txt").read_bytes() == b"hello"
    assert (out / "d" / "link").resolve() == (out / "d" / "a.txt").resolve()


@pytest.mark.parametrize("bad, why", [
    (member("/etc/evil"), "absolute path"),
    (member("../evil"), "'..'"),
    (member("d/../../evil"), "'..'"),
    (member("d/link", tarfile.SYMTYPE, "../../etc/passwd"), "outside"),
    (member("d/abs", tarfile.SYMTYPE, "/etc/passwd"), "outside"),
    (member("d/hard", tarfile.LNKTYPE, "../x"), "outside"),
    (member("d/dev", tarfile.CHRTYPE), "device"),
    (member("d/fifo", tarfile.FIFOTYPE), "device"),
], ids=["absolute", "dotdot", "nested-dotdot", "symlink-out", "symlink-abs", "hardlink-out", "chardev", "fifo"])
def test_unsafe_members_are_refused_and_nothing_is_left(tmp_path, bad, why):
    arc = make_tar(tmp_path / "bad.tar.gz", [(member("d/good.txt"), b"fine"), (bad, None if bad.type != tarfile.REGTYPE else b"x")])
    with pytest.raises(DataError) as err:
        safe_extract(arc, tmp_path / "out")
    assert why in str(err.value) and bad.name in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.tar.gz"]


def test_truncated_archive_leaves_nothing(tmp_path):
    arc = make_tar(tmp_path / "t.tar.gz", [(member(f"f{i}.bin"), np.random.default_rng(i).bytes(50_000)) for i in range(4)])
    arc.write_bytes(arc.read_bytes()[:60_000])
    with pytest.raises(DataError, match="cannot extract"):
        safe_extract(arc, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.tar.gz"]


def _cifar_archive(path: Path, per_batch: int = 6) -> Path:
    rng = np.random.default_rng(0)
    members = [(member("cifar-10-batches-py", tarfile.DIRTYPE), None)]
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
                 b"labels": [int(v) for v in rng.integers(0, 10, per_batch)]}
        members.append((member(f"cifar-10-batches-py/{name}"), pickle.dumps(batch)))
    return make_tar(path, members)


def test_cifar10_loader_extracts_and_reads_channels_last(tmp_path):
    from dlcourse.data.remote import cifar10

    _cifar_archive(tmp_path / "cifar-10-python.tar.gz")
    ds = cifar10(path=str(tmp_path))
    assert ds.x.shape == (30, 32, 32, 3) and ds.x.dtype == np.uint8
    assert ds.y.shape == (30,) and ds.y.dtype == np.int64
    assert ds.test[0].shape == (6, 32, 32, 3) and len(ds.classes) == 10
    assert (tmp_path / "cifar-10-batches-py" / "test_batch").is_file()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_cifar10_batches_refuse_code_in_pickles(tmp_path):
    from dlcourse.data.remote import _cifar_batch

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    (tmp_path / "data_batch_1").write_bytes(pickle.dumps({b"data": Evil(), b"labels": []}))
    with pytest.raises(DataError, match="refused"):
        _cifar_batch(tmp_path / "data_batch_1")
