"""ImageNet backbones whose weights files are found, checked and installed without a network.

This module imports no framework. It knows, for each backbone and framework, the exact file
the framework's own cache uses (name, folder, hash and official download URL), finds it,
verifies it, and copies a file brought from another machine into that cache
(``dlcourse weights import FILE``). Building the network is the backends' job
(``dlcourse.backends.<framework>.pretrained.build_backbone``).

Where each framework looks:

- PyTorch (torchvision): ``$TORCH_HOME/hub/checkpoints/`` (default
  ``$XDG_CACHE_HOME/torch`` or ``~/.cache/torch``); the file name carries the first hex
  digits of the file's SHA-256, which is all torchvision itself checks.
- TensorFlow/Keras: ``$KERAS_HOME/models/`` (default ``~/.keras/models``); Keras checks
  the MD5 recorded in ``keras.applications``' source.

Rule on hashes: a file found in the cache under its official name is verified before use
(:func:`locate`); a file given explicitly by path is not hash-checked (it may hold the
user's own fine-tuned weights) but must fit the architecture, which the backend checks
when it loads it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dlcourse.errors import ConfigError, did_you_mean
from dlcourse.frameworks import NAMES as FRAMEWORKS
from dlcourse.frameworks import label

CHUNK = 1 << 20                                   # bytes read at a time when hashing or copying
HASH_KINDS = ("sha256-prefix", "sha256", "md5")
_HOME_VARIABLE = {"torch": "TORCH_HOME", "tensorflow": "KERAS_HOME"}   # what moves each framework's cache


@dataclass(frozen=True)
class Pretrained:
    """One backbone's ImageNet weights file for one framework.

    name: the config name (``"resnet18"``, ``"resnet50"``, ``"mobilenet_v3_small"``).
    framework: ``"torch"`` or ``"tensorflow"``.
    native: the framework's own builder (``"torchvision.models.resnet18"``,
        ``"keras.applications.MobileNetV3Small"``).
    file_name: the exact file name the framework's cache uses.
    url: the official download URL (shown to the user, never fetched by dlcourse).
    hash_kind: ``"sha256-prefix"`` (torchvision: the file name carries the first hex digits
        of the SHA-256), ``"sha256"`` or ``"md5"`` (Keras: the ``file_hash`` in its source).
    digest: the expected hex digest (or prefix, for ``"sha256-prefix"``).
    features: length of the pooled feature vector the backbone outputs, ``(n, features)``.
    blocks: how many top-level stages the backbone has, input to output (``trainable: N``
        unfreezes the last N of them).
    min_size: smallest image side (height or width, pixels) the framework accepts.
    preprocessing: what the framework's own preprocessing does to inputs in [0, 1].
    """

    name: str
    framework: str
    native: str
    file_name: str
    url: str
    hash_kind: str
    digest: str
    features: int
    blocks: int
    min_size: int
    preprocessing: str

    @property
    def label(self) -> str:
        """``"resnet18 (PyTorch)"``: the backbone and its framework, for messages and tables."""
        return f"{self.name} ({label(self.framework)})"

    @property
    def expected_hash(self) -> str:
        """``"SHA-256 starting with 'f37072fd'"`` or ``"MD5 d3e8...b836"``: the expected hash in words."""
        if self.hash_kind == "sha256-prefix":
            return f"SHA-256 starting with '{self.digest}'"
        return f"{'MD5' if self.hash_kind == 'md5' else 'SHA-256'} '{self.digest}'"


_TORCHVISION = "https://download.pytorch.org/models/"
_KERAS_MOBILENET_V3 = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/"
_KERAS_RESNET = "https://storage.googleapis.com/tensorflow/keras-applications/resnet/"

_TORCH_PREPROCESSING = ("subtracts ImageNet's per-channel mean (0.485, 0.456, 0.406) and divides by its standard "
                        "deviation (0.229, 0.224, 0.225), as torchvision's ImageClassification transform does.")


def _torch(name: str, file_name: str, features: int, blocks: int) -> Pretrained:
    return Pretrained(name, "torch", f"torchvision.models.{name}", file_name, _TORCHVISION + file_name,
                      "sha256-prefix", file_name.rsplit("-", 1)[1].split(".")[0], features, blocks,
                      min_size=1, preprocessing=_TORCH_PREPROCESSING)


#: Every backbone with ImageNet weights dlcourse can use, per framework. File names, URLs and
#: hashes are those of torchvision 0.29 (``weights="DEFAULT"``) and Keras 3.15
#: (``keras.applications``, ``include_top=False``).
CATALOGUE: tuple[Pretrained, ...] = (
    _torch("resnet18", "resnet18-f37072fd.pth", features=512, blocks=5),
    _torch("resnet50", "resnet50-11ad3fa6.pth", features=2048, blocks=5),
    _torch("mobilenet_v3_small", "mobilenet_v3_small-047dcff4.pth", features=576, blocks=13),
    Pretrained("mobilenet_v3_small", "tensorflow", "keras.applications.MobileNetV3Small",
               "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5",
               _KERAS_MOBILENET_V3 + "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5",
               "md5", "d3e8ec802a04aa4fc771ee12a9a9b836", features=576, blocks=13, min_size=32,
               preprocessing="multiplies inputs by 255, then the model's own Rescaling layer maps [0, 255] to "
                             "[-1, 1] (x / 127.5 - 1), as MobileNetV3Small(include_preprocessing=True) does."),
    Pretrained("resnet50", "tensorflow", "keras.applications.ResNet50",
               "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
               _KERAS_RESNET + "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
               "md5", "4d473c1dd8becc155b73f8504c6f6626", features=2048, blocks=5, min_size=32,
               preprocessing="multiplies inputs by 255, reverses the channels from RGB to BGR and subtracts "
                             "ImageNet's per-channel mean (103.939, 116.779, 123.68), as "
                             "keras.applications.resnet50.preprocess_input ('caffe' mode) does."),
)


def names(framework: str | None = None) -> list[str]:
    """The backbone names, sorted (those of ``framework`` only, when given)."""
    return sorted({e.name for e in CATALOGUE if framework is None or e.framework == framework})


def features(name: str) -> int:
    """The size of ``name``'s pooled feature vector (the same in every framework); unknown: :class:`ConfigError`."""
    found = [e for e in CATALOGUE if e.name == name]
    if not found:
        raise ConfigError(f"pretrained backbone: expected one of {_quoted(names())}, got '{name}'."
                          + did_you_mean(name, names()))
    return found[0].features


