"""Save and reload PyTorch models as a ``state_dict`` (loaded with ``weights_only=True``)."""

from __future__ import annotations

from pathlib import Path

import torch

from dlcourse.backends.torch.models import build_model

FILENAME = "model.pt"


def save_model(model, folder: Path) -> str:
    """Write ``folder/model.pt`` (the ``nn.Sequential``'s ``state_dict``); returns the file name."""
    torch.save(model.state_dict(), Path(folder) / FILENAME)
    return FILENAME


def load_model(folder: Path, config, input_shape: tuple[int, ...]):
    """Rebuild the model from ``config.model`` and load its weights safely (no arbitrary unpickling)."""
    model = build_model(config.model, input_shape, seed=config.seed)
    state = torch.load(Path(folder) / FILENAME, map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    model.eval()
    return model
