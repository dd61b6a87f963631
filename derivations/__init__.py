"""convbackprop: backpropagation through convolutional layers, computed and checked.

Layers (data flows one way): mathematics (pure functions returning frozen dataclasses)
-> pages (format results into Markdown through one recording number formatter)
-> edges (CLI, MkDocs hook, audit of the built site).
"""
