"""``python -m odyssey``: the command line, as the ``odyssey`` script runs it."""

from odyssey.cli import main

main()
