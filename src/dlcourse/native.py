"""``dlcourse code CONFIG --framework torch|tensorflow``: the run as a plain PyTorch or Keras script.

The script imports neither dlcourse nor anything of its own: NumPy, scikit-learn and the
framework. It does what ``dlcourse train`` does for the config, written out: the same data (the
embedded dataset, the same stratified split with the same seed, the scaling fitted on the
training split), the same initial weights (drawn with NumPy, layer after layer, as dlcourse draws
them for both frameworks), the same mini-batches (each epoch's permutation seeded by
``(seed, epoch)``), the same loss and optimizer, and the same test metrics at the end, printed as
JSON. Configs using something this translation does not cover are refused with the key named.
"""

from __future__ import annotations

import json
from textwrap import indent

from dlcourse.errors import UserError

DATASETS = ("digits", "linear")
LAYERS = ("flatten", "dense", "conv2d", "max_pool2d", "dropout")
OPTIMIZERS = ("sgd", "adam", "adamw")
_TORCH_ACT = {"relu": "nn.ReLU()", "tanh": "nn.Tanh()", "sigmoid": "nn.Sigmoid()", "gelu": "nn.GELU()"}


class NativeCodeError(UserError):
    """A config that ``dlcourse code`` cannot write as a plain script."""


def _refuse(key: str, value, supported: str) -> None:
    raise NativeCodeError(f"dlcourse code cannot write {key} = {value!r} as plain code; it covers {supported}.",
                          "Train this config with 'dlcourse train', or remove that setting to get the script.")


def check_supported(config) -> None:
    """Raise :class:`NativeCodeError` naming the first setting the plain scripts do not cover."""
    data, tr = config.data, config.training
    if data.dataset not in DATASETS:
        _refuse("data.dataset", data.dataset, "the embedded datasets " + ", ".join(DATASETS))
    for key in ("augment", "classes", "train_size"):
        if getattr(data, key):
            _refuse(f"data.{key}", getattr(data, key), "configs without it")
    if config.model.backbone is not None:
        _refuse("model.backbone", "…", "models without a backbone")
    for i, layer in enumerate(config.model.layers):
        if layer.type not in LAYERS:
            _refuse(f"model.layers.{i}.type", layer.type, "the layer types " + ", ".join(LAYERS))
        if getattr(layer, "l1", 0) or getattr(layer, "l2", 0) or not layer.trainable or layer.lr_scale != 1.0:
            _refuse(f"model.layers.{i}", "l1/l2/trainable/lr_scale", "layers without penalties, freezing or lr_scale")
        if layer.type == "conv2d" and layer.padding == "same" and tuple(_pair(layer.stride)) != (1, 1):
            _refuse(f"model.layers.{i}.stride", layer.stride, "padding 'same' with stride 1 (PyTorch's rule)")
    if config.optimizer.name not in OPTIMIZERS:
        _refuse("optimizer.name", config.optimizer.name, "the optimizers " + ", ".join(OPTIMIZERS))
    if tr.schedule.name != "constant":
        _refuse("training.schedule.name", tr.schedule.name, "a constant learning rate")
    for key in ("early_stopping", "clip_norm", "clip_value"):
        if getattr(tr, key):
            _refuse(f"training.{key}", getattr(tr, key), "training without it")
    if tr.label_smoothing:
        _refuse("training.label_smoothing", tr.label_smoothing, "training without it")
    if config.runtime.precision != "32" or config.runtime.distribution != "none":
        _refuse("runtime.precision/distribution", f"{config.runtime.precision}/{config.runtime.distribution}",
                "float32 on one process")


def _pair(value) -> tuple[int, int]:
    return (int(value), int(value)) if isinstance(value, int) else (int(value[0]), int(value[1]))


# ----------------------------------------------------------------------------- shared parts
def _header(config, framework: str, source: str) -> str:
    name = "PyTorch" if framework == "torch" else "Keras"
    command = f"dlcourse train {source} -f {framework}"
    return f'''"""The dlcourse config '{config.name}' as a plain {name} script (no dlcourse import).

It does what `{command}` does: the same data preparation, initial
weights, mini-batches, loss, optimizer and test metrics. Run it with: python THIS_FILE.py
The last line printed is the test metrics as JSON.
"""

from __future__ import annotations

import json
import time

import numpy as np
from sklearn.model_selection import train_test_split
'''


