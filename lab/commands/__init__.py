"""The `stacklab` subcommands, one module per area; `lab/cli.py` adds each to the command group."""
