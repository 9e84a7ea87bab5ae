"""Framework-free description of an experiment.

A config is a YAML file validated into :class:`ExperimentConfig`. It names the
dataset, the model spec, the loss, the optimizer and every setting on which
Keras and PyTorch differ by default, so that one config means the same
computation in both frameworks (see ``dlcourse explain-defaults``).

Example (``configs/digits_mlp.yaml``)::

    name: digits-mlp
    data: {dataset: digits}
    model:
      layers:
        - {type: flatten}
        - {type: dense, units: 128, activation: relu}
        - {type: dense, units: 10}
    optimizer: {name: adam, lr: 0.001}
    training: {epochs: 20, batch_size: 32}
"""

from __future__ import annotations

import copy
import re
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_serializer, model_validator

from dlcourse.errors import ConfigError, did_you_mean
from dlcourse.frameworks import NAMES as FRAMEWORKS
from dlcourse.models.layers import ACTIVATIONS, LAYER_TYPES, Dense, Layer, LayerTrace, trace  # noqa: F401  (the layer vocabulary)

INITIALIZERS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


# ----------------------------------------------------------------------------- data
class DataConfig(_Strict):
    """Which dataset, how it is split and scaled.

    ``options`` are passed to the dataset loader (e.g. ``n_samples`` and
    ``noise`` for the synthetic ``linear`` dataset, ``path`` for ``mnist``).
    ``classes`` (classification): keep only the samples of these class indices, relabelled
    ``0, 1, ...`` in the order given (a source or target task for transfer learning).
    ``train_size``: train on only this many samples of the training split (a stratified, seeded
    subset; validation and test splits unchanged), to see over-fitting or transfer on little data.
    """

    dataset: str
    options: dict[str, Any] = Field(default_factory=dict)
    val_fraction: float = Field(0.1, ge=0.0, lt=1.0)
    test_fraction: float = Field(0.2, gt=0.0, lt=1.0)
    scaling: Literal["range", "standard", "none"] = "range"
    augment: str | dict[str, Any] | None = None
    classes: list[Annotated[int, Field(ge=0, strict=True)]] | None = Field(None, min_length=2)
    train_size: int | None = Field(None, gt=0, strict=True)

    @field_validator("classes")
    @classmethod
    def _distinct(cls, value):
        """Keep only these classes (by index), relabelled 0, 1, ... in the order given."""
        if value is not None and len(set(value)) != len(value):
            raise ValueError(f"each class may appear once, got {value}")
        return value

    @field_validator("augment")
    @classmethod
    def _augment(cls, value):
        """Random transformations of the training images (``"shift=0.1,rotation=15"`` or a mapping)."""
        if value is None:
            return None
        from dlcourse.data.augment import AugmentSpec

        spec = AugmentSpec.parse(value)
        return spec.to_dict() if spec.active else None

    @model_validator(mode="after")
    def _fractions(self) -> "DataConfig":
        if self.val_fraction + self.test_fraction > 0.9 + 1e-9:   # exactly 10 % for training is allowed
            raise ValueError(
                f"val_fraction + test_fraction must leave at least 10% for training, "
                f"got {self.val_fraction} + {self.test_fraction}"
            )
        return self


# ----------------------------------------------------------------------------- model
class Backbone(_Strict):
    """The first layers of the model, taken from a trained model (transfer learning).

    ``run``: a dlcourse run folder; its model's layers but the last ``drop`` ones (its output
    layer), with their trained weights, come before ``model.layers`` (the new head).
    ``imagenet``: an ImageNet backbone of the framework (``resnet18``, ``resnet50``,
    ``mobilenet_v3_small``: ``dlcourse weights list``), its weights read from the framework's cache
    folder or from the file ``weights``; its output is the pooled feature vector.
    ``trainable``: ``0`` freezes the backbone (feature extraction; its batch norm stays in inference
    mode), ``all`` trains it (fine-tuning), ``N`` trains only its last ``N`` layers with weights
    (ImageNet: its last ``N`` stages).
    ``lr_scale``: the trained backbone layers' learning rate relative to the head's (``0.1``:
    ten times lower; fast.ai's discriminative rates).
    """

    run: str | None = None
    imagenet: str | None = None
    weights: str | None = None
    drop: int = Field(1, ge=0, strict=True)
    trainable: int | Literal["all"] = "all"
    lr_scale: float = Field(1.0, gt=0)

    @field_validator("trainable")
    @classmethod
    def _trainable(cls, value):
        if isinstance(value, int) and (isinstance(value, bool) or value < 0):
            raise ValueError(f"expected 'all' or a number of layers (0 freezes the backbone), got {value!r}")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> "Backbone":
        if (self.run is None) == (self.imagenet is None):
            raise ValueError("give either run (a dlcourse run folder) or imagenet (resnet18, resnet50, "
                             "mobilenet_v3_small), one of the two")
        if self.weights is not None and self.imagenet is None:
            raise ValueError("weights is the file of an imagenet backbone; a run backbone's weights are in its folder")
        return self


