"""Native input pipelines (torch DataLoader, tf.data) from the same arrays, and the augmentation spec."""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse.data.augment import AugmentSpec
from dlcourse.errors import UserError

SPEC = "shift=0.1,rotation=15,zoom=0.1,flip,noise=0.05,erasing=0.5,crop=1"


def augment_with(framework, x, spec, seed=0):
    """Each backend's ``augment_batch``, reached through the registry as the CLI reaches it."""
    from dlcourse.backends import get_backend

    return get_backend(framework).augment_batch(x, spec, seed)


def arrays(shape=(8, 8), n=50):
    rng = np.random.default_rng(0)
    return rng.random((n, *shape), dtype=np.float32), np.arange(n, dtype=np.int64)


def torch_batches(x, y, **kw):
    from dlcourse.backends.torch.data import make_loader

    return [(xb.numpy(), yb.numpy()) for xb, yb in make_loader(x, y, **kw)]


def tf_batches(ds):
    return [(np.asarray(xb), np.asarray(yb)) for xb, yb in ds]


def test_torch_loader_seeded_shuffle_covers_every_sample():
    x, y = arrays()
    from dlcourse.backends.torch.data import make_loader

    loader = make_loader(x, y, batch_size=16, seed=7)
    epoch1 = [yb.numpy() for _, yb in loader]
    epoch2 = [yb.numpy() for _, yb in loader]
    again = [yb.numpy() for _, yb in make_loader(x, y, batch_size=16, seed=7)]
    assert [len(b) for b in epoch1] == [16, 16, 16, 2]
    assert sorted(np.concatenate(epoch1).tolist()) == y.tolist()
    assert not np.array_equal(np.concatenate(epoch1), np.concatenate(epoch2))      # new order each epoch
    assert np.array_equal(np.concatenate(epoch1), np.concatenate(again))           # same seed, same order
    xb, yb = next(iter(loader))
    np.testing.assert_array_equal(xb.numpy(), x[yb.numpy()])                      # features follow labels


def test_torch_fast_path_gathers_whole_batches():
    from dlcourse.backends.torch.data import ArrayDataset, make_loader

    x, y = arrays()
    calls = []
    original = ArrayDataset.__getitem__

    def spy(self, index):
        calls.append(index)
        return original(self, index)

    ArrayDataset.__getitem__ = spy
    try:
        batches = list(make_loader(x, y, batch_size=10, shuffle=False))
    finally:
        ArrayDataset.__getitem__ = original
    assert len(calls) == 5 and all(isinstance(c, list) and len(c) == 10 for c in calls)
    np.testing.assert_array_equal(batches[0][0].numpy(), x[:10])


def test_torch_augmentation_draws_per_image():
    from dlcourse.backends.torch.data import make_loader

    x = np.repeat(arrays()[0][:1], 8, axis=0)
    xb, _ = next(iter(make_loader(x, np.zeros(8, np.int64), batch_size=8, shuffle=False, augment="rotation=30,shift=0.2")))
    assert xb.shape == (8, 8, 8)
    assert len({xb[i].numpy().tobytes() for i in range(8)}) > 4


@pytest.mark.parametrize("shape", [(8, 8), (12, 10, 3)], ids=["gray", "rgb"])
def test_torch_augment_batch_is_seeded(shape):
    x, _ = arrays(shape, 6)
    a, b = augment_with("torch", x, AugmentSpec.parse(SPEC), 3), augment_with("torch", x, AugmentSpec.parse(SPEC), 3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == x.shape and a.dtype == np.float32 and not np.allclose(a, x)


@pytest.mark.slow
@pytest.mark.parametrize("shape", [(8, 8), (12, 10, 3)], ids=["gray", "rgb"])
def test_augmented_batches_have_same_shape_and_dtype_in_both_frameworks(shape):
    x, _ = arrays(shape, 6)
    spec = AugmentSpec.parse(SPEC)
    out = {fw: augment_with(fw, x, spec, seed=1) for fw in ("torch", "tensorflow")}
    for fw, a in out.items():
        assert a.shape == x.shape and a.dtype == np.float32, fw
        assert not np.allclose(a, x), fw
        assert np.isfinite(a).all()
    none = AugmentSpec()
    for fw in ("torch", "tensorflow"):
        np.testing.assert_allclose(augment_with(fw, x, none), x)


@pytest.mark.slow
def test_tf_dataset_seeded_and_same_batches_layout_as_torch():
    from dlcourse.backends.tensorflow.data import make_dataset

    x, y = arrays((8, 8, 3))
    ds = make_dataset(x, y, batch_size=16, seed=7)
    e1, e2 = tf_batches(ds), tf_batches(ds)
    again = tf_batches(make_dataset(x, y, batch_size=16, seed=7))
    order = np.concatenate([b[1] for b in e1])
    assert sorted(order.tolist()) == y.tolist()
    assert not np.array_equal(order, np.concatenate([b[1] for b in e2]))
    assert np.array_equal(order, np.concatenate([b[1] for b in again]))
    np.testing.assert_array_equal(e1[0][0], x[e1[0][1]])
    aug = tf_batches(make_dataset(x, y, batch_size=16, seed=7, augment=SPEC))
    tb = torch_batches(x, y, batch_size=16, seed=7, augment=SPEC)
    assert [(b[0].shape, b[0].dtype, b[1].dtype) for b in aug] == [(b[0].shape, b[0].dtype, b[1].dtype) for b in tb]


def test_spec_parsing_errors():
    assert AugmentSpec.parse("flip,rotation=10").flip and AugmentSpec.parse({"zoom": 0.2}).zoom == 0.2
    assert not AugmentSpec.parse(None).active
    for bad, match in [("rotaton=10", "Did you mean 'rotation'"), ("shift=abc", "expects a number"),
                       ("shift=2", "between"), ("noise", "needs a value")]:
        with pytest.raises(UserError, match=match):
            AugmentSpec.parse(bad)
    with pytest.raises(UserError, match="images"):
        augment_with("torch", np.zeros((2, 5), np.float32), AugmentSpec(shift=0.1))


def test_torch_loader_order_equals_the_current_training_loop_permutations():
    """Same batches as train.py's ``torch.randperm(n, generator=Generator().manual_seed(seed))`` each epoch."""
    import torch

    from dlcourse.backends.torch.data import make_loader

    x, y = arrays(n=37)
    loader = make_loader(x, y, batch_size=8, seed=5)
    gen = torch.Generator().manual_seed(5)
    for _ in range(3):
        expected = torch.randperm(37, generator=gen).numpy()
        got = np.concatenate([yb.numpy() for _, yb in loader])
        np.testing.assert_array_equal(got, expected)


def test_torch_loader_follows_a_shared_epoch_order():
    from dlcourse.backends.torch.data import batch_augmenter, make_loader

    x, y = arrays(n=20)
    order = lambda epoch: np.random.default_rng([3, epoch]).permutation(20)  # noqa: E731
    loader = make_loader(x, y, batch_size=6, order=order)
    for epoch in (1, 2):
        np.testing.assert_array_equal(np.concatenate([yb.numpy() for _, yb in loader]), order(epoch))
    assert batch_augmenter(None, (8, 8)) is None
    import torch

    aug = batch_augmenter("rotation=20", (8, 8))
    out = aug(torch.as_tensor(x[:4]))
    assert out.shape == (4, 8, 8) and out.dtype == torch.float32