def _data(config) -> str:
    d, seed = config.data, config.seed
    if d.dataset == "digits":
        load = '''from sklearn.datasets import load_digits

digits = load_digits()
x = digits.images.astype(np.float32)                     # (1797, 8, 8) grey pixels in [0, 16]
y = digits.target.astype(np.int64)                       # (1797,) classes 0..9
VALUE_RANGE = (0.0, 16.0)                                # the pixels' known range'''
    else:
        import inspect

        from dlcourse.data.embedded import linear

        defaults = {k: v.default for k, v in inspect.signature(linear).parameters.items() if k != "seed"}
        o = {**defaults, **d.options}
        load = f'''rng = np.random.default_rng(SEED)                        # y = {o["slope"]}x + {o["intercept"]} + noise
x = rng.standard_normal(({int(o["n_samples"])}, 1)).astype(np.float32)   # (n, 1)
y = ({float(o["slope"])!r} * x + {float(o["intercept"])!r} + {float(o["noise"])!r} * rng.standard_normal(({int(o["n_samples"])}, 1))).astype(np.float32)   # (n, 1)
VALUE_RANGE = None'''
    stratify = config.task == "classification"
    split = f'''# Train / validation / test: stratified for classification, seeded, indices sorted.
idx = np.arange(len(y))
rest, test = train_test_split(idx, test_size={d.test_fraction!r}, random_state=SEED{", stratify=y" if stratify else ""})
'''
    if d.val_fraction:
        split += (f"train, val = train_test_split(rest, test_size={d.val_fraction!r} / (1.0 - {d.test_fraction!r}), "
                  f"random_state=SEED{', stratify=y[rest]' if stratify else ''})\n"
                  "train, val, test = np.sort(train), np.sort(val), np.sort(test)\n")
    else:
        split += "train, val, test = np.sort(rest), idx[:0], np.sort(test)\n"
    if d.scaling == "none":
        scale = "shift, scale = np.float32(0.0), np.float32(1.0)             # scaling: none"
    elif d.scaling == "range":
        scale = '''if VALUE_RANGE is not None:                              # scaling: range, the known range
    shift, scale = np.float32(VALUE_RANGE[0]), np.float32(VALUE_RANGE[1] - VALUE_RANGE[0])
else:                                                    # else each feature's training min / max
    lo, hi = x[train].astype(np.float64).min(axis=0), x[train].astype(np.float64).max(axis=0)
    span = hi - lo
    span[span == 0] = 1.0
    shift, scale = lo.astype(np.float32), span.astype(np.float32)'''
    else:
        scale = '''mean, std = x[train].astype(np.float64).mean(axis=0), x[train].astype(np.float64).std(axis=0)
std[std == 0] = 1.0                                      # scaling: standard, training split only
shift, scale = mean.astype(np.float32), std.astype(np.float32)'''
    target = ("y = y.astype(np.int64)                                   # (n,) class indices" if stratify else
              "y = y.astype(np.float32).reshape(len(y), -1)             # (n, k) targets")
    return f'''
SEED = {seed}
EPOCHS = {config.training.epochs}
BATCH_SIZE = {config.training.batch_size}
SHUFFLE = {config.training.shuffle}

# ---- data
{load}
{target}

{split}
# Scaling fitted on the training split only, applied to every split.
{scale}
x_train, y_train = (x[train] - shift) / scale, y[train]
x_val, y_val = (x[val] - shift) / scale, y[val]
x_test, y_test = (x[test] - shift) / scale, y[test]


def epoch_order(epoch):
    """The epoch's visiting order (epoch from 1): a permutation seeded by (SEED, epoch)."""
    if not SHUFFLE:
        return np.arange(len(x_train))
    return np.random.default_rng([SEED, epoch]).permutation(len(x_train))
'''


