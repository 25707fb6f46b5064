"""The headless command line: one module per group of subcommands.

Each module exposes `register(subparsers)`, which adds its subcommands and sets
`handler` on each to a coroutine function `(args) -> int`. `main.py` parses,
runs the handler on a fresh event loop and turns every `PawpadoError` into a
message and its documented exit code.
"""
