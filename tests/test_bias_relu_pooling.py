"""Bias, ReLU and pooling backward rules, by central differences, the engine and Fractions."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from conftest import examples
from finite_differences import central_gradient
from hypothesis import assume, given
from hypothesis import strategies as st

from derivations.mathematics import bias_relu_pooling as brp
from derivations.oracles import bias_relu_pooling as oracle
from derivations.pages import bias_relu_pooling as page_module
from derivations.render.page import pages_only

# Every cost below is piecewise linear in the nudged variable, and random normal draws keep
# each point at least ~1e-3 away from a kink with overwhelming probability at this step,
# so central differences are exact up to a few ulps of costs of size ~10.
STEP = 1e-6
FD_RTOL, FD_ATOL = 1e-6, 1e-6
ENGINE_RTOL, ENGINE_ATOL = 1e-12, 1e-12
SETTINGS = examples(25)


def far_from_ties(x, size, stride, gap=1e-3):
    """True when every window's maximum beats its runner-up by more than gap."""
    for _, _, rows, cols in brp.pool_windows(x.shape, size, stride):
        values = np.sort(x[rows.start : rows.stop, cols.start : cols.stop].ravel())
        if values.size > 1 and values[-1] - values[-2] <= gap:
            return False
    return True


@st.composite
def pools(draw):
    size = draw(st.integers(1, 3))
    stride = draw(st.integers(1, 3))  # stride < size: overlapping windows, gradients add
    h, w = draw(st.integers(size, 7)), draw(st.integers(size, 7))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=(h, w))
    g = rng.normal(size=brp.pool_output_shape(x.shape, size, stride))
    return x, g, size, stride


@SETTINGS
@given(pools())
def test_max_pool_routes_each_gradient_to_its_window_maximum(case):
    """Eq. (max pool) matches central differences of C = Σ g·maxpool(X), overlaps included."""
    x, g, size, stride = case
    if not far_from_ties(x, size, stride):
        return
    got = brp.max_pool_backward(x, g, size, stride)
    assert got.shape == x.shape
    want = central_gradient(lambda v: float((g * brp.max_pool(v, size, stride)[0]).sum()), x, STEP)
    np.testing.assert_allclose(got, want, rtol=FD_RTOL, atol=FD_ATOL)


@SETTINGS
@given(pools())
def test_average_pool_spreads_each_gradient_equally(case):
    """Eq. (average pool) matches central differences of C = Σ g·avgpool(X)."""
    x, g, size, stride = case
    got = brp.avg_pool_backward(x.shape, g, size, stride)
    assert got.shape == x.shape
    want = central_gradient(lambda v: float((g * brp.avg_pool(v, size, stride)).sum()), x, STEP)
    np.testing.assert_allclose(got, want, rtol=FD_RTOL, atol=FD_ATOL)


