"""Named training recipes: documented sets of overrides applied to a config.

``fast`` reaches the accuracy of the course's MNIST run (Adam 1e-3, batch 32 or 64,
5 epochs) in a fraction of its time:

- standardised inputs (zero mean, unit variance per pixel, from the training split):
  the first steps are not spent learning the input scale;
- batch 256: fewer, better-used steps on a CPU (and enough work per step for all cores);
- Adam peaking at 5e-3 after a 0.1-epoch linear warm-up from 5e-4, then a cosine
  decay to zero that settles the weights by the end of epoch 2.

Measured on synthetic MNIST-shaped data (``benchmarks/bench_cpu.py``, 60 000 images):
test accuracy 0.955 after 2 epochs in both frameworks, where the course's code reaches
0.943 (Keras) and 0.953 (PyTorch) after 5.

It applies to what it was measured on: MLPs on the 60 000 MNIST training images. On a small
dataset such as ``digits`` (1 437 training images) its 2 epochs of batch 256 are 12 steps and end
far below the config's own accuracy, so :func:`check_applies` refuses it there with the reason.
"""

from __future__ import annotations

from dlcourse.errors import UserError, did_you_mean

RECIPES: dict[str, dict] = {
    "fast": {
        "description": "standardised inputs, batch 256, Adam peaking at 5e-3 after a 0.1-epoch warm-up, "
                       "cosine decay to 0, 2 epochs",
        "overrides": [
            "data.scaling=standard",
            "training.batch_size=256",
            "training.epochs=2",
            "optimizer={name: adam, lr: 0.005, beta1: 0.9, beta2: 0.999, eps: 1.0e-7}",
            "training.schedule={name: cosine, warmup_epochs: 0.1, warmup_start: 0.1, min_fraction: 0.0}",
        ],
        "datasets": ("mnist",),
        "layers": ("flatten", "dense", "dropout", "batch_norm"),
    },
}


def check_applies(name: str | None, config) -> None:
    """Refuse recipe ``name`` on a config it was not measured on (it could end worse than the config)."""
    if name is None:
        return
    recipe = RECIPES[name]
    kinds = sorted({layer.type for layer in config.model.layers} - set(recipe["layers"]))
    if config.data.dataset not in recipe["datasets"] or kinds:
        what = (f"dataset '{config.data.dataset}'" if config.data.dataset not in recipe["datasets"]
                else f"{', '.join(kinds)} layers")
        raise UserError(f"recipe '{name}' is tuned for MLPs on the 60 000 MNIST training images and is not measured "
                        f"on {what}: it could end below the config's own accuracy.",
                        f"Train without --recipe {name}, with the config's own settings.")


def recipe_overrides(name: str | None) -> list[str]:
    """The ``key=value`` overrides of recipe ``name`` (none for ``None``)."""
    if name is None:
        return []
    if name not in RECIPES:
        raise UserError(f"unknown recipe '{name}'.{did_you_mean(name, RECIPES)}", f"Known recipes: {', '.join(RECIPES)}.")
    return list(RECIPES[name]["overrides"])
