"""`python -m probgraph` runs the command line."""

from .cli import run

run()