def _initial_weights(config, traces) -> tuple[str, list[tuple[str, int]]]:
    """Code drawing every kernel with NumPy in dlcourse's order, and ``[(kernel variable, layer index)]``.

    The drawing functions are dlcourse's own (:func:`dlcourse.models.layers.kernel`), copied
    into the script as their source, so the script cannot drift from what ``dlcourse train`` draws.
    """
    import inspect

    from dlcourse.models import layers

    lines = ["\n# ---- initial weights: one NumPy generator, layer after layer, Keras' laws and fans (biases 0)",
             f"INIT = {config.model.init!r}\n\n",
             inspect.getsource(layers._truncated_normal) + "\n",
             inspect.getsource(layers.kernel) + "\n"]
    lines.append("rng = np.random.default_rng([SEED, 0x1A17])")
    names = []
    for t in traces:
        shape = t.image_input or t.input_shape
        if t.layer.type == "dense":
            k = f"k{len(names) + 1}"
            lines.append(f"{k} = kernel(INIT, ({shape[0]}, {t.layer.units}), {shape[0]}, {t.layer.units}, rng)"
                         f"   # layer {t.index}: dense, (in, out)")
        elif t.layer.type == "conv2d":
            kh, kw = _pair(t.layer.kernel_size)
            c, f = shape[2], t.layer.filters
            k = f"k{len(names) + 1}"
            lines.append(f"{k} = kernel(INIT, ({kh}, {kw}, {c}, {f}), {kh * kw * c}, {kh * kw * f}, rng)"
                         f"   # layer {t.index}: conv2d, (kh, kw, in, out)")
        else:
            continue
        names.append((k, t.index))
    return "\n".join(lines) + "\n", names


def _metrics_code(task: str) -> str:
    if task == "classification":
        return '''def test_metrics(logits, y):
    """Accuracy and mean cross-entropy of ``logits (n, k)`` against the classes ``y (n,)``."""
    logits = logits.astype(np.float64)
    top = logits.max(axis=1, keepdims=True)
    log_probs = logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
    return {"accuracy": float((logits.argmax(axis=1) == y).mean()),
            "loss": float(-log_probs[np.arange(len(y)), y].mean())}
'''
    return '''def test_metrics(pred, y):
    """MSE, RMSE, MAE and R² of ``pred (n, k)`` against ``y (n, k)``."""
    pred, y = pred.astype(np.float64), y.astype(np.float64)
    mse = float(((pred - y) ** 2).mean())
    return {"mse": mse, "rmse": mse ** 0.5, "mae": float(np.abs(pred - y).mean()),
            "r2": float(1.0 - ((pred - y) ** 2).sum() / ((y - y.mean(axis=0)) ** 2).sum())}
'''


# ----------------------------------------------------------------------------- PyTorch
def _torch_model(config, traces, kernels) -> str:
    mods, assign, k_of = [], [], dict((i, k) for k, i in kernels)
    channels_first = False
    count = {"linear": 0, "conv": 0}
    for t in traces:
        layer = t.layer
        if layer.type in ("conv2d", "max_pool2d") and not channels_first:
            if len(t.input_shape) == 2:
                mods.append(f"nn.Unflatten(1, (1, {t.input_shape[0]})),   # (n, h, w) -> (n, 1, h, w)")
            else:
                mods.append("ChannelsFirst(),   # (n, h, w, c) -> (n, c, h, w)")
            channels_first = True
        if layer.type == "flatten":
            if channels_first:
                mods.append("ChannelsLast(),   # flatten in (h, w, c) order, as Keras does")
            mods.append(f"nn.Flatten(),   # -> (n, {t.output_shape[0]})")
            channels_first = False
        elif layer.type == "dense":
            count["linear"] += 1
            name = f"linear_{count['linear']}"
            mods.append(f"{name},   # -> (n, {layer.units})")
            assign.append(f"{name} = nn.Linear({t.input_shape[0]}, {layer.units})")
            if layer.activation in _TORCH_ACT:
                mods.append(f"{_TORCH_ACT[layer.activation]},")
            k = k_of[t.index]
            assign.append(f"_init.append(({name}, {k}.T))                  # PyTorch stores (out, in)")
        elif layer.type == "conv2d":
            count["conv"] += 1
            name = f"conv_{count['conv']}"
            kh, kw = _pair(layer.kernel_size)
            c = (t.image_input or t.input_shape)[2]
            pad = '"same"' if layer.padding == "same" else "0"
            mods.append(f"{name},   # -> (n, {t.output_shape[2]}, {t.output_shape[0]}, {t.output_shape[1]})")
            assign.append(f"{name} = nn.Conv2d({c}, {layer.filters}, ({kh}, {kw}), stride={_pair(layer.stride)}, "
                          f"padding={pad})")
            if layer.activation in _TORCH_ACT:
                mods.append(f"{_TORCH_ACT[layer.activation]},")
            k = k_of[t.index]
            assign.append(f"_init.append(({name}, {k}.transpose(3, 2, 0, 1)))   # (out, in, kh, kw)")
        elif layer.type == "max_pool2d":
            stride = _pair(layer.stride) if layer.stride is not None else _pair(layer.pool_size)
            mods.append(f"nn.MaxPool2d({_pair(layer.pool_size)}, stride={stride}),   "
                        f"# -> (n, {t.output_shape[2]}, {t.output_shape[0]}, {t.output_shape[1]})")
        elif layer.type == "dropout":
            mods.append(f"nn.Dropout({layer.rate!r}),")
    return ("\n\nclass ChannelsFirst(nn.Module):\n    def forward(self, x):\n        return x.permute(0, 3, 1, 2)\n"
            "\n\nclass ChannelsLast(nn.Module):\n    def forward(self, x):\n        return x.permute(0, 2, 3, 1)\n"
            "\n\n# ---- model\n_init = []\n" + "\n".join(assign) + "\nmodel = nn.Sequential(\n"
            + indent("\n".join(mods), "    ") + "\n)\nwith torch.no_grad():\n"
            "    for module, k in _init:\n        module.weight.copy_(torch.from_numpy(np.ascontiguousarray(k)))\n"
            "        module.bias.zero_()\n")