@SETTINGS
@given(pools())
def test_average_pool_is_the_engines_input_gradient_of_a_constant_kernel(case):
    """Average pooling = convolution with kernel 1/k² and stride s; the engine agrees."""
    from derivations.mathematics.conv2d import conv2d_backward, conv2d_forward

    x, g, size, stride = case
    kernel = np.full((1, 1, size, size), 1.0 / size**2)
    np.testing.assert_allclose(conv2d_forward(x[None, None], kernel, stride=stride)[0, 0],
                               brp.avg_pool(x, size, stride), rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    want = conv2d_backward(x[None, None], kernel, g[None, None], stride=stride).grad_input[0, 0]
    np.testing.assert_allclose(brp.avg_pool_backward(x.shape, g, size, stride), want,
                               rtol=ENGINE_RTOL, atol=ENGINE_ATOL)


@SETTINGS
@given(st.integers(0, 2**32 - 1))
def test_relu_mask_matches_central_differences_away_from_zero(seed):
    """Eq. (ReLU): ∂C/∂Z = ∂C/∂A ⊙ 1[Z > 0] wherever Z is not at the kink."""
    rng = np.random.default_rng(seed)
    z, g = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    z[np.abs(z) < 1e-3] = 0.5  # keep clear of the kink
    got = brp.relu_backward(z, g)
    assert got.shape == z.shape
    want = central_gradient(lambda v: float((g * brp.relu(v)).sum()), z, STEP)
    np.testing.assert_allclose(got, want, rtol=FD_RTOL, atol=FD_ATOL)


def test_relu_at_exactly_zero_passes_nothing_as_pytorch_does():
    """At Z = 0 the gradient is 0 (PyTorch: grad where input > 0), the left slope."""
    e = brp.relu_example()
    zeros = np.argwhere(e.z == 0)
    assert len(zeros) >= 1
    for r, c in zeros:
        assert e.upstream[r, c] != 0  # otherwise the example would not show the convention
        assert e.delta[r, c] == 0
    assert e.z[e.kink] == 0
    g = e.upstream[e.kink]
    np.testing.assert_allclose(
        [e.right_derivative, e.left_derivative, e.central_difference], [g, 0.0, g / 2],
        rtol=FD_RTOL, atol=FD_ATOL)


@st.composite
def batches(draw):
    n, c_out, h, w = (draw(st.integers(1, 3)) for _ in range(4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.normal(size=(n, c_out, h, w))


@SETTINGS
@given(batches())
def test_shared_bias_gradient_sums_delta_over_batch_and_positions(delta):
    """Eq. (shared bias) equals the engine's ∂C/∂b and central differences in each b_o."""
    from derivations.mathematics.conv2d import conv2d_backward, conv2d_forward

    n, c_out, h, w = delta.shape
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 2, h + 1, w + 1))
    weight = rng.normal(size=(c_out, 2, 2, 2))
    got = brp.bias_gradient(delta)
    assert got.shape == (c_out,)
    engine = conv2d_backward(x, weight, delta, with_bias=True).grad_bias
    np.testing.assert_allclose(got, engine, rtol=ENGINE_RTOL, atol=ENGINE_ATOL)
    want = central_gradient(
        lambda b: float((delta * conv2d_forward(x, weight, b)).sum()), np.zeros(c_out), STEP)
    np.testing.assert_allclose(got, want, rtol=FD_RTOL, atol=FD_ATOL)


def page():
    (only,) = pages_only(page_module.build())
    return only


def first_max_by_definition(x, size, stride, g):
    """PyTorch's scan, literally: keep the entry only when strictly larger than the best so far."""
    grad = [[Fraction(0)] * len(x[0]) for _ in x]
    for i in range(len(g)):
        for j in range(len(g[0])):
            best, where = None, None
            for m in range(size):
                for n in range(size):
                    value = x[stride * i + m][stride * j + n]
                    if best is None or value > best:
                        best, where = value, (stride * i + m, stride * j + n)
            grad[where[0]][where[1]] += g[i][j]
    return grad


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(1, 3), st.integers(1, 3))
def test_ties_go_to_the_first_maximum_in_reading_order(seed, size, stride):
    """On small integers (many ties) the routing equals a strict-> scan, PyTorch's rule."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, size=(size + 3, size + 2))
    g = rng.integers(-3, 4, size=brp.pool_output_shape(x.shape, size, stride))
    want = first_max_by_definition(x.tolist(), size, stride, g.tolist())
    np.testing.assert_array_equal(brp.max_pool_backward(x, g, size, stride),
                                  np.array(want, dtype=float))


def test_shared_ties_send_the_same_total_as_first_maximum():
    """Both tie rules are valid subgradients: the window's total is the same, the cells differ."""
    e = brp.pooling_example()
    assert len(e.tied) == 2
    cells = list(e.tied)
    total_first = sum(e.max_grad[c] for c in cells)
    total_split = sum(e.max_grad_split[c] for c in cells)
    assert total_first == total_split == e.max_upstream[e.tie_window]
    assert e.max_grad[cells[0]] == e.max_upstream[e.tie_window] and e.max_grad[cells[1]] == 0


def test_worked_numbers_equal_the_exact_fraction_oracle():
    """Every number the page records equals the independent Fraction value at display precision."""
    from derivations.render.printed_numbers import format_number

    values = oracle.quantities()
    records = page().records
    assert len(records) > 50
    for record in records:
        assert record.key in values, record.key
        assert record.printed == format_number(values[record.key]), record.key


def test_worked_examples_match_the_oracle_exactly():
    """The example arrays equal exact Fractions (no rounding hidden by display precision)."""
    values = oracle.quantities()
    e = brp.pooling_example()
    for name, array in [("max_grad", e.max_grad), ("max_grad_split", e.max_grad_split),
                        ("avg_grad", e.avg_grad), ("avg_out", e.avg_out)]:
        for (r, c), v in np.ndenumerate(array):
            assert Fraction(v) == values[f"bias_relu_pooling.{name}[{r},{c}]"], (name, r, c)
    relu = brp.relu_example()
    for (r, c), v in np.ndenumerate(relu.delta):
        assert Fraction(v) == values[f"bias_relu_pooling.relu_delta[{r},{c}]"]


def test_bias_relu_pooling_page_passes_the_audit(built_site):
    """The built page prints exactly the recorded numbers, each equal to the oracle's."""
    from derivations.audit.compare import audit_page
    from derivations.audit.page_html import extract_numbers

    html = "general/bias-relu-pooling/index.html"
    found = extract_numbers((built_site / html).read_text(encoding="utf-8"))
    assert audit_page(html, page().records, found, oracle.quantities()) == []
    for anchor in ("shared-bias", "relu", "max-pooling", "average-pooling",
                   "pooling-per-channel", "overlapping-pooling", "global-average-pooling",
                   "max-pool-ties", "eq-global-average-pool", "eq-pool-per-channel"):
        assert f'id="{anchor}"' in (built_site / html).read_text(encoding="utf-8")


