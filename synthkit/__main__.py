"""``python -m synthkit`` runs the CLI."""

from synthkit.cli import run

run()