def _torch_optimizer(config) -> str:
    o = config.optimizer
    if o.name == "sgd":
        return f"torch.optim.SGD(model.parameters(), lr={o.lr!r}, momentum={o.momentum!r}, nesterov={o.nesterov})"
    betas = f"betas=({o.beta1!r}, {o.beta2!r}), eps={o.eps!r}"
    if o.name == "adamw":
        return f"torch.optim.AdamW(model.parameters(), lr={o.lr!r}, {betas}, weight_decay={o.weight_decay!r})"
    return f"torch.optim.Adam(model.parameters(), lr={o.lr!r}, {betas})"


def _torch_script(config, traces, source) -> str:
    weights, kernels = _initial_weights(config, traces)
    loss = "nn.CrossEntropyLoss()   # takes logits" if config.task == "classification" else "nn.MSELoss()"
    return (_header(config, "torch", source) + f"import torch\nfrom torch import nn\n\ntorch.manual_seed({config.seed})   # dropout masks\n"
            + _data(config) + weights + _torch_model(config, traces, kernels) + f'''
loss_fn = {loss}
optimizer = {_torch_optimizer(config)}
tx_train, ty_train = torch.from_numpy(x_train), torch.from_numpy(y_train)


def predict(x):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(torch.from_numpy(x[i:i + 4096])) for i in range(0, len(x), 4096)]).numpy()


{_metrics_code(config.task)}
start = time.perf_counter()
for epoch in range(1, EPOCHS + 1):
    order = torch.from_numpy(epoch_order(epoch))
    model.train()
    losses = []
    for i in range(0, len(order), BATCH_SIZE):
        batch = order[i:i + BATCH_SIZE]
        loss = loss_fn(model(tx_train[batch]), ty_train[batch])   # mean over the mini-batch
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    print(f"epoch {{epoch}}/{{EPOCHS}}  loss {{np.mean(losses):.4f}}")
print(f"trained in {{time.perf_counter() - start:.1f}} s")
print(json.dumps({{"test": test_metrics(predict(x_test), y_test)}}))
''')


