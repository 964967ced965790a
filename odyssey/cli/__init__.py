"""The ``odyssey`` command line: a few lines per command over ``odyssey.api``.

Errors a user can cause (``OdysseyError``) are caught in one place (``root._Group``) and
printed as one red line per problem, exit code 1; ``--debug`` shows the traceback
instead. Ctrl-C at any moment prints one line and exits with 130, leaving nothing at the
output path. ``--help``, ``--version`` and ``schema`` never import torch: commands import
the API (and with it torch) only when they run.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["app", "main"]


def main() -> None:
    """Console entry point."""
    try:
        from odyssey.cli.options import catch_interrupts

        catch_interrupts()
        from odyssey.cli.root import app

        app(prog_name="odyssey")
    except KeyboardInterrupt:  # before the command started (imports), or after it ended
        sys.stderr.write("interrupted: nothing was written\n")
        sys.exit(130)


def __getattr__(name: str) -> Any:
    if name in ("app", "_ray_without_address"):
        from odyssey.cli import root

        return getattr(root, name)
    raise AttributeError(f"module 'odyssey.cli' has no attribute {name!r}")
