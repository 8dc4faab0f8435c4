"""Subcommands of the ``footprint`` command line, one module per feature (see ``cli.py``)."""
