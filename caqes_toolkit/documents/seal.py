"""The seal of a self-evaluation grid: a keyed digest of what identifies it.

``caqes grille`` writes in each grid, beside its FINESS, year and campaign fingerprint,
HMAC-SHA-256(key, FINESS, year, campaign fingerprint); ``caqes collecte`` computes it again and
refuses a grid whose seal is absent or differs. The key is a secret of the installation: 32
random bytes that the first ``caqes grille`` writes (readable by its user only) to
``~/.config/caqes-toolkit/cle-grilles``, or to the file that ``CAQES_CLE_GRILLES`` names (for a
team that collects on another computer than the one that wrote the grids: the same file). In a
workspace, the key is the workspace's own (the file its ``caqes.toml`` names, made by the first
``caqes grille`` readable by the owner's group too): the grids written and collected in the same
workspace agree, whichever analyst of the team runs the commands.

What it protects against: an establishment, or anyone without the key, who edits a grid's hidden
identification (FINESS, year, campaign) to have its answers imported as another establishment's,
another year's or another campaign's; a grid forged from scratch. What it does not: the answers
themselves (the establishment types them; the seal does not cover them); a genuine grid of
another establishment returned in its place (its seal is valid, for that establishment); an older
grid of the same establishment, year and campaign; anyone who can read the key file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from ..errors import CaqesError, os_reason

__all__ = ["KEY_ENV", "grid_seal", "key_path", "read_key"]

KEY_ENV = "CAQES_CLE_GRILLES"
_PURPOSE = b"caqes-grille-sceau-1"


def key_path(workspace_key: Path | None = None) -> Path:
    """The key file: the workspace's (``workspace_key``), else ``CAQES_CLE_GRILLES``, else
    ``cle-grilles`` in the user's configuration folder."""
    if workspace_key is not None:
        return workspace_key
    named = os.environ.get(KEY_ENV, "").strip()
    if named:
        return Path(named).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME", "").strip() or str(Path.home() / ".config")
    return Path(config) / "caqes-toolkit" / "cle-grilles"


def read_key(create: bool = False, workspace_key: Path | None = None) -> bytes | None:
    """The key (:func:`key_path`; ``None`` when there is none and ``create`` is false). With
    ``create``, a missing key is made (never replaced: an existing file is read as it is): readable
    by its user only, or also by the user's group for a workspace's key, which a team shares."""
    path = key_path(workspace_key)
    if create and not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if workspace_key is None else 0o640)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32) + "\n")
        except FileExistsError:
            pass  # made meanwhile by another command: read it
        except OSError as exc:
            raise CaqesError(f"{path} : clé des grilles impossible à créer ({os_reason(exc)}) ; indiquez un "
                             f"autre fichier par la variable d'environnement {KEY_ENV}") from None
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return bytes.fromhex(text) if len(text) >= 32 and _is_hex(text) else None


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text) and len(text) % 2 == 0


def grid_seal(key: bytes, finess: str, year: int | str, fingerprint: str) -> str:
    """HMAC-SHA-256 of a grid's identification under ``key``, in hexadecimal."""
    message = b"\n".join([_PURPOSE, finess.encode(), str(year).encode(), fingerprint.encode()])
    return hmac.new(key, message, hashlib.sha256).hexdigest()