def check_input(entry: Pretrained, input_shape) -> None:
    """One sample's ``input_shape`` must be ``(h, w, 3)`` with both sides at least ``entry.min_size``."""
    shape = tuple(input_shape)
    if len(shape) != 3 or shape[-1] != 3:
        raise ConfigError(f"the {entry.label} backbone expects RGB images of shape (height, width, 3), got samples "
                          f"of shape {shape}.",
                          "Use RGB images (for an image folder: data.options.color: rgb).")
    if min(shape[:2]) < entry.min_size:
        raise ConfigError(f"the {entry.label} backbone needs images of at least {entry.min_size}x{entry.min_size} "
                          f"pixels, got {shape[0]}x{shape[1]}.",
                          "Use larger images (for an image folder: data.options.size).")


def _quoted(items) -> str:
    return ", ".join(f"'{item}'" for item in items)


def _check_framework(framework: str) -> None:
    if framework not in FRAMEWORKS:
        raise ConfigError(f"framework: expected one of {_quoted(FRAMEWORKS)}, got '{framework}'."
                          + did_you_mean(framework, FRAMEWORKS))


def lookup(name: str, framework: str) -> Pretrained:
    """The catalogue entry of backbone ``name`` in ``framework``.

    Raises :class:`ConfigError` for an unknown name (listing the known ones) or a name whose
    weights exist only in the other framework (saying which framework has them).
    """
    _check_framework(framework)
    found = [e for e in CATALOGUE if e.name == name]
    if not found:
        raise ConfigError(f"pretrained backbone: expected one of {_quoted(names())}, got '{name}'."
                          + did_you_mean(name, names()))
    for entry in found:
        if entry.framework == framework:
            return entry
    others = " and ".join(label(e.framework) for e in found)
    raise ConfigError(f"pretrained backbone '{name}' has ImageNet weights for {others} only, not for "
                      f"{label(framework)}, whose backbones are {_quoted(names(framework))}.",
                      f"Choose one of those, or train with --framework {found[0].framework}.")


