"""The worked chain: exact forward maps and every gradient, checked by independent routes.

Oracles: the forward pass written as the definition (a loop per output entry, sharing no
code with derivations/mathematics/worked.py), exact central differences of the cost (C is a
quadratic polynomial in any single input, kernel or map entry, because every map is linear
in each of them, so (C(θ+h) − C(θ−h)) / 2h is the derivative exactly, in Fractions), and the
engine (derivations/mathematics/conv2d.py, float64) when it is present."""

import importlib.util
import random
from fractions import Fraction

import numpy as np
import pytest

from derivations.errors import UsageError
from derivations.mathematics import conv2d_reference as reference
from derivations.mathematics.worked import (
    MAX_INPUT_SIDE,
    MAX_KERNEL_SIDE,
    MAX_KERNELS,
    work_chain,
)

STEP = Fraction(1, 3)  # any step is exact for a quadratic; a non-integer one proves it
# The engine works in float64 on small integers and halves: agreement to rounding only.
ENGINE_RTOL, ENGINE_ATOL = 1e-12, 1e-9


def correlate_by_definition(x, w):
    """O[i][j] = Σ_m Σ_n W[m][n] · X[i+m][j+n], one output at a time."""
    rows, cols = len(x) - len(w) + 1, len(x[0]) - len(w[0]) + 1
    out = []
    for i in range(rows):
        out_row = []
        for j in range(cols):
            total = Fraction(0)
            for m in range(len(w)):
                for n in range(len(w[0])):
                    total += w[m][n] * x[i + m][j + n]
            out_row.append(total)
        out.append(out_row)
    return out


def cost_from(map_, kernels, target):
    """C = Σ (O − y)² after applying the remaining kernels to map_."""
    for w in kernels:
        map_ = correlate_by_definition(map_, w)
    return sum(((map_[i][j] - target[i][j]) ** 2 for i in range(len(map_))
                for j in range(len(map_[0]))), Fraction(0))


def nudged(matrix, i, j, delta):
    copy = [list(row) for row in matrix]
    copy[i][j] += delta
    return copy


def central_difference(f, matrix, i, j):
    return (f(nudged(matrix, i, j, STEP)) - f(nudged(matrix, i, j, -STEP))) / (2 * STEP)


def random_value(rng):
    if rng.random() < 0.2:
        return Fraction(rng.randint(-5, 5), rng.choice((2, 3, 4)))
    return Fraction(rng.randint(-4, 4))


def random_matrix(rng, rows, cols):
    return tuple(tuple(random_value(rng) for _ in range(cols)) for _ in range(rows))


def random_chain(rng):
    """A random input, 1–3 kernels that fit, and a number or matrix target."""
    h, w = rng.randint(2, 6), rng.randint(2, 6)
    x = random_matrix(rng, h, w)
    kernels = []
    for _ in range(rng.randint(1, 3)):
        if h == 1 and w == 1:
            break
        kh, kw = rng.randint(1, min(3, h)), rng.randint(1, min(3, w))
        kernels.append(random_matrix(rng, kh, kw))
        h, w = h - kh + 1, w - kw + 1
    target = random_matrix(rng, 1, 1) if rng.random() < 0.5 else random_matrix(rng, h, w)
    return x, tuple(kernels), target


CASES = [random_chain(random.Random(seed)) for seed in range(25)]


def shape(m):
    return (len(m), len(m[0]))


