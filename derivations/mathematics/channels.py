"""Channels and batch: the sums over D_X, D_Y and B that wrap the single-channel rules."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from derivations.examples.channels import EXAMPLE_B, EXAMPLE_DELTA, EXAMPLE_W, EXAMPLE_X
from derivations.mathematics.general_layer import (
    as_array,
    correlate_full,
    correlate_valid,
    derivative_of_sum,
    rot180,
)


def forward(x, w, b) -> np.ndarray:
    """eq-channels-forward: Y[e,f] = b[f] + Σ_g X[e,g] ⋆ W[f,g]."""
    x, w = as_array(x), as_array(w)
    return np.array([[sum(correlate_valid(x[n, c], w[o, c]) for c in range(x.shape[1])) + b[o]
                      for o in range(w.shape[0])] for n in range(x.shape[0])])


def weight_gradient_terms(x, delta) -> np.ndarray:
    """eq-channels-weight, one term per example: T[f,g,e] = X[e,g] ⋆ δ[e,f]."""
    x, delta = as_array(x), as_array(delta)
    return np.array([[[correlate_valid(x[n, c], delta[n, o]) for n in range(x.shape[0])]
                      for c in range(x.shape[1])] for o in range(delta.shape[1])])


def weight_gradient(x, delta) -> np.ndarray:
    """eq-channels-weight: ∂C/∂W[f,g] = Σ_e X[e,g] ⋆ δ[e,f] (summed over the batch)."""
    return weight_gradient_terms(x, delta).sum(axis=2)


def input_gradient_terms(w, delta) -> np.ndarray:
    """eq-channels-input, one term per output channel: T[e,g,f] = δ[e,f] full-⋆ rot180(W[f,g])."""
    w, delta = as_array(w), as_array(delta)
    return np.array([[[correlate_full(delta[n, o], rot180(w[o, c])) for o in range(w.shape[0])]
                      for c in range(w.shape[1])] for n in range(delta.shape[0])])


def input_gradient(w, delta) -> np.ndarray:
    """eq-channels-input: ∂C/∂X[e,g] = Σ_f δ[e,f] full-⋆ rot180(W[f,g]) (over output channels)."""
    return input_gradient_terms(w, delta).sum(axis=2)


def bias_gradient(delta) -> np.ndarray:
    """eq-channels-bias: ∂C/∂b[f] = Σ_{e,u,v} δ[e,f,u,v]."""
    return as_array(delta).sum(axis=(0, 2, 3))


@dataclass(frozen=True)
class ChannelsExample:
    x: np.ndarray  # (B, D_X, M_X, N_X)
    w: np.ndarray  # (D_Y, D_X, M_W, N_W)
    b: np.ndarray  # (D_Y,)
    delta: np.ndarray  # (B, D_Y, M_Y, N_Y)
    y: np.ndarray
    grad_weight_terms: np.ndarray  # (D_Y, D_X, B, M_W, N_W)
    grad_weight: np.ndarray
    grad_input_terms: np.ndarray  # (B, D_X, D_Y, M_X, N_X)
    grad_input: np.ndarray
    grad_bias: np.ndarray


def example() -> ChannelsExample:
    x, w, b, delta = (as_array(EXAMPLE_X), as_array(EXAMPLE_W), as_array(EXAMPLE_B),
                      as_array(EXAMPLE_DELTA))
    return ChannelsExample(
        x=x, w=w, b=b, delta=delta, y=forward(x, w, b),
        grad_weight_terms=weight_gradient_terms(x, delta),
        grad_weight=weight_gradient(x, delta),
        grad_input_terms=input_gradient_terms(w, delta),
        grad_input=input_gradient(w, delta),
        grad_bias=bias_gradient(delta),
    )


@dataclass(frozen=True)
class SymbolicChannels:
    """C = Σ δ[e,f,u,v] Y[e,f,u,v] for symbolic X, W, δ (4-D), and two derivatives by sympy."""

    weight_entry: object  # ∂C/∂W[o,c,m,l] for the requested entry
    input_entry: object  # ∂C/∂X[n,c,a,e] for the requested entry


def symbolic_channels(x_shape, w_shape, weight_index, input_index) -> SymbolicChannels:
    """eq-channels-weight / eq-channels-input by sympy: the 4-D sum differentiated symbolically."""

    def symbols(name, shape):
        return np.array([sympy.Symbol(f"{name}_{{{','.join(map(str, index))}}}")
                         for index in np.ndindex(*shape)], dtype=object).reshape(shape)

    batch, c_in, h, w = x_shape
    c_out, _, k_h, k_w = w_shape
    x, kernel = symbols("X", x_shape), symbols("W", w_shape)
    delta = symbols("\\delta", (batch, c_out, h - k_h + 1, w - k_w + 1))
    terms = [
        sympy.Mul(delta[n, o, i, j], kernel[o, c, m, q], x[n, c, i + m, j + q])
        for n, o, i, j in np.ndindex(*delta.shape)
        for c, m, q in np.ndindex(c_in, k_h, k_w)
    ]
    return SymbolicChannels(
        weight_entry=derivative_of_sum(terms, kernel[weight_index]),
        input_entry=derivative_of_sum(terms, x[input_index]),
    )
