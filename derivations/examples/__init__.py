"""The worked examples' inputs: data only, imported by the mathematics and by the oracles."""
