"""``python -m odyssey.cli``: the ``odyssey`` command."""

from odyssey.cli import main

main()
