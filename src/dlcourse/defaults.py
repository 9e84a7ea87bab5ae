"""Where Keras and PyTorch differ by default, and the value a dlcourse config sets in both.

``dlcourse explain-defaults`` prints this table; ``docs/framework-defaults.md`` is generated from it.
"""

from __future__ import annotations

# (item, Keras default, PyTorch default, what dlcourse does)
DIFFERENCES: list[tuple[str, str, str, str]] = [
    ("Dense / Linear kernel init", "glorot_uniform", "kaiming_uniform(a=sqrt(5)) = U(+-1/sqrt(fan_in))",
     "model.init (default glorot_uniform) applied in both"),
    ("Dense / Linear bias init", "zeros", "U(+-1/sqrt(fan_in))", "zeros in both"),
    ("Weight layout", "Dense kernel (in, out)", "Linear weight (out, in)", "transposed when weights are copied"),
    ("Image layout", "channels-last (NHWC)", "channels-first (NCHW)", "arrays stay (n, h, w[, c]); backends convert"),
    ("Adam", "lr 1e-3, epsilon 1e-7 (added to sqrt(v_hat))", "lr 1e-3, eps 1e-8 (form differs by sqrt(1-b2^t))",
     "optimizer.eps (default 1e-8) passed to both"),
    ("RMSprop", "lr 1e-3, rho 0.9, epsilon 1e-7 inside the sqrt", "lr 1e-2, alpha 0.99, eps 1e-8 outside",
     "lr, rho set in both; eps outside (PyTorch), eps**2 inside for Keras"),
    ("SGD", "lr 0.01", "lr 1e-3", "optimizer.lr (default 0.01) in both"),
    ("SGD momentum form", "v = m*v - lr*g; w += v", "b = m*b + g; w -= lr*b", "equal for a constant lr"),
    ("Weight decay", "decoupled on every optimizer", "L2 on the gradient (AdamW: decoupled)",
     "optimizer adamw: decoupled in both; layer l2: Keras' penalty on the loss in both"),
    ("BatchNorm", "momentum 0.99, epsilon 1e-3", "momentum 0.1, eps 1e-5",
     "batch_norm momentum 0.99, epsilon 1e-3 in both; PyTorch keeps Keras' biased moving variance"),
    ("Dropout", "rate required", "p = 0.5", "rate required in the config"),
    ("fit batch size", "32, shuffled", "a step over a whole tensor uses all samples",
     "training.batch_size (default 32), shuffled from the seed"),
    ("Loss reduction", "sum_over_batch_size", "mean", "the same: mean over the batch"),
    ("Cross-entropy input", "probabilities (from_logits=False)", "logits (CrossEntropyLoss)",
     "models output logits; Keras gets from_logits=True"),
    ("Random seed", "keras.utils.set_random_seed", "torch.manual_seed", "config seed given to both"),
]


def markdown() -> str:
    lines = ["| item | Keras 3 | PyTorch | dlcourse sets |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in DIFFERENCES]
    return "\n".join(lines) + "\n"


def main(args) -> int:
    if args.markdown:
        print(markdown(), end="")
        return 0
    from dlcourse.console import console
    from rich.table import Table

    table = Table(title="Keras vs PyTorch defaults", show_lines=True)
    for col in ("item", "Keras 3", "PyTorch", "dlcourse sets"):
        table.add_column(col, overflow="fold")
    for row in DIFFERENCES:
        table.add_row(*row)
    console().print(table)
    return 0
