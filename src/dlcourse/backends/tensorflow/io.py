"""Save and reload Keras models in the native ``.keras`` format (loaded with ``safe_mode=True``)."""

from __future__ import annotations

from pathlib import Path

import keras

from dlcourse.errors import RunFolderError, first_sentence

FILENAME = "model.keras"


def save_model(model, folder: Path) -> str:
    """Write ``folder/model.keras`` loadable by plain Keras (only built-in objects inside); returns the file name."""
    model.save(Path(folder) / FILENAME)
    return FILENAME


def load_model(folder: Path, config, input_shape: tuple[int, ...]):
    """Load ``folder/model.keras`` without allowing any Python code inside it to run (``safe_mode=True``)."""
    path = Path(folder) / FILENAME
    if not path.is_file():
        raise RunFolderError(f"model file '{path}' does not exist.", "Train the run again, or pick another run folder.")
    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:  # noqa: BLE001 - any refusal or corruption is the file's fault
        raise RunFolderError(f"refused to load '{path}' ({first_sentence(exc)}).",
                             "Only .keras files made of built-in layers are loaded; code inside a file is never run.") from None
