"""The mathematics: pure functions on numpy and sympy, returning frozen results. No I/O."""
