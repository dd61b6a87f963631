"""One module per subcommand of `python -m derivations`; each has add_parser() and run()."""
