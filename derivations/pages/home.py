"""Home page (placeholder until the seed chapters land)."""

from derivations.numbers import num
from derivations.page import make_page

TEMPLATE = r"""
# Convolution backpropagation, worked out {#home}

Two plus two is $\lit{2} + \lit{2} = {{four}}$.

$$
o^1_1 = i_1 w^1_1 \label{eq-demo}
$$

See \eqref{eq-demo}.
"""


def build():
    yield make_page("index.md", "derivations/pages/home.py", TEMPLATE, four=num(2 + 2, "demo.four"))
