"""Read the scalars written to TensorBoard event files by either backend (TensorBoard's own reader)."""

from __future__ import annotations

from pathlib import Path


def read_scalars(log_dir: str | Path) -> dict[str, dict[str, list[tuple[int, float]]]]:
    """Scalars under ``log_dir``, per sub-folder (``train``, ``validation``) and tag.

    Returns ``{"train": {"epoch_loss": [(step, value), ...], ...}, "validation": {...}}``.
    Handles both storage forms: PyTorch's ``SummaryWriter`` writes classic scalar
    events, Keras (``tf.summary``) writes scalar tensors.
    """
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.util import tensor_util

    log_dir = Path(log_dir)
    out: dict[str, dict[str, list[tuple[int, float]]]] = {}
    folders = sorted({p.parent for p in log_dir.rglob("events.out.tfevents.*")})
    for folder in folders:
        acc = event_accumulator.EventAccumulator(str(folder), size_guidance={"scalars": 0, "tensors": 0})
        acc.Reload()
        tags: dict[str, list[tuple[int, float]]] = {}
        for tag in acc.Tags().get("scalars", []):
            tags[tag] = [(e.step, float(e.value)) for e in acc.Scalars(tag)]
        for tag in acc.Tags().get("tensors", []):
            values = [(e.step, tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors(tag)]
            if values and all(v.size == 1 and v.dtype.kind == "f" for _, v in values):
                tags[tag] = [(step, float(v.reshape(-1)[0])) for step, v in values]
        if tags:
            key = str(folder.relative_to(log_dir)) if folder != log_dir else "."
            out.setdefault(key, {}).update(tags)
    return out


def has_graph(log_dir: str | Path) -> bool:
    """Whether any event file under ``log_dir`` holds a model graph."""
    from tensorboard.backend.event_processing import event_accumulator

    for folder in {p.parent for p in Path(log_dir).rglob("events.out.tfevents.*")}:
        acc = event_accumulator.EventAccumulator(str(folder))
        acc.Reload()
        if acc.Tags().get("graph"):
            return True
    return False