@pytest.mark.parametrize("case", CASES)
def test_maps_cost_and_every_gradient_match_definition_and_exact_differences(case):
    x, kernels, target = case
    chain = work_chain(x, kernels, target)
    assert len(chain.maps) == len(kernels) == len(chain.grad_kernels) == len(chain.grad_maps)
    # forward: the definition, one kernel after another
    expected_map = [list(row) for row in x]
    for k, w in enumerate(kernels):
        expected_map = correlate_by_definition(expected_map, w)
        assert shape(chain.maps[k]) == shape(expected_map)
        assert [list(row) for row in chain.maps[k]] == expected_map
    out = expected_map
    y = [[target[0][0]] * len(out[0]) for _ in out] if shape(target) == (1, 1) else target
    assert chain.cost == cost_from(out, (), y)
    # ∂C/∂W^k: exact central differences of the whole chain's cost in each weight
    for k, w in enumerate(kernels):
        assert shape(chain.grad_kernels[k]) == shape(w)
        for m in range(len(w)):
            for n in range(len(w[0])):
                def cost_of_kernel(wk, k=k):
                    return cost_from(x, (*kernels[:k], wk, *kernels[k + 1:]), y)
                assert chain.grad_kernels[k][m][n] == central_difference(cost_of_kernel, w, m, n)
    # ∂C/∂X and ∂C/∂O^k: differences of the cost of the rest of the chain
    assert shape(chain.grad_input) == shape(x)
    for a in range(len(x)):
        for c in range(len(x[0])):
            expected = central_difference(lambda xx: cost_from(xx, kernels, y), x, a, c)
            assert chain.grad_input[a][c] == expected
    for k, grad in enumerate(chain.grad_maps):
        assert shape(grad) == shape(chain.maps[k])
        for i in range(len(grad)):
            for j in range(len(grad[0])):
                def rest(o, k=k):
                    return cost_from(o, kernels[k + 1:], y)
                assert grad[i][j] == central_difference(rest, chain.maps[k], i, j)


@pytest.mark.parametrize("case", CASES[:8])
def test_every_written_sum_adds_up_and_has_one_product_per_path(case):
    x, kernels, target = case
    chain = work_chain(x, kernels, target)
    for layer in chain.layers:
        kh, kw = shape(layer.kernel)
        dh, dw = shape(layer.delta)
        for entry in layer.forward_sums:
            assert len(entry.terms) == kh * kw
            assert entry.value == sum((a * b for a, b in entry.terms), Fraction(0))
        for entry in layer.grad_kernel_sums:
            assert len(entry.terms) == dh * dw
            assert entry.value == sum((a * b for a, b in entry.terms), Fraction(0))
        # an input entry is reached by every window that covers it, once per window
        for entry in layer.grad_input_sums:
            a, c = entry.index
            windows = sum(1 for i in range(dh) for j in range(dw)
                          if 0 <= a - i < kh and 0 <= c - j < kw)
            assert len(entry.terms) == windows >= 1


def test_the_seed_example_matches_the_question_network_by_hand():
    """Seed values: o² and ∂C/∂w² from the question's own formulas, written independently."""
    from derivations.examples import seed as seed

    i = [[Fraction(v) for v in row] for row in seed.I]
    w1 = [[Fraction(v) for v in row] for row in seed.W1]
    w2 = [[Fraction(v) for v in row] for row in seed.W2]
    chain = work_chain(tuple(map(tuple, i)), (tuple(map(tuple, w1)), tuple(map(tuple, w2))),
                       ((Fraction(seed.TARGET),),))
    o1 = [[sum(w1[m][n] * i[r + m][c + n] for m in range(2) for n in range(2))
           for c in range(2)] for r in range(2)]
    o2 = sum(w2[m][n] * o1[m][n] for m in range(2) for n in range(2))
    assert chain.output == ((o2,),)
    # ∂C/∂w²_k = o¹_k · 2(o² − y): the question's formula, which is right
    assert chain.grad_kernels[1] == tuple(tuple(o1[m][n] * 2 * (o2 - seed.TARGET) for n in range(2))
                                          for m in range(2))


@pytest.mark.skipif(importlib.util.find_spec("derivations.mathematics.conv2d") is None,
                    reason="the engine derivations/mathematics/conv2d.py is not written yet")
