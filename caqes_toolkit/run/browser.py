"""Which Chromium prints the PDFs: ``CAQES_CHROMIUM``, else the first installed at its usual place.

Any browser of the Chromium family prints them: Debian's headless shell or Chromium on Linux;
Google Chrome or Microsoft Edge on Windows (Edge comes with Windows 10 and 11) and macOS. The
places are those of each browser's standard installer (for every user, or for the current user
only), per system; Windows' are built from the environment (``%ProgramFiles%``…) with Windows'
path rules (:class:`~pathlib.PureWindowsPath`), so that they can be checked on any system.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

__all__ = ["ENV", "SYSTEMS", "candidates", "default_chromium", "find_chromium", "missing_message"]

#: The environment variable naming the browser to use.
ENV = "CAQES_CHROMIUM"


@dataclass(frozen=True)
class _System:
    """Where a system's browsers are installed, best first, and what to tell a user who has none.

    ``places``: (environment variable, its usual value, path under it); the variable is read
    from the environment when set (a Windows installed on D:, a user's folder), ``""`` for an
    absolute path. ``path``: the system's path rules."""

    places: tuple[tuple[str, str, str], ...]
    path: type[PurePosixPath] | type[PureWindowsPath]
    advice: str


_MACOS_APPS = ("Google Chrome.app/Contents/MacOS/Google Chrome", "Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
               "Chromium.app/Contents/MacOS/Chromium")
_CHROME = r"Google\Chrome\Application\chrome.exe"
_EDGE = r"Microsoft\Edge\Application\msedge.exe"

#: Each system (``sys.platform``) and its browsers' usual places.
SYSTEMS: dict[str, _System] = {
    "linux": _System(
        # Debian's old headless shell (package chromium-headless-shell: the same Blink without the
        # browser around it, which starts in half the time and prints a report in three quarters
        # of it), then Debian's Chromium.
        (("", "", "/usr/bin/chromium-headless-shell"), ("", "", "/usr/bin/chromium")), PurePosixPath,
        "installez le paquet Debian « chromium-headless-shell » ou « chromium » (make sysdeps)"),
    "win32": _System(
        (("ProgramFiles", r"C:\Program Files", _CHROME), ("ProgramFiles(x86)", r"C:\Program Files (x86)", _CHROME),
         ("LOCALAPPDATA", "", _CHROME),
         ("ProgramFiles(x86)", r"C:\Program Files (x86)", _EDGE), ("ProgramFiles", r"C:\Program Files", _EDGE)),
        PureWindowsPath, "installez Google Chrome ou Microsoft Edge"),
    "darwin": _System(
        (*(("", "", f"/Applications/{app}") for app in _MACOS_APPS),
         *(("HOME", "", f"Applications/{app}") for app in _MACOS_APPS)),
        PurePosixPath, "installez Google Chrome ou Microsoft Edge"),
}


def candidates(platform: str, environ: Mapping[str, str]) -> list[str]:
    """The usual places of a Chromium on ``platform`` (``sys.platform``), best first; a place under
    an environment variable that is neither set nor has a usual value is left out."""
    system = SYSTEMS.get(platform, SYSTEMS["linux"])
    places = []
    for variable, usual, under in system.places:
        root = (environ.get(variable) or usual) if variable else ""
        if variable and not root:
            continue
        places.append(str(system.path(root, under) if root else system.path(under)))
    return list(dict.fromkeys(places))


def find_chromium(platform: str, environ: Mapping[str, str], exists: Callable[[str], bool]) -> str | None:
    """The browser to use: :data:`ENV` when set, else the first of :func:`candidates` that
    ``exists``; ``None`` when there is none."""
    named = environ.get(ENV, "").strip()
    if named:
        return named
    return next((place for place in candidates(platform, environ) if exists(place)), None)


def missing_message(platform: str = sys.platform, environ: Mapping[str, str] = os.environ) -> str:
    """Why the PDFs cannot be printed, in French: the places looked at and what to do (on this
    machine by default)."""
    system = SYSTEMS.get(platform, SYSTEMS["linux"])
    named = environ.get(ENV, "").strip()
    if named:
        return (f"Chromium, Chrome ou Edge introuvable ({ENV} = {named} : aucun fichier ni commande de ce nom) : "
                f"corrigez la variable {ENV} ou retirez-la (le navigateur est alors cherché à sa place habituelle), "
                "ou demandez --formats html")
    return (f"Chromium, Chrome ou Edge introuvable (cherché : {', '.join(candidates(platform, environ))}, et la "
            f"variable {ENV}) : {system.advice}, indiquez son chemin dans la variable {ENV}, ou demandez "
            "--formats html")


def default_chromium() -> str | None:
    """The browser of this machine (:func:`find_chromium` on this system)."""
    return find_chromium(sys.platform, os.environ, os.path.exists)
