"""Property-based fuzzing of the image reader: damaged or random files give a DataError, nothing else."""

from __future__ import annotations

import io
import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlcourse.data.images import read_image
from dlcourse.errors import DataError

EXAMPLES = int(os.environ.get("DLCOURSE_FUZZ_EXAMPLES", "200"))


def _png(seed: int, mode: str) -> bytes:
    from PIL import Image

    rng = np.random.default_rng(seed)
    shape = (6, 5) if mode == "L" else (6, 5, 3)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode=mode).save(buf, format="PNG")
    return buf.getvalue()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.binary(max_size=300)
    | st.tuples(st.integers(0, 3), st.sampled_from(["L", "RGB"]), st.integers(0, 400), st.binary(max_size=40)),
    st.sampled_from(["grayscale", "rgb"]),
    st.sampled_from([".png", ".jpg"]),
)
def test_fuzz_image_reader_raises_only_data_error(tmp_path, data, color, suffix):
    if isinstance(data, tuple):                              # a real PNG, cut and/or with bytes spliced in
        seed, mode, cut, junk = data
        good = _png(seed, mode)
        data = good[:cut] + junk + good[cut + len(junk):]
    path = tmp_path / f"sample{suffix}"
    path.write_bytes(data)
    try:
        out = read_image(path, (4, 4), color)
    except DataError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc)
    else:
        assert out.dtype == np.uint8 and out.shape[:2] == (4, 4)
