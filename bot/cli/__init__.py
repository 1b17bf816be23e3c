"""The `paybot` command line: `main.py` composes one module per command group; `parser.py` is their plumbing.

Command modules import `bot.cli.parser` and never this package's namespace; `main` is re-exported for the
console script and `python -m bot`.
"""

from bot.cli.main import main

__all__ = ["main"]
