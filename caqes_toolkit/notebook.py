"""What the notebooks call first: their errors shown in French, their input paths checked.

A notebook copied elsewhere keeps relative paths (``../data/exemple``) that no longer lead
anywhere; run with a wrong path, it would stop deep in pandas with a traceback. Its first code
cell calls :func:`check_inputs`, which makes IPython show an error of the package as its French
message alone, then names the parameter to correct.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import CaqesError

__all__ = ["check_inputs", "show_errors_in_french"]

_DATA = ("données introuvables", "le dossier de vos fichiers CSV ou votre classeur .xlsx ou .ods")
_CAMPAIGN = ("fichier de campagne introuvable", "un fichier de campagne .yml (dossier params/ du dossier de "
             "travail : « caqes init » en crée un)")


def _french_error(shell: Any, etype: type[BaseException], value: BaseException, tb: Any,
                  tb_offset: int | None = None) -> list[str]:
    """IPython custom exception handler: the message alone, no Python traceback.

    IPython does not display what a handler returns: ``_showtraceback`` (which ipykernel overrides
    to send the error to the notebook, with its name and value) is what its own ``showtraceback``
    calls once it has formatted a traceback.
    """
    stb = [f"Erreur : {value}"]
    shell._showtraceback(etype, value, stb)
    return stb


def show_errors_in_french() -> None:
    """In IPython (a notebook's kernel), show each :class:`CaqesError` as its French message only."""
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: errors are already raised with their message
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((CaqesError,), _french_error)


def _check(value: str | Path, parameter: str, what: tuple[str, str], folder_ok: bool) -> None:
    missing, expected = what
    if not str(value).strip():
        raise CaqesError(f"« {parameter} » est vide : indiquez {expected} dans la cellule des paramètres")
    path = Path(value).expanduser()
    looked_up = os.path.abspath(path)  # "../data" written out from the notebook's folder
    where = "" if path.is_absolute() else f" ; un chemin relatif part du dossier du notebook, ici {Path.cwd()}"
    if not path.exists():
        raise CaqesError(f"{missing} : « {value} » (cherché : {looked_up}{where}). Corrigez « {parameter} » "
                         f"dans la cellule des paramètres : {expected}.")
    if path.is_dir() and not folder_ok:
        raise CaqesError(f"« {parameter} » désigne un dossier ({looked_up}) : {expected} est attendu")


def check_inputs(data: str | Path, campaign: str | Path, previous_campaign: str | Path = "") -> None:
    """Show the package's errors in French, then check the notebook's parameters ``donnees``,
    ``campagne`` and (if given) ``campagne_precedente``; :class:`CaqesError` names the one to correct."""
    show_errors_in_french()
    _check(data, "donnees", _DATA, folder_ok=True)
    _check(campaign, "campagne", _CAMPAIGN, folder_ok=False)
    if str(previous_campaign).strip():
        _check(previous_campaign, "campagne_precedente", _CAMPAIGN, folder_ok=False)
