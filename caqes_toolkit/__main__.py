"""``python -m caqes_toolkit`` runs the ``caqes`` command line."""

from .cli import main

main()