class ModelSpec(_Strict):
    """A sequential model. The last layer outputs logits (classification) or values.

    ``init`` and ``bias_init`` are set explicitly in both frameworks, because
    their defaults differ (Keras: Glorot uniform and zeros; PyTorch: Kaiming
    uniform with a=sqrt(5) and a uniform bias).
    """

    layers: list[Layer] = Field(min_length=1)
    init: Literal["glorot_uniform", "glorot_normal", "he_uniform", "he_normal"] = "glorot_uniform"
    bias_init: Literal["zeros"] = "zeros"
    backbone: Backbone | None = None

    @model_validator(mode="after")
    def _has_dense(self) -> "ModelSpec":
        if not any(isinstance(layer, Dense) for layer in self.layers):
            raise ValueError("the model needs at least one dense layer")
        if not isinstance(self.layers[-1], Dense):
            raise ValueError(f"the last layer must be dense (it gives the outputs), got '{self.layers[-1].type}'")
        return self

    @property
    def output_units(self) -> int:
        return self.layers[-1].units  # type: ignore[union-attr]

    def trace(self, input_shape: tuple[int, ...]) -> list[LayerTrace]:
        """Each layer's input and output shapes, weights and work for samples of ``input_shape``
        (:func:`dlcourse.models.layers.trace`; a misfit raises a teaching :class:`ConfigError`)."""
        return trace(self.layers, input_shape)

    def multiply_adds(self, input_shape: tuple[int, ...]) -> int:
        """Multiply-adds of one sample's forward pass, every layer counted."""
        return sum(t.multiply_adds for t in self.trace(input_shape))


# ----------------------------------------------------------------------------- optimizers
class SGD(_Strict):
    """Stochastic gradient descent; momentum as ``v = m*v + g; w -= lr*v`` (equal to Keras' form for a constant lr)."""

    name: Literal["sgd"]
    lr: float = Field(0.01, gt=0)
    momentum: float = Field(0.0, ge=0, lt=1)
    nesterov: bool = False


class Adam(_Strict):
    """Adam. ``eps`` is used as is in both frameworks (Keras' default is 1e-7, PyTorch's 1e-8)."""

    name: Literal["adam"]
    lr: float = Field(0.001, gt=0)
    beta1: float = Field(0.9, ge=0, lt=1)
    beta2: float = Field(0.999, ge=0, lt=1)
    eps: float = Field(1e-8, gt=0)


class AdamW(Adam):
    """Adam with *decoupled* weight decay: before each update ``w -= lr * weight_decay * w``, outside
    the gradient and Adam's moments (``torch.optim.AdamW``, ``keras.optimizers.AdamW``; every trainable
    weight, biases included, as both frameworks do by default). Not the same as an ``l2`` penalty on
    a layer, which goes through the gradient and so through Adam's scaling."""

    name: Literal["adamw"]  # type: ignore[assignment]
    weight_decay: float = Field(0.01, ge=0)


class RMSprop(_Strict):
    """RMSprop. ``eps`` is added outside the square root (PyTorch's form); Keras receives ``eps**2`` inside it."""

    name: Literal["rmsprop"]
    lr: float = Field(0.001, gt=0)
    rho: float = Field(0.9, gt=0, lt=1)
    eps: float = Field(1e-8, gt=0)
    momentum: float = Field(0.0, ge=0, lt=1)


Optimizer = Annotated[Union[SGD, Adam, AdamW, RMSprop], Field(discriminator="name")]


# ----------------------------------------------------------------------------- training
SCHEDULES = ("constant", "cosine", "step", "exponential", "one_cycle", "plateau")
#: The settings each schedule reads (any other one given is refused).
SCHEDULE_KEYS = {
    "constant": (),
    "cosine": ("warmup_epochs", "warmup_start", "min_fraction"),
    "step": ("step_epochs", "gamma"),
    "exponential": ("gamma",),
    "one_cycle": ("pct_start", "div_factor", "final_div_factor"),
    "plateau": ("monitor", "factor", "patience", "min_delta", "min_lr"),
}