def cache_dir(framework: str) -> Path:
    """The folder where ``framework`` looks for downloaded weights (it may not exist yet).

    torch: ``$TORCH_HOME/hub/checkpoints`` (``$TORCH_HOME`` defaults to ``$XDG_CACHE_HOME/torch``,
    then ``~/.cache/torch``), as ``torch.hub`` does. tensorflow: ``$KERAS_HOME/models``
    (``$KERAS_HOME`` defaults to ``~/.keras``, or ``/tmp/.keras`` when the home folder is not
    writable), as Keras does.
    """
    _check_framework(framework)
    if framework == "torch":
        default = os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch")
        return Path(os.path.expanduser(os.getenv("TORCH_HOME", default))) / "hub" / "checkpoints"
    if "KERAS_HOME" in os.environ:
        home = os.environ["KERAS_HOME"]
    else:
        base = os.path.expanduser("~")
        home = os.path.join(base if os.access(base, os.W_OK) else "/tmp", ".keras")
    return Path(os.path.expanduser(home)) / "models"


def _digests(path: Path) -> dict[str, str]:
    """``{"sha256": hex, "md5": hex}`` of the file, read in chunks of :data:`CHUNK` bytes."""
    sha256, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            sha256.update(chunk)
            md5.update(chunk)
    return {"sha256": sha256.hexdigest(), "md5": md5.hexdigest()}


def _matches(entry: Pretrained, digests: dict[str, str]) -> bool:
    if entry.hash_kind == "sha256-prefix":
        return digests["sha256"].startswith(entry.digest)
    return digests[entry.hash_kind] == entry.digest


def _found(entry: Pretrained, digests: dict[str, str]) -> str:
    """The file's hash, cut to the length of the expected one (a prefix for torchvision)."""
    if entry.hash_kind == "sha256-prefix":
        return digests["sha256"][: len(entry.digest)]
    return digests[entry.hash_kind]


def _wrong_hash(path: Path, entry: Pretrained, digests: dict[str, str]) -> ConfigError:
    return ConfigError(f"weights file '{path}' for {entry.label} has the wrong hash: expected "
                       f"{entry.expected_hash}, found '{_found(entry, digests)}', so it is damaged, cut short "
                       f"or another file.",
                       f"Download '{entry.file_name}' again from {entry.url} and run "
                       f"'dlcourse weights import {entry.file_name}'.")


def verify(path: Path, entry: Pretrained) -> None:
    """Check that the file's hash is ``entry``'s (only the prefix, for torchvision files).

    Raises :class:`ConfigError` naming the file, the expected and the found hash, and the fix.
    """
    path = Path(path)
    digests = _digests(path)
    if not _matches(entry, digests):
        raise _wrong_hash(path, entry, digests)


def locate(entry: Pretrained, path: str | Path | None = None) -> Path:
    """The weights file to load for ``entry``.

    With ``path`` (a file named in the config): that file, which must exist; it is not
    hash-checked (it may hold the user's own fine-tuned weights). Without: the official file
    in :func:`cache_dir`, verified with :func:`verify`. A missing file raises
    :class:`ConfigError` naming the exact file, its folder, its hash, the import command and
    the download URL.
    """
    if path is not None:
        given = Path(path).expanduser()
        if given.is_dir():
            raise ConfigError(f"weights file '{given}' for {entry.label} is a folder, expected a file such as "
                              f"'{entry.file_name}'.")
        if not given.is_file():
            raise ConfigError(f"weights file '{given}' for {entry.label} does not exist.",
                              f"Check the path, or leave it out to use the ImageNet weights "
                              f"'{entry.file_name}' from '{cache_dir(entry.framework)}'.")
        return given
    folder = cache_dir(entry.framework)
    found = folder / entry.file_name
    if not found.is_file():
        raise ConfigError(f"the ImageNet weights of {entry.label} are not on this machine: expected the file "
                          f"'{entry.file_name}' ({entry.expected_hash}) in the folder '{folder}'.",
                          f"Download it on a machine with internet from {entry.url}, copy it here and run "
                          f"'dlcourse weights import {entry.file_name}'.")
    verify(found, entry)
    return found


