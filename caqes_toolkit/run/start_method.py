"""How the local worker processes start: ``forkserver`` where the system has it, ``spawn`` elsewhere.

Linux and macOS fork each worker from a forkserver that imported the workers' modules once;
Windows has no fork: each worker is a new Python process (``spawn``) that imports them itself.
The environment variable ``CAQES_START_METHOD`` (``spawn`` or ``forkserver``) forces one: the
tests and the CI run the Windows path on Linux that way.
"""

from __future__ import annotations

import os
from multiprocessing import get_all_start_methods
from typing import Literal

from ..errors import CaqesError

__all__ = ["ENV", "METHODS", "StartMethod", "start_method"]

StartMethod = Literal["forkserver", "spawn"]
#: The environment variable that forces a start method.
ENV = "CAQES_START_METHOD"
#: The start methods the pool knows, preferred first.
METHODS: tuple[StartMethod, ...] = ("forkserver", "spawn")


def start_method() -> StartMethod:
    """The start method of the local workers: :data:`ENV` when set, else the first of
    :data:`METHODS` this system has. :class:`CaqesError` in French for a value that is none of
    them, or a method this system lacks."""
    forced = os.environ.get(ENV, "").strip()
    available = get_all_start_methods()
    if not forced:
        return next(method for method in METHODS if method in available)
    for method in METHODS:
        if forced == method:
            if method not in available:
                raise CaqesError(f"{ENV} = {forced} : ce système ne connaît pas cette méthode de démarrage des "
                                 f"processus de travail ; indiquez spawn, ou retirez la variable")
            return method
    raise CaqesError(f"{ENV} = « {forced} » : méthode de démarrage des processus de travail inconnue ; "
                     f"attendu : {' ou '.join(METHODS)} (ou la variable absente : le choix du système)")
