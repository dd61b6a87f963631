"""The inputs the page tools/worked-cli.md runs the `worked` command on, in its matrix syntax.

Data only: the page (pages/worked_cli.py) runs the command's code on them, and the oracle
(oracles/worked_cli.py) reads them on its own to recompute what the command printed.
"""

# A second, small example for the JSON format: one kernel, a fraction, a matrix target.
JSON_EXAMPLE = ("1 2 0; -1 3 1", "1 -1; 1/2 2", "1 0")
# A malformed input: the second row is one entry short.
BAD_EXAMPLE = ("1 2; 3", "1", "0")
