"""Batch normalization after a convolution, training mode: forward and the three gradients.

Per channel c, over the M = N·H·W entries of the batch and positions:
    μ = (1/M) Σ Z,  σ² = (1/M) Σ (Z − μ)²,  Ẑ = (Z − μ)/√(σ² + ε),  Y = γ Ẑ + β.
Backward, with δ = ∂C/∂Y and every sum over (n, i, j) of channel c:
    ∂C/∂β = Σ δ,  ∂C/∂γ = Σ δ Ẑ,  ∂C/∂Z = γ/(M √(σ² + ε)) · (M δ − Σ δ − Ẑ Σ δ Ẑ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from derivations.examples.batch_norm import (
    EXAMPLE_BETA,
    EXAMPLE_DELTA,
    EXAMPLE_EPS,
    EXAMPLE_GAMMA,
    EXAMPLE_Z,
)

AXES = (0, 2, 3)  # batch and positions: everything but the channel


def as_array(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def _per_channel(v: np.ndarray) -> np.ndarray:
    return v[None, :, None, None]


def statistics(z, eps: float):
    """eq-bn-statistics: (μ, σ², Ẑ) per channel over batch and positions (biased σ²)."""
    z = as_array(z)
    mean = z.mean(axis=AXES)
    var = ((z - _per_channel(mean)) ** 2).mean(axis=AXES)
    return mean, var, (z - _per_channel(mean)) / np.sqrt(_per_channel(var) + eps)


def forward(z, gamma, beta, eps: float) -> np.ndarray:
    """eq-bn-forward: Y = γ Ẑ + β, channel by channel."""
    _, _, z_hat = statistics(z, eps)
    return _per_channel(as_array(gamma)) * z_hat + _per_channel(as_array(beta))


def beta_gradient(delta) -> np.ndarray:
    """eq-bn-beta: ∂C/∂β_c = Σ_{n,i,j} δ (a sum, not a mean)."""
    return as_array(delta).sum(axis=AXES)


def gamma_gradient(z, delta, eps: float) -> np.ndarray:
    """eq-bn-gamma: ∂C/∂γ_c = Σ_{n,i,j} δ Ẑ."""
    return (as_array(delta) * statistics(z, eps)[2]).sum(axis=AXES)


def input_gradient(z, gamma, delta, eps: float) -> np.ndarray:
    """eq-bn-input: ∂C/∂Z = γ/(M √(σ² + ε)) · (M δ − Σ δ − Ẑ Σ δ Ẑ), per channel."""
    z, delta = as_array(z), as_array(delta)
    _, var, z_hat = statistics(z, eps)
    m = z.shape[0] * z.shape[2] * z.shape[3]
    scale = _per_channel(as_array(gamma) / (m * np.sqrt(var + eps)))
    return scale * (m * delta - _per_channel(beta_gradient(delta))
                    - z_hat * _per_channel(gamma_gradient(z, delta, eps)))


def eval_input_gradient(gamma, delta, running_var, eps: float) -> np.ndarray:
    """Evaluation mode: μ and σ² are constants, so ∂C/∂Z = γ δ / √(σ²_running + ε)."""
    return _per_channel(as_array(gamma) / np.sqrt(as_array(running_var) + eps)) * as_array(delta)


def symbolic_channel(m: int):
    """C = Σ_k δ_k (γ ẑ_k + β) for one channel of m symbols z_k, and the chapter's closed form
    for ∂C/∂z_0, both as sympy expressions (ε a positive symbol)."""
    z = sympy.symbols(f"z0:{m}", real=True)
    d = sympy.symbols(f"d0:{m}", real=True)
    gamma, beta, eps = sympy.symbols("gamma beta epsilon", positive=True)
    mean = sympy.Add(*z) / m
    var = sympy.Add(*((zk - mean) ** 2 for zk in z)) / m
    root = sympy.sqrt(var + eps)
    z_hat = [(zk - mean) / root for zk in z]
    cost = sympy.Add(*(dk * (gamma * zh + beta) for dk, zh in zip(d, z_hat, strict=True)))
    closed = gamma / (m * root) * (m * d[0] - sympy.Add(*d)
                                   - z_hat[0] * sympy.Add(*(dk * zh for dk, zh in
                                                            zip(d, z_hat, strict=True))))
    return cost, sympy.diff(cost, z[0]), closed, (z, d, gamma, beta, eps)


@dataclass(frozen=True)
class BatchNormExample:
    z: np.ndarray  # (N, C, H, W), the convolution's output
    gamma: np.ndarray
    beta: np.ndarray
    eps: float
    delta: np.ndarray  # ∂C/∂Y
    m: int  # entries per channel: N·H·W
    mean: np.ndarray
    var: np.ndarray
    z_hat: np.ndarray
    y: np.ndarray
    grad_beta: np.ndarray
    grad_gamma: np.ndarray
    grad_z_hat: np.ndarray  # γ δ
    grad_input: np.ndarray
    grad_input_sums: np.ndarray  # Σ over batch and positions of ∂C/∂Z: zero per channel


def example() -> BatchNormExample:
    z, gamma, beta = as_array(EXAMPLE_Z), as_array(EXAMPLE_GAMMA), as_array(EXAMPLE_BETA)
    delta, eps = as_array(EXAMPLE_DELTA), float(EXAMPLE_EPS)
    mean, var, z_hat = statistics(z, eps)
    grad_z = input_gradient(z, gamma, delta, eps)
    return BatchNormExample(
        z=z, gamma=gamma, beta=beta, eps=eps, delta=delta, m=z.shape[0] * z.shape[2] * z.shape[3],
        mean=mean, var=var, z_hat=z_hat, y=forward(z, gamma, beta, eps),
        grad_beta=beta_gradient(delta), grad_gamma=gamma_gradient(z, delta, eps),
        grad_z_hat=_per_channel(gamma) * delta, grad_input=grad_z,
        grad_input_sums=grad_z.sum(axis=AXES),
    )
