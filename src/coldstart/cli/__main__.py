"""``python -m coldstart.cli``."""

from coldstart.cli import main

main()
