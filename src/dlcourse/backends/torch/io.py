"""Save and reload PyTorch models as a ``state_dict`` (loaded with ``weights_only=True``)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import torch

from dlcourse.backends.torch.models import build
from dlcourse.errors import RunFolderError, first_sentence

FILENAME = "model.pt"


def save_model(model, folder: Path) -> str:
    """Write ``folder/model.pt`` (the ``nn.Sequential``'s ``state_dict``); returns the file name."""
    torch.save(model.state_dict(), Path(folder) / FILENAME)
    return FILENAME


def read_state(path: Path) -> dict:
    """Read a weights file without unpickling arbitrary objects (``weights_only=True``)."""
    if not Path(path).is_file():
        raise RunFolderError(f"model file '{path}' does not exist.", "Train the run again, or pick another run folder.")
    if Path(path).stat().st_size == 0:
        raise RunFolderError(f"refused to load '{path}': it is not a plain PyTorch weights file (the file is empty).",
                             "Train the run again, or pick another run folder.")
    try:
        with warnings.catch_warnings():        # the unpickler's protocol warnings: the refusal below says it all
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any refusal or corruption is the file's fault
        text = str(exc)
        found = re.search(r"GLOBAL (\S+) was not an allowed global", text)
        if found:
            reason = f"it holds the Python object {found.group(1)}, which loading would have to import or run"
        elif "WeightsUnpickler error:" in text:
            detail = first_sentence(RuntimeError(text.split("WeightsUnpickler error:", 1)[1]))
            reason = f"it is a pickle with instructions the safe loader refuses: {detail}"
        else:
            reason = first_sentence(exc)
        raise RunFolderError(f"refused to load '{path}': it is not a plain PyTorch weights file ({reason}).",
                             "Only state_dict files of tensors are loaded; files that would run code are refused.") from None


def load_model(folder: Path, config, input_shape: tuple[int, ...]):
    """Rebuild the model from ``config.model`` and load its weights safely (no arbitrary unpickling).

    A weights file that does not fit the model lists the mismatched keys and shapes.
    """
    model = build(config.model, input_shape, seed=config.seed, pretrained=False)   # its own weights follow
    state = read_state(Path(folder) / FILENAME)
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    shapes = [f"{k}: file {tuple(state[k].shape)} vs model {tuple(v.shape)}"
              for k, v in expected.items() if k in state and tuple(state[k].shape) != tuple(v.shape)]
    if missing or unexpected or shapes:
        parts = ([f"missing keys {missing}"] if missing else []) + ([f"unexpected keys {unexpected}"] if unexpected else []) \
            + ([f"shape mismatches {shapes}"] if shapes else [])
        raise RunFolderError(f"the weights in '{Path(folder) / FILENAME}' do not fit the configured model: "
                             f"{'; '.join(parts)}.", "Check that config.yaml is the one the model was trained with.")
    model.load_state_dict(state)
    model.eval()
    return model
