"""The files shipped with the package: notebooks, default campaign files, sample data.

They live at the top of the repository (``notebooks/``, ``params/``, ``data/``), where the Makefile
and users open them, and a wheel carries them inside the package (``pyproject.toml`` maps them to
``caqes_toolkit/notebooks``, ``params`` and ``exemples``). pip installs a wheel unpacked, so each is
a real file with a path that other processes (report workers, kernels) can open.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from .errors import CaqesError

__all__ = ["campaign_file", "campaign_files", "default_campaigns", "letter_model", "notebook", "notebooks",
           "sample_data", "workspace_file"]


def _folder(name: str, in_repository: str) -> Path:
    """The folder ``name`` inside the installed package, else the repository's folder beside it.

    A wheel holds the folder inside the package. A source tree or an editable install (``pip install
    -e .``, what ``make`` does) does not, and setuptools' editable import hook does not map data
    folders without ``__init__.py``: their files are read where they are kept, in the repository.
    """
    package = Path(str(files("caqes_toolkit")))
    shipped = package / name
    return shipped if shipped.is_dir() else package.parent / in_repository


def _existing(path: Path, what: str) -> Path:
    if not path.exists():
        raise CaqesError(f"{what} introuvable dans le paquet installé : {path} (réinstallez caqes-toolkit)")
    return path


def notebook(name: str) -> Path:
    """The shipped notebook ``name`` (e.g. ``rapport_etablissement.ipynb``)."""
    return _existing(_folder("notebooks", "notebooks") / name, f"notebook {name}")


def notebooks() -> list[Path]:
    """Every shipped notebook, by name."""
    return sorted(_folder("notebooks", "notebooks").glob("*.ipynb"))


def campaign_file(name: str) -> Path:
    """The shipped campaign file ``name`` (e.g. ``caqes-2019.yml``), or ``params/README.md``."""
    return _existing(_folder("params", "params") / name, f"fichier de campagne {name}")


def default_campaigns() -> list[Path]:
    """Every shipped campaign file (``params/*.yml``), by name."""
    return sorted(_folder("params", "params").glob("*.yml"))


def campaign_files() -> list[Path]:
    """The shipped campaign files and their README (the schema and the rules)."""
    return [*default_campaigns(), campaign_file("README.md")]


def sample_data(name: str = "exemple") -> Path:
    """The shipped sample region ``name`` (``exemple``: 20 fictitious establishments; ``exemple-2022``)."""
    return _existing(_folder("exemples", "data") / name, f"données d'exemple {name}")


def letter_model() -> Path:
    """The shipped model of the cover letter of a pack (``caqes envoi``), in Markdown."""
    return _existing(Path(str(files("caqes_toolkit"))) / "documents" / "templates" / "courrier.md",
                     "modèle de courrier")


def workspace_file() -> Path:
    """The commented workspace file that ``caqes init`` writes as ``caqes.toml``."""
    return _existing(Path(str(files("caqes_toolkit"))) / "workspace_caqes.toml", "fichier de travail")
