"""One module per ``buurtsim`` subcommand, each with ``register(subparsers)``."""
