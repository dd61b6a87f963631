"""Sentences that state a fact about numbers are generated from them, and refuse to be
generated when the numbers no longer say it (so a changed example cannot leave them stale)."""

from __future__ import annotations

import numpy as np
import pytest

from derivations.mathematics import channels as ch
from derivations.mathematics import matrix_view as mv
from derivations.mathematics import stride
from derivations.pages import bias_relu_pooling, channels, general_layer, matrix_view, padding
from derivations.pages import stride as stride_page


def test_sum_or_average_follows_the_finite_difference():
    assert general_layer._sum_or_average(6.0, 6.0, 1.5) == "the sum, not the average"
    assert general_layer._sum_or_average(1.5, 6.0, 1.5) == "the average, not the sum"
    with pytest.raises(ValueError):
        general_layer._sum_or_average(3.75, 6.0, 1.5)


def test_a_square_im2col_example_is_refused():
    e = mv.layer_im2col()
    square = mv.Im2col(x=e.x, w=e.w, b=e.b, delta=e.delta, cols=np.zeros((4, 4)),
                       cols_index=e.cols_index, y_by_im2col=e.y_by_im2col,
                       grad_w_by_im2col=e.grad_w_by_im2col)
    with pytest.raises(ValueError):
        matrix_view._shape_sentence(square)
    assert "more rows than columns" in matrix_view._shape_sentence(e)


def test_plurals_follow_the_count():
    assert stride_page._count(1, "k", "row").text.endswith(" row")
    assert stride_page._count(2, "k", "row").text.endswith(" rows")


def test_padding_names_where_a_weight_sits_in_the_kernel():
    e = padding.pd.example()
    assert padding._where(e, 0, 0) == "in a corner of the kernel"
    assert padding._where(e, 0, 1) == "on an edge of the kernel"
    assert padding._where(e, 1, 1) == "inside the kernel"


def test_channels_reading_names_the_indices_sympys_terms_carry():
    """The sentence under the sympy display: examples 0, 1 for the weight, its own channels;
    output channels 0, 1 for the input, its own example; recomputed from the symbol names."""
    e = ch.example()
    symbolic = ch.symbolic_channels(e.x.shape, e.w.shape, (0, 1, 0, 0), (0, 0, 1, 1))
    sentence = channels._sym_reading(symbolic, (0, 0, 1, 1))
    assert r"examples $e = \lit{0}, \lit{1}$" in sentence
    assert r"input channel $g = \lit{1}$" in sentence and r"channel $f = \lit{0}$;" in sentence
    with pytest.raises(ValueError):
        channels._sym_reading(symbolic, (1, 0, 1, 1))  # the page would call example 0 "its own"


def test_the_relu_reading_refuses_an_example_without_a_kink():
    e = bias_relu_pooling.brp.relu_example()
    smooth = type(e)(**{**e.__dict__, "left_derivative": e.right_derivative})
    with pytest.raises(ValueError):
        bias_relu_pooling._kink_reading(smooth)


def test_the_stride_page_refuses_an_example_without_one_extra_row_and_column():
    """The page says the full correlation has one more row and column than the kernel."""
    e = stride.example()
    assert e.weight_correlation_full.shape[0] - e.w.shape[0] == 1
    assert e.weight_correlation_full.shape[1] - e.w.shape[1] == 1