# ----------------------------------------------------------------------------- Keras
def _keras_model(config, traces, kernels) -> str:
    first = traces[0].input_shape
    layers, assign, k_of = [f"keras.Input({tuple(first)!r}),   # one sample's shape"], [], dict((i, k) for k, i in kernels)
    reshaped = False
    count = {"dense": 0, "conv": 0}
    for t in traces:
        layer = t.layer
        if layer.type in ("conv2d", "max_pool2d") and not reshaped and len(t.input_shape) == 2:
            layers.append(f"keras.layers.Reshape(({t.input_shape[0]}, {t.input_shape[1]}, 1)),   # one channel")
        reshaped = reshaped or layer.type in ("conv2d", "max_pool2d")
        act = f', activation="{layer.activation}"' if getattr(layer, "activation", "linear") != "linear" else ""
        if layer.type == "flatten":
            layers.append(f"keras.layers.Flatten(),   # -> (n, {t.output_shape[0]})")
        elif layer.type == "dense":
            count["dense"] += 1
            name = f"dense_{count['dense']}"
            assign.append(f"{name} = keras.layers.Dense({layer.units}{act})")
            layers.append(f"{name},   # -> (n, {layer.units})")
            k = k_of[t.index]
            assign.append(f"_init.append(({name}, {k}))")
        elif layer.type == "conv2d":
            count["conv"] += 1
            name = f"conv_{count['conv']}"
            assign.append(f'{name} = keras.layers.Conv2D({layer.filters}, {_pair(layer.kernel_size)}, '
                          f'strides={_pair(layer.stride)}, padding="{layer.padding}"{act})')
            layers.append(f"{name},   # -> (n, {', '.join(map(str, t.output_shape))})")
            assign.append(f"_init.append(({name}, {k_of[t.index]}))")
        elif layer.type == "max_pool2d":
            stride = _pair(layer.stride) if layer.stride is not None else _pair(layer.pool_size)
            layers.append(f"keras.layers.MaxPooling2D({_pair(layer.pool_size)}, strides={stride}),   "
                          f"# -> (n, {', '.join(map(str, t.output_shape))})")
        elif layer.type == "dropout":
            layers.append(f"keras.layers.Dropout({layer.rate!r}),")
    return ("\n# ---- model\n_init = []\n" + "\n".join(assign) + "\nmodel = keras.Sequential([\n"
            + indent("\n".join(layers), "    ") + "\n])\nfor layer, k in _init:\n"
            "    layer.set_weights([k, np.zeros(k.shape[-1], np.float32)])\n")


def _keras_optimizer(config) -> str:
    o = config.optimizer
    if o.name == "sgd":
        return f"keras.optimizers.SGD(learning_rate={o.lr!r}, momentum={o.momentum!r}, nesterov={o.nesterov})"
    common = f"learning_rate={o.lr!r}, beta_1={o.beta1!r}, beta_2={o.beta2!r}, epsilon={o.eps!r}"
    if o.name == "adamw":
        return f"keras.optimizers.AdamW({common}, weight_decay={o.weight_decay!r})"
    return f"keras.optimizers.Adam({common})"


def _keras_script(config, traces, source) -> str:
    weights, kernels = _initial_weights(config, traces)
    loss = ('keras.losses.SparseCategoricalCrossentropy(from_logits=True)' if config.task == "classification"
            else 'keras.losses.MeanSquaredError()')
    return (_header(config, "tensorflow", source) + 'import os\n\nos.environ.setdefault("KERAS_BACKEND", "tensorflow")\n'
            f"import keras  # noqa: E402\n\nkeras.utils.set_random_seed({config.seed})\n" + _data(config) + weights + _keras_model(config, traces, kernels) + f'''
model.compile(optimizer={_keras_optimizer(config)}, loss={loss})


{_metrics_code(config.task)}
start = time.perf_counter()
for epoch in range(1, EPOCHS + 1):
    order = epoch_order(epoch)                   # the same mini-batches as dlcourse: shuffle=False below
    history = model.fit(x_train[order], y_train[order], batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0)
    print(f"epoch {{epoch}}/{{EPOCHS}}  loss {{history.history['loss'][0]:.4f}}")
print(f"trained in {{time.perf_counter() - start:.1f}} s")
print(json.dumps({{"test": test_metrics(model.predict(x_test, batch_size=4096, verbose=0), y_test)}}))
''')


def native_script(config, framework: str, source: str | None = None) -> str:
    """The plain script of ``config`` for ``framework`` (``torch`` or ``tensorflow``).

    ``config`` is a resolved :class:`dlcourse.config.ExperimentConfig`; ``source`` is how the user
    named it (quoted in the script's docstring). Raises :class:`NativeCodeError` when the config
    uses something the plain scripts do not cover (see :func:`check_supported`).
    """
    from dlcourse.models.layers import trace

    check_supported(config)
    shape = (8, 8) if config.data.dataset == "digits" else (1,)
    traces = trace(config.model.layers, shape)
    source = source or config.name
    if framework == "torch":
        return _torch_script(config, traces, source)
    if framework == "tensorflow":
        return _keras_script(config, traces, source)
    raise NativeCodeError(f"--framework must be torch or tensorflow, got {json.dumps(framework)}.",
                          "Use --framework torch or --framework tensorflow.")