class Schedule(_Strict):
    """The learning rate over the run; ``optimizer.lr`` is its reference value (see
    :mod:`dlcourse.models.schedules` for the formulas). Every schedule but ``plateau`` is a function
    of the update number, applied before every mini-batch; ``plateau`` changes the rate between epochs.

    * ``constant``: ``lr`` throughout.
    * ``cosine``: linear warm-up from ``lr * warmup_start`` to ``lr`` over ``warmup_epochs``, then a
      cosine decay to ``lr * min_fraction`` at the last update (Keras' ``CosineDecay`` with warm-up).
    * ``step``: ``lr * gamma ** floor(epoch / step_epochs)`` (PyTorch's ``StepLR``).
    * ``exponential``: ``lr * gamma ** epoch``, ``epoch`` counted in fractions of epochs (Keras'
      ``ExponentialDecay`` with ``decay_steps`` = one epoch).
    * ``one_cycle``: from ``lr / div_factor`` up to ``lr`` over the first ``pct_start`` of the run,
      then down to ``lr / div_factor / final_div_factor``, both halves cosine (PyTorch's ``OneCycleLR``).
    * ``plateau``: multiply the rate by ``factor`` when ``monitor`` has not improved by more than
      ``min_delta`` for ``patience`` epochs, never below ``min_lr`` (``ReduceLROnPlateau``).
    """

    name: Literal["constant", "cosine", "step", "exponential", "one_cycle", "plateau"] = "constant"
    warmup_epochs: float = Field(0.0, ge=0)
    warmup_start: float = Field(0.0, ge=0, le=1)
    min_fraction: float = Field(0.0, ge=0, le=1)
    step_epochs: float = Field(10.0, gt=0)
    gamma: float = Field(0.1, gt=0, le=1)
    pct_start: float = Field(0.3, gt=0, lt=1)
    div_factor: float = Field(25.0, ge=1)
    final_div_factor: float = Field(1e4, ge=1)
    monitor: str = "val_loss"
    factor: float = Field(0.1, gt=0, lt=1)
    patience: int = Field(3, ge=0, strict=True)
    min_delta: float = Field(0.0, ge=0)
    min_lr: float = Field(0.0, ge=0)

    @model_validator(mode="after")
    def _keys_of_this_schedule(self) -> "Schedule":
        allowed = SCHEDULE_KEYS[self.name]
        foreign = sorted(set(self.model_fields_set) - {"name", *allowed})
        if foreign:
            owners = [n for n, keys in SCHEDULE_KEYS.items() if foreign[0] in keys]
            raise ValueError(f"'{foreign[0]}' is a setting of the {' and '.join(owners)} schedule(s), not of "
                             f"'{self.name}'" + (f" (its settings: {', '.join(allowed)})" if allowed else
                                                 " (it has no settings)"))
        return self

    @model_serializer(mode="wrap")
    def _only_its_settings(self, handler):
        """A recorded config holds the settings the schedule reads, not every default."""
        data = handler(self)
        return {k: v for k, v in data.items() if k == "name" or k in SCHEDULE_KEYS[self.name]}


