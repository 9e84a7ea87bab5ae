"""Exercice 4.2 : solution de référence."""

import torch


def derivee(x):
    """x : torch.Tensor (n,) float32 -> dy/dx de y = x**3 + 2*x, torch.Tensor (n,)."""
    x = x.detach().clone().requires_grad_(True)
    y = x ** 3 + 2 * x
    y.sum().backward()  # backward part d'un scalaire ; d(somme)/dx_i = dy_i/dx_i
    return x.grad


def gradient_mse(w, b, x, y):
    """w, b : scalaires avec requires_grad=True ; x, y : (n,) -> (dL/dw, dL/db)."""
    perte = ((w * x + b - y) ** 2).mean()
    grad_w, grad_b = torch.autograd.grad(perte, [w, b])  # n'accumule rien dans w.grad
    return grad_w, grad_b