@pytest.mark.parametrize("case", CASES[:10])
def test_each_layer_agrees_with_the_engine(case):
    from derivations.mathematics.conv2d import conv2d_backward, conv2d_forward

    x, kernels, target = case
    chain = work_chain(x, kernels, target)

    def as4d(m):
        return np.asarray([[m]], dtype=np.float64)

    for layer in chain.layers:
        got = conv2d_forward(as4d(layer.input_map), as4d(layer.kernel))
        np.testing.assert_allclose(got, as4d(layer.output_map), rtol=ENGINE_RTOL,
                                   atol=ENGINE_ATOL)
        grads = conv2d_backward(as4d(layer.input_map), as4d(layer.kernel), as4d(layer.delta))
        assert grads.grad_weight.shape == as4d(layer.kernel).shape
        np.testing.assert_allclose(grads.grad_weight, as4d(layer.grad_kernel),
                                   rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
        np.testing.assert_allclose(grads.grad_input, as4d(layer.grad_input_map),
                                   rtol=ENGINE_RTOL, atol=ENGINE_ATOL)


def ones(rows, cols):
    return tuple(tuple(Fraction(1) for _ in range(cols)) for _ in range(rows))


def test_sizes_at_the_limits_are_accepted_and_one_past_them_refused():
    n, k = MAX_INPUT_SIDE, MAX_KERNEL_SIDE
    side = 1 + (n - 1) // MAX_KERNELS  # the largest kernel of which MAX_KERNELS fit
    chain = work_chain(ones(n, n), (ones(side, side),) * MAX_KERNELS, ones(1, 1))
    assert shape(chain.output) == (n - MAX_KERNELS * (side - 1),) * 2
    assert shape(work_chain(ones(n, n), (ones(k, k),), ones(1, 1)).output) == (n - k + 1,) * 2
    for x, kernels, fragment in [
        (ones(n + 1, 2), (ones(1, 1),), f"at most {n}×{n}"),
        (ones(n, n), (ones(1, 1),) * (MAX_KERNELS + 1), f"at most {MAX_KERNELS} are allowed"),
        (ones(n, n), (ones(k + 1, 1),), f"at most {k}×{k}"),
        (ones(n, n), (), "no kernel given"),
    ]:
        with pytest.raises(UsageError, match=fragment):
            work_chain(x, kernels, ones(1, 1))


def test_a_kernel_that_does_not_fit_its_map_is_refused_naming_it():
    with pytest.raises(UsageError, match=r"kernel 2 is 3×3 but the output of kernel 1 is 2×2"):
        work_chain(ones(3, 3), (ones(2, 2), ones(3, 3)), ones(1, 1))


def test_a_target_of_the_wrong_shape_is_refused_and_a_number_is_broadcast():
    with pytest.raises(UsageError, match=r"target is 1×2 but the final output is 2×2"):
        work_chain(ones(3, 3), (ones(2, 2),), ones(1, 2))
    chain = work_chain(ones(3, 3), (ones(2, 2),), ((Fraction(5),),))
    assert chain.target_is_number
    assert chain.target == ((Fraction(5),) * 2,) * 2
    assert chain.cost == 4 * (4 - 5) ** 2


@pytest.mark.parametrize("case", CASES[:10])
def test_each_layer_agrees_exactly_with_the_loop_reference(case):
    """mathematics/conv2d_reference.py on Fractions: the same numbers to the last digit."""
    x, kernels, target = case
    chain = work_chain(x, kernels, target)

    def as4d(m):
        return [[[list(row) for row in m]]]

    for layer in chain.layers:
        forward = reference.conv2d_forward_reference(as4d(layer.input_map), as4d(layer.kernel))
        assert forward.shape == (1, 1, *shape(layer.output_map))
        assert forward.tolist() == as4d(layer.output_map)
        grads = reference.conv2d_backward_reference(as4d(layer.input_map), as4d(layer.kernel),
                                                    as4d(layer.delta))
        assert grads.grad_weight.tolist() == as4d(layer.grad_kernel)
        assert grads.grad_input.tolist() == as4d(layer.grad_input_map)
