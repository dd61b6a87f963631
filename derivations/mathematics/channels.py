"""Channels and batch: the sums over C_in, C_out and N that wrap the single-channel rules."""

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
    """eq-channels-forward: Y[n,o] = b[o] + Σ_c X[n,c] ⋆ W[o,c]."""
    x, w = as_array(x), as_array(w)
    return np.array([[sum(correlate_valid(x[n, c], w[o, c]) for c in range(x.shape[1])) + b[o]
                      for o in range(w.shape[0])] for n in range(x.shape[0])])


def weight_gradient_terms(x, delta) -> np.ndarray:
    """eq-channels-weight, one term per example: T[o,c,n] = X[n,c] ⋆ δ[n,o]."""
    x, delta = as_array(x), as_array(delta)
    return np.array([[[correlate_valid(x[n, c], delta[n, o]) for n in range(x.shape[0])]
                      for c in range(x.shape[1])] for o in range(delta.shape[1])])


def weight_gradient(x, delta) -> np.ndarray:
    """eq-channels-weight: ∂C/∂W[o,c] = Σ_n X[n,c] ⋆ δ[n,o] (summed over the batch)."""
    return weight_gradient_terms(x, delta).sum(axis=2)


def input_gradient_terms(w, delta) -> np.ndarray:
    """eq-channels-input, one term per output channel: T[n,c,o] = δ[n,o] full-⋆ rot180(W[o,c])."""
    w, delta = as_array(w), as_array(delta)
    return np.array([[[correlate_full(delta[n, o], rot180(w[o, c])) for o in range(w.shape[0])]
                      for c in range(w.shape[1])] for n in range(delta.shape[0])])


def input_gradient(w, delta) -> np.ndarray:
    """eq-channels-input: ∂C/∂X[n,c] = Σ_o δ[n,o] full-⋆ rot180(W[o,c]) (over output channels)."""
    return input_gradient_terms(w, delta).sum(axis=2)


def bias_gradient(delta) -> np.ndarray:
    """eq-channels-bias: ∂C/∂b[o] = Σ_{n,i,j} δ[n,o,i,j]."""
    return as_array(delta).sum(axis=(0, 2, 3))


@dataclass(frozen=True)
class ChannelsExample:
    x: np.ndarray  # (N, C_in, H, W)
    w: np.ndarray  # (C_out, C_in, kH, kW)
    b: np.ndarray  # (C_out,)
    delta: np.ndarray  # (N, C_out, H_out, W_out)
    y: np.ndarray
    grad_weight_terms: np.ndarray  # (C_out, C_in, N, kH, kW)
    grad_weight: np.ndarray
    grad_input_terms: np.ndarray  # (N, C_in, C_out, H, W)
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
    """C = Σ δ[n,o,i,j] Y[n,o,i,j] for symbolic X, W, δ (4-D), and two derivatives by sympy."""

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
