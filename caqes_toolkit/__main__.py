"""The ``caqes`` command (console entry point) and ``python -m caqes_toolkit``: the Ctrl-C handler
first (:mod:`caqes_toolkit.cli_interrupt`), the console's encoding, then the command line (typer,
rich…) imported and run."""

from __future__ import annotations

import signal

from .cli_interrupt import run
from .console import fit_streams


def main() -> None:
    """Run the command line, Ctrl-C said in one French line, in the console's encoding
    (:mod:`caqes_toolkit.console`)."""
    fit_streams()

    def command() -> None:
        from .cli import app

        app()

    try:
        run(command)
    finally:  # the command is over: a Ctrl-C now would only cut its exit short
        signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":
    main()
