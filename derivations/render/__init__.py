"""Formatting: the one number formatter, page templates, LaTeX to MathML, matrix syntax."""