class EarlyStopping(_Strict):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    ``monitor``: a logged value (``val_loss``, ``val_accuracy``, ``loss``...); losses and errors
    (``loss``, ``mse``, ``mae``) improve downwards, the others upwards. ``restore_best``: the model
    that is evaluated and saved is the one of the best epoch (Keras' ``restore_best_weights``).
    """

    monitor: str = "val_loss"
    patience: int = Field(5, ge=0, strict=True)
    min_delta: float = Field(0.0, ge=0)
    restore_best: bool = True


class TrainingConfig(_Strict):
    """Loop settings. ``batch_size`` is explicit: Keras ``fit`` defaults to 32, a PyTorch step over a tensor to all of it.

    ``label_smoothing`` (classification): the targets become ``(1 - s) * one_hot + s / classes``
    (``CrossEntropyLoss(label_smoothing=s)``, Keras' ``CategoricalCrossentropy(label_smoothing=s)``).
    ``clip_norm``: rescale the gradients so that their global L2 norm is at most this
    (``clip_grad_norm_``, Keras' ``global_clipnorm``); ``clip_value``: clamp each gradient value to
    ``[-v, v]`` (``clip_grad_value_``, Keras' ``clipvalue``).
    """

    epochs: int = Field(10, gt=0, strict=True)          # strict: 'true' or 2.5 is refused, not read as 1 or 2
    batch_size: int = Field(32, gt=0, strict=True)
    shuffle: bool = True
    schedule: Schedule = Field(default_factory=Schedule)
    early_stopping: EarlyStopping | None = None
    label_smoothing: float = Field(0.0, ge=0, lt=1)
    clip_norm: float | None = Field(None, gt=0)
    clip_value: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _schedule_fits(self) -> "TrainingConfig":
        s = self.schedule
        if s.name == "cosine" and s.warmup_epochs >= self.epochs:
            raise ValueError(f"schedule.warmup_epochs ({s.warmup_epochs}) must be shorter than "
                             f"the run ({self.epochs} epochs)")
        if self.clip_norm and self.clip_value:
            raise ValueError("give clip_norm or clip_value, not both (Keras' optimizers take one kind of clipping)")
        if s.name == "step" and s.step_epochs >= self.epochs:
            raise ValueError(f"schedule.step_epochs ({s.step_epochs}) is not shorter than the run ({self.epochs} "
                             f"epochs), so the learning rate would never change; use a step_epochs below "
                             f"{self.epochs} or more epochs")
        if s.name == "plateau" and s.patience >= self.epochs:
            raise ValueError(f"schedule.patience ({s.patience}) is not shorter than the run ({self.epochs} epochs), "
                             f"so the learning rate could never be reduced; use a patience below {self.epochs}")
        if self.early_stopping and self.early_stopping.patience >= self.epochs:
            raise ValueError(f"early_stopping.patience ({self.early_stopping.patience}) is not shorter than the run "
                             f"({self.epochs} epochs), so it could never stop training; use a patience below "
                             f"{self.epochs}")
        return self


class RuntimeConfig(_Strict):
    """Execution settings that do not change the mathematics (each is recorded in the run folder).

    ``fast_path`` turns on, where a framework offers them: fused optimizer kernels
    (PyTorch's fused Adam, TensorFlow's ``ResourceApplyAdam``), and for Keras a compiled
    training loop that runs ``steps_per_execution`` mini-batches per call over the data held
    as one tensor (``jit_compile``: XLA, off unless asked); ``false`` gives the frameworks'
    plain defaults (Keras ``fit``, one step per call).
    ``threads: auto`` picks the thread count for the machine and the batch size.
    ``device``: ``auto`` takes a CUDA GPU, else Apple's MPS, else the CPU. ``precision``: ``32``
    (float32), ``bf16`` (bfloat16 compute, float32 weights: ``torch.autocast``, Keras'
    ``mixed_bfloat16`` policy) or ``16-mixed`` (float16 compute with loss scaling, CUDA GPUs only).
    ``distribution`` (TensorFlow; PyTorch runs under ``torchrun``): ``mirrored`` replicates the
    model over the local devices (``tf.distribute.MirroredStrategy``), ``multi_worker`` over the
    machines that ``TF_CONFIG`` lists (``MultiWorkerMirroredStrategy``). ``cpu_replicas``: split a
    CPU into that many devices for ``mirrored``, to try distribution on a laptop.
    ``checkpoint_interval``: seconds between two end-of-epoch checkpoints (``0``: every epoch); the
    first epoch, the last one, an early stop and an interruption are always saved, so a crash loses
    at most this much training.
    """

    @field_validator("precision", mode="before")
    @classmethod
    def _precision(cls, value):
        """``32`` written as a number in YAML or on the command line is the text ``"32"``."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    threads: int | Literal["auto"] = "auto"
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    precision: Literal["32", "bf16", "16-mixed"] = "32"
    distribution: Literal["none", "mirrored", "multi_worker"] = "none"
    cpu_replicas: int = Field(1, ge=1, le=64, strict=True)
    deterministic: bool = True
    fast_path: bool = True
    steps_per_execution: int | Literal["auto"] = "auto"
    jit_compile: bool | Literal["auto"] = "auto"
    checkpoint_interval: float = Field(10.0, ge=0)

    @field_validator("threads")
    @classmethod
    def _threads(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value <= 0:
            raise ValueError(f"threads must be a positive integer or 'auto', got {value}")
        return value


_NAME = re.compile(r"[^\W][\w.-]*")
_NAME_BAD = re.compile(r"[^\w.-]+")


class ExperimentConfig(_Strict):
    """A whole experiment, independent of the framework that runs it."""

    name: str = Field(min_length=1)
    task: Literal["classification", "regression"]
    framework: Literal[FRAMEWORKS] = "torch"  # type: ignore[valid-type]  (dlcourse.frameworks.NAMES)
    seed: int = Field(0, ge=0, strict=True)
    data: DataConfig
    model: ModelSpec
    loss: Literal["cross_entropy", "mse"] | None = None
    optimizer: Optimizer
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    metrics: list[str] = Field(default_factory=list)
    runtime: RuntimeConfig = Field(default_factory=RuntimeConfig)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        # the name becomes a folder name: letters of any language, digits, '_', '.', '-'
        if not _NAME.fullmatch(value) or value in (".", ".."):
            suggestion = _NAME_BAD.sub("_", value).strip("._") or "my_run"
            raise ValueError(f"it becomes the run folder's name, so it may hold only letters (accents "
                             f"included), digits, '_', '.' and '-', got {value!r}; for example {suggestion!r}")
        return value

    @model_validator(mode="after")
    def _loss_matches_task(self) -> "ExperimentConfig":
        expected = "cross_entropy" if self.task == "classification" else "mse"
        if self.loss is None:
            self.loss = expected
        elif self.loss != expected:
            raise ValueError(f"loss '{self.loss}' does not fit a {self.task} task; use '{expected}'")
        if not self.metrics:
            self.metrics = ["accuracy"] if self.task == "classification" else ["mae"]
        if self.training.label_smoothing and self.task != "classification":
            raise ValueError(f"training.label_smoothing smooths class labels; a {self.task} task has none (set it to 0)")
        return self

    def to_dict(self) -> dict[str, Any]:
        """The resolved config as plain Python data (what the run folder records)."""
        return self.model_dump(mode="json")


# ----------------------------------------------------------------------------- loading
def _q(text: object) -> str:
    """``'text'`` for a message; ``repr`` when it holds line breaks or control characters (one line stays one line)."""
    text = str(text)
    return f"'{text}'" if text.isprintable() else repr(text)


def builtin_config_dir() -> Path:
    """Folder of the configs shipped with dlcourse (``configs/`` in a source checkout)."""
    packaged = Path(__file__).parent / "configs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "configs"


def builtin_configs() -> list[str]:
    """Names of the shipped configs, usable in place of a path (``dlcourse train digits_mlp``)."""
    folder = builtin_config_dir()
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def resolve_config_path(source: str | Path) -> Path:
    """Return the file behind ``source``: a path, or the name of a shipped config."""
    path = Path(source)
    if path.is_file():
        return path
    if path.is_dir():
        raise ConfigError(f"config: {_q(source)} is a folder, expected a YAML file.")
    candidate = builtin_config_dir() / f"{source}.yaml"
    if path.suffix == "" and candidate.is_file():
        return candidate
    names = builtin_configs()
    raise ConfigError(
        f"config: no file {_q(source)}.{did_you_mean(path.stem, names)}",
        f"Give a path to a YAML file or one of the shipped configs: {', '.join(names)}.",
    )


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping; a syntax error names the line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"config: {_q(path)} is not a UTF-8 text file.") from None
    except OSError as exc:
        raise ConfigError(f"config: cannot read {_q(path)} ({exc.strerror}).") from None
    try:
        data = yaml.safe_load(text)
    except yaml.reader.ReaderError as exc:               # a control character: no line/column mark
        line = text.count("\n", 0, exc.position) + 1
        char = chr(exc.character) if isinstance(exc.character, int) else exc.character
        raise ConfigError(f"config: {_q(path)} line {line}: invalid YAML (character {char!r} is not allowed "
                          "in a YAML file).", "Remove it or quote it with a YAML escape such as \"\\x1f\".") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and start and mark and (start.line, start.column) != (mark.line, mark.column):
            # the parser notices the error where it gives up; the construct it was reading starts earlier
            problem += f", {context} that starts at line {start.line + 1}, column {start.column + 1}"
        raise ConfigError(f"config: {_q(path)}{where}: invalid YAML ({problem}).") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config: {_q(path)} must hold a mapping of keys (name, data, model, ...), got {type(data).__name__}.")
    return data


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply ``key.sub=value`` overrides (values parsed as YAML) to a raw config mapping."""
    data = copy.deepcopy(data)
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"--set: expected key=value (e.g. training.epochs=5), got {item!r}.")
        key, raw = item.split("=", 1)
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError:
            value = raw
        node: Any = data
        parts = key.strip().split(".")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ConfigError(f"--set {key!r}: {part!r} is not an index of a list of {len(node)} items.")
                if last:
                    node[int(part)] = value
                else:
                    node = node[int(part)]
            elif isinstance(node, dict):
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, {})
            else:
                raise ConfigError(f"--set {key!r}: {'.'.join(parts[:i])!r} is a value, not a section.")
    return data


def _field_class(cls: Any, loc: tuple) -> Any:
    """Follow a pydantic error location through the config classes; return the model class at its parent."""
    current = cls
    for part in loc[:-1]:
        origin = typing.get_origin(current)
        if origin is Annotated:
            current = typing.get_args(current)[0]
            origin = typing.get_origin(current)
        if isinstance(part, int) and origin is list:
            current = typing.get_args(current)[0]
        elif origin is Union or (origin is None and isinstance(current, type) is False and typing.get_args(current)):
            for member in typing.get_args(current):
                tag = [f for f in getattr(member, "model_fields", {}).values() if typing.get_origin(f.annotation) is Literal]
                if tag and part in typing.get_args(tag[0].annotation):
                    current = member
                    break
        elif isinstance(current, type) and issubclass(current, BaseModel) and part in current.model_fields:
            current = current.model_fields[part].annotation
            if typing.get_origin(current) is Union:
                args = [a for a in typing.get_args(current) if a is not type(None)]
                current = args[0] if len(args) == 1 else current
        else:
            return None
    if typing.get_origin(current) is Annotated:
        current = typing.get_args(current)[0]
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _sentence(exc: ValidationError, source: str) -> str:
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    # Tags of discriminated unions (e.g. 'dense', 'adam') are not keys the user wrote.
    shown = [str(p) for p in loc if not (isinstance(p, str) and p in _TAGS)]
    where = ".".join(shown) or "config"
    kind = err["type"]
    if kind == "extra_forbidden":
        parent = _field_class(ExperimentConfig, loc)
        allowed = list(parent.model_fields) if parent else []
        section = ".".join(shown[:-1]) or "the top level"
        return (
            f"{source}: unknown key {_q(loc[-1])} in {section}.{did_you_mean(str(loc[-1]), allowed)}"
            + (f" Allowed keys: {', '.join(allowed)}." if allowed else "")
        )
    if kind == "missing":
        return f"{source}: missing required key '{where}'."
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        tag = ctx.get("tag", "?")
        expected = ctx.get("expected_tags", "")
        names = [t.strip().strip("'") for t in str(expected).split(",")]
        return f"{source}: {where}: unknown value {_q(tag)}, expected one of {expected}.{did_you_mean(tag, names)}"
    if kind == "union_tag_not_found":
        key = str(err.get("ctx", {}).get("discriminator", "?")).strip("'")
        names = ", ".join(f"'{t}'" for t in _TAG_VALUES.get(key, ()))
        return f"{source}: {where}: missing key '{key}' (one of {names})."
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        names = [t.strip().strip("'") for t in str(expected).replace(" or ", ",").split(",")]
        return f"{source}: {where}: expected one of {expected}, got {err['input']!r}.{did_you_mean(str(err['input']), names)}"
    message = err["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    got = f", got {err['input']!r}" if kind not in ("value_error", "model_type", "dict_type") and not isinstance(err["input"], dict) else ""
    if ", got " in message:                         # pydantic already says what it got
        got = ""
    return f"{source}: {where}: {message[0].lower() + message[1:]}{got}."


_TAG_VALUES = {"type": tuple(LAYER_TYPES), "name": ("sgd", "adam", "adamw", "rmsprop")}
_TAGS = {tag for tags in _TAG_VALUES.values() for tag in tags}


def validate_config(data: dict[str, Any], source: str = "config") -> ExperimentConfig:
    """Validate a raw mapping; any problem becomes one :class:`ConfigError` sentence."""
    try:
        return ExperimentConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_sentence(exc, source)) from None


def load_config(source: str | Path, overrides: list[str] | None = None) -> ExperimentConfig:
    """Load, override and validate a config.

    Parameters
    ----------
    source:
        Path to a YAML file, or the name of a shipped config (``digits_mlp``).
    overrides:
        ``key.sub=value`` strings applied before validation (``training.epochs=3``).
    """
    path = resolve_config_path(source)
    data = apply_overrides(read_yaml(path), overrides or [])
    return validate_config(data, source=str(path))
