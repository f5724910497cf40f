"""``caqes init``: a working folder for an ARS team, ready to adapt.

The folder holds what a team changes or opens: its workspace file (``caqes.toml``: data, campaigns,
year, phase, outputs, the ARS; every command run in the folder takes its defaults from it), the
campaign files and their README (``params/``), the notebooks (``notebooks/``, which ``caqes reports``
and ``caqes synthese`` run, and whose default paths lead to the files beside them), the model of
the packs' cover letter (``modeles/courrier.md``), the sample regions (``data/exemple``,
``data/exemple-2022``) and a French README that walks through the year.
"""

from __future__ import annotations

import os
import shutil
from importlib.resources import files
from pathlib import Path
from string import Template

from . import __version__
from .errors import CaqesError
from .resources import campaign_files, letter_model, notebooks, sample_data, workspace_file

__all__ = ["SAMPLES", "create_workspace", "workspace_files"]

#: The sample regions copied under ``data/``.
SAMPLES = ("exemple", "exemple-2022")


def _visible_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def workspace_files() -> dict[str, Path]:
    """Each file of a new working folder (relative POSIX path) and the shipped file it copies."""
    plan = {"caqes.toml": workspace_file(), "modeles/courrier.md": letter_model()}
    plan |= {f"params/{p.name}": p for p in campaign_files()}
    plan |= {f"notebooks/{p.name}": p for p in notebooks()}
    for name in SAMPLES:
        plan |= {f"data/{name}/{p.name}": p for p in _visible_files(sample_data(name))}
    return plan


def _readme() -> str:
    text = files("caqes_toolkit").joinpath("workspace_readme.md").read_text(encoding="utf-8")
    return Template(text).substitute(version=__version__)


def _refuse_unless_empty(folder: Path) -> None:
    if folder.is_file():
        raise CaqesError(f"{folder} : c'est un fichier ; indiquez le nom d'un dossier à créer")
    if folder.is_dir() and any(folder.iterdir()):
        raise CaqesError(f"{folder} : ce dossier existe et n'est pas vide ; caqes init ne remplace aucun "
                         "fichier : indiquez un dossier absent ou vide (rien n'a été écrit)")


def create_workspace(folder: str | Path) -> list[Path]:
    """Create the working folder ``folder`` (absent or empty); return the files written.

    Built beside ``folder`` under a temporary name, then renamed: an interrupted run leaves no
    half-made folder. :class:`CaqesError` if ``folder`` is a file or a folder that is not empty.
    """
    folder = Path(folder)
    _refuse_unless_empty(folder)
    plan = workspace_files()
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{folder.name}.caqes-init-{os.getpid()}"
    tmp.mkdir()
    try:
        (tmp / "README.md").write_text(_readme(), encoding="utf-8")
        for relative, source in plan.items():
            target = tmp / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        if folder.is_dir():
            folder.rmdir()  # empty: checked above
        tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [folder / "README.md", *(folder / relative for relative in plan)]
