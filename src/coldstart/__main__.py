"""``python -m coldstart``: the same command line as the ``coldstart`` console script."""

from coldstart.cli import main

main()
