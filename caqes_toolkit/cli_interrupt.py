"""Ctrl-C in the command line: one French line, exit status 130, never a traceback.

The console entry point (``caqes``, ``python -m caqes_toolkit``:
:func:`caqes_toolkit.__main__.main`) installs the handler with :func:`run` before the command line
and its libraries are even imported. The first Ctrl-C raises
:class:`Interrupted` in the main thread: not an ``Exception``, so no ``except Exception`` of the
package or of a library swallows it, and every ``with`` and ``finally`` on the way out runs
(temporary files removed, workers stopped, locks released; outputs are written atomically, so
each is complete or absent). Whatever else is raised while the command unwinds (a worker or a
browser that the same Ctrl-C stopped) is a consequence of the interrupt and is said the same way.
A second Ctrl-C stops at once. Worker processes ignore Ctrl-C: their parent stops them
(:mod:`caqes_toolkit.run.pool`).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable
from types import FrameType

from .console import handler
from .formats import french_spacing

__all__ = ["EXIT_STATUS", "Interrupted", "progress", "run"]

#: Exit status of an interrupted command (128 + SIGINT, as shells report it).
EXIT_STATUS = 128 + signal.SIGINT
_DEFAULT = "rien n'est écrit à moitié ; relancez la commande"
_state: dict[str, object] = {"interrupted": False, "done": _DEFAULT}


class Interrupted(BaseException):
    """Ctrl-C during a command (see the module's docstring)."""


def progress(done: str) -> None:
    """Say what the running command has done so far, for the line printed if it is interrupted."""
    _state["done"] = done


def _line() -> str:
    return french_spacing(f"Interrompu (Ctrl-C) : {_state['done']}.\n")


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    if _state["interrupted"]:  # a second Ctrl-C while unwinding: stop now
        encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
        os.write(2, _line().encode(encoding, handler(encoding)))
        os._exit(EXIT_STATUS)
    _state["interrupted"] = True
    # Playwright's driver, in the terminal's process group, is stopped by the same Ctrl-C: asyncio
    # would then log its lost connection (« Task exception was never retrieved ») while we unwind
    logging.getLogger("asyncio").disabled = True
    raise Interrupted


def run(command: Callable[[], object]) -> None:
    """Run ``command`` (the command line), Ctrl-C handled as the module's docstring says."""
    previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        command()
    except BaseException:
        if not _state["interrupted"]:
            raise
    finally:
        signal.signal(signal.SIGINT, previous)
    if _state["interrupted"]:
        sys.stdout.flush()
        sys.stderr.write(_line())
        raise SystemExit(EXIT_STATUS)