def identify(path: str | Path) -> Pretrained:
    """The catalogue entry a weights file belongs to: by its exact file name, else by its hash.

    Raises :class:`ConfigError` listing the expected file names when neither matches.
    """
    path = Path(path)
    for entry in CATALOGUE:
        if path.name == entry.file_name:
            return entry
    digests = _digests(path)
    for entry in CATALOGUE:
        if _matches(entry, digests):
            return entry
    raise ConfigError(f"'{path}' is not a known pretrained weights file: neither its name nor its hash is that of "
                      f"{_quoted(e.file_name for e in CATALOGUE)}.",
                      "Give one of these files as downloaded (list them with 'dlcourse weights list').")


def import_weights(path: str | Path, framework: str | None = None) -> Path:
    """Verify a weights file brought from elsewhere and install it in its framework's cache.

    The file is identified (:func:`identify`), copied to a temporary file in the destination
    folder while its hash is computed, verified, then moved into place with ``os.replace``:
    nothing half-written is ever left under the official name. A verified identical file
    already in place is left untouched. Returns the destination path.
    """
    source = Path(path).expanduser()
    if framework is not None:
        _check_framework(framework)
    if source.is_dir():
        raise ConfigError(f"weights import: '{source}' is a folder, expected a weights file such as "
                          f"'{CATALOGUE[0].file_name}'.")
    if not source.is_file():
        raise ConfigError(f"weights import: file '{source}' does not exist.",
                          "Give the path to the downloaded weights file.")
    entry = identify(source)
    if framework is not None and entry.framework != framework:
        others = _quoted(e.file_name for e in CATALOGUE if e.framework == framework)
        raise ConfigError(f"--framework {framework}: '{source.name}' holds the {label(entry.framework)} weights of "
                          f"{entry.name}, not {label(framework)} weights.",
                          f"Leave out --framework, or give one of {others}.")
    digests = _digests(source)
    if not _matches(entry, digests):
        raise _wrong_hash(source, entry, digests)
    folder = cache_dir(entry.framework)
    destination = folder / entry.file_name
    if destination.is_file() and (_same_file(source, destination) or _digests(destination) == digests):
        return destination                                   # already in place: nothing to do
    temporary = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{entry.file_name}.", suffix=".part", dir=folder)
        copied = _copy_hashing(source, handle)
        if copied != digests:                                # the source changed, or the copy went wrong
            raise _wrong_hash(source, entry, copied) if not _matches(entry, copied) else ConfigError(
                f"weights import: '{source}' changed while it was copied.", "Run the import again.")
        os.chmod(temporary, 0o644)                           # mkstemp's 0o600 would hide it from other users
        os.replace(temporary, destination)
    except OSError as exc:
        raise ConfigError(f"weights import: cannot copy '{source}' into the folder '{folder}' "
                          f"({exc.strerror or exc}).",
                          f"Make the folder writable, or point {_HOME_VARIABLE[entry.framework]} at a writable "
                          f"folder.") from None
    finally:
        if temporary is not None and Path(temporary).exists():
            Path(temporary).unlink(missing_ok=True)          # nothing half-written is left behind
    return destination


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def _copy_hashing(source: Path, handle: int) -> dict[str, str]:
    """Copy ``source`` into the open file descriptor ``handle`` (then closed and synced); returns its digests."""
    sha256, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    with open(source, "rb") as src, os.fdopen(handle, "wb") as dst:
        while chunk := src.read(CHUNK):
            sha256.update(chunk)
            md5.update(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return {"sha256": sha256.hexdigest(), "md5": md5.hexdigest()}
