"""``python -m caqes_toolkit`` runs the ``caqes`` command line."""

from .cli_interrupt import main

main()