def test_pooling_figures_are_deterministic_labelled_svg():
    """Same bytes on every build; sized, titled and labelled for screen readers."""
    from derivations.render.page import Asset

    first = [a for a in page_module.build() if isinstance(a, Asset)]
    second = [a for a in page_module.build() if isinstance(a, Asset)]
    assert [a.path for a in first] == ["general/figures/max-pool.svg",
                                       "general/figures/avg-pool.svg",
                                       "general/figures/max-pool-overlap.svg",
                                       "general/figures/max-pool-ties.svg"]
    for a, b in zip(first, second, strict=True):
        assert a.content == b.content
        head = a.content.split(">", 1)[0]
        for attribute in ("width=", "height=", "viewBox=", 'role="img"', "aria-label="):
            assert attribute in head, (a.path, attribute)
        assert "<title>" in a.content


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(1, 3), st.integers(1, 3))
def test_pooling_per_channel_moves_no_gradient_between_channels(seed, size, stride):
    """Eq. (per channel): a channel's input gradient depends on that channel's δ alone."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2, 3, size + 3, size + 2))
    g = rng.normal(size=brp.max_pool_channels(x, size, stride).shape)
    got = brp.max_pool_channels_backward(x, g, size, stride)
    assert got.shape == x.shape
    changed = g.copy()
    changed[1, 2] += 1.0  # only example 1, channel 2
    again = brp.max_pool_channels_backward(x, changed, size, stride)
    untouched = np.ones(x.shape[:2], dtype=bool)
    untouched[1, 2] = False
    np.testing.assert_array_equal(got[untouched], again[untouched])


def test_overlapping_windows_add_at_the_shared_maximum():
    o = brp.overlap_example()
    assert o.stride < o.size and len(o.shared_windows) >= 2
    assert o.max_grad[o.shared_cell] == sum(o.upstream[w] for w in o.shared_windows)
    assert o.max_grad.sum() == o.upstream.sum()  # every window sends exactly what it got


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4))
def test_global_average_pool_gradient_matches_central_differences(seed, c, h, w):
    """Eq. (global average): every position gets ∂C/∂P / (H·W)."""
    rng = np.random.default_rng(seed)
    x, g = rng.normal(size=(2, c, h, w)), rng.normal(size=(2, c))
    got = brp.global_avg_pool_backward(x.shape, g)
    assert got.shape == x.shape
    want = central_gradient(lambda v: float((g * brp.global_avg_pool(v)).sum()), x, STEP)
    np.testing.assert_allclose(got, want, rtol=FD_RTOL, atol=FD_ATOL)


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(2, 3))
def test_only_rules_whose_shares_add_to_one_predict_a_move_of_all_tied_entries(seed, size):
    """Moving every tied maximum of a window by h moves the cost by g·h: the first-maximum and
    shared rules predict that; the naive rule predicts (number of ties)·g·h. Windows do not
    overlap (stride = size), so the moved cells belong to that window alone."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, size=(2 * size, 2 * size + 1)).astype(float)  # small integers: ties
    g = rng.integers(1, 4, size=brp.pool_output_shape(x.shape, size, size)).astype(float)
    found = brp.ties(x, size, size)
    assume(found)
    h = 1e-3
    for tied in found.values():
        moved = x.copy()
        for cell in tied:
            moved[cell] += h
        measured = float((g * (brp.max_pool(moved, size, size)[0]
                               - brp.max_pool(x, size, size)[0])).sum()) / h
        for rule, factor in ((brp.max_pool_backward, 1), (brp.max_pool_backward_split, 1),
                             (brp.max_pool_backward_naive, len(tied))):
            predicted = sum(rule(x, g, size, size)[cell] for cell in tied)
            np.testing.assert_allclose(predicted, factor * measured, rtol=FD_RTOL, atol=FD_ATOL)


def test_tie_rules_on_the_worked_window():
    t = brp.tie_rules()
    assert t.predicted["first"] == t.predicted["shared"] == t.upstream
    assert t.predicted["naive"] == len(t.tied) * t.upstream
    np.testing.assert_allclose(t.measured, t.upstream, rtol=FD_RTOL, atol=FD_ATOL)


def test_pytorch_pooling_agrees_with_the_worked_numbers(torch):
    """PyTorch's CPU max pooling sends a tie to the first maximum; overlapping max and average
    pooling and global average pooling give the page's gradients."""
    f = torch.nn.functional
    e, o, t, gap = (brp.pooling_example(), brp.overlap_example(), brp.tie_rules(),
                    brp.global_average_example())
    cases = (
        (e.x, lambda v: f.max_pool2d(v, e.size, e.stride), e.max_upstream, t.first),
        (o.x, lambda v: f.max_pool2d(v, o.size, o.stride), o.upstream, o.max_grad),
        (o.x, lambda v: f.avg_pool2d(v, o.size, o.stride), o.avg_upstream, o.avg_grad),
    )
    for x, pool, g, want in cases:
        v = torch.tensor(x[None, None], requires_grad=True)
        (pool(v) * torch.tensor(g[None, None])).sum().backward()
        np.testing.assert_allclose(v.grad[0, 0].numpy(), want, rtol=1e-12, atol=1e-12)
    v = torch.tensor(gap.x, requires_grad=True)
    (f.adaptive_avg_pool2d(v, 1)[:, :, 0, 0] * torch.tensor(gap.upstream)).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), gap.grad, rtol=1e-12, atol=1e-12)
