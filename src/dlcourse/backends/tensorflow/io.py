"""Save and reload Keras models in the native ``.keras`` format (loaded with ``safe_mode=True``)."""

from __future__ import annotations

from pathlib import Path

import keras

FILENAME = "model.keras"


def save_model(model, folder: Path) -> str:
    """Write ``folder/model.keras``; returns the file name."""
    model.save(Path(folder) / FILENAME)
    return FILENAME


def load_model(folder: Path, config=None, input_shape=None):
    """Load ``folder/model.keras`` without allowing any Python code inside it to run."""
    return keras.saving.load_model(Path(folder) / FILENAME, compile=False, safe_mode=True)
