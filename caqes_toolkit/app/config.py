"""The workspace file ``caqes.toml``: one campaign configured once (data, campaigns, year, phase,
outputs, the ARS that sends the documents), read with the standard library's ``tomllib``.

A command run in a folder holding ``caqes.toml`` (or given ``--config F``) takes from it what its
options leave out (:func:`caqes_toolkit.app.request.request`). Paths are relative to the file.
Every output of the campaign has a fixed name under ``sorties`` (:data:`OUTPUTS`). A malformed
file, an unknown key or a value of the wrong kind is refused with every fault, each naming its key
and line (tomllib gives the line of a syntax error only: the others are found in the text).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CaqesError

__all__ = ["FILE_NAME", "OUTPUTS", "Ars", "Workspace", "WorkspaceError", "find_workspace", "read_workspace"]

FILE_NAME = "caqes.toml"
#: The fixed name of each output (and of the folder of returned grids) of a year, under ``sorties``
#: (``retours``: at the top of the workspace, where the analyst puts what establishments send back).
OUTPUTS = {"rapports": "rapports-{annee}", "synthese": "synthese-{annee}", "plans": "plans-{annee}",
           "grilles": "grilles-{annee}", "envoi": "envoi-{annee}", "scores": "scores-{annee}.xlsx",
           "ciblage": "ciblage-{annee}.xlsx", "methode": "methode", "collecte": "donnees-{annee}",
           "suivi": "suivi-{annee}.xlsx"}
RETURNS = "retours-{annee}"
#: Years a workspace may name (the campaign's, the grids' deadline).
YEARS = (2000, 2100)


class WorkspaceError(CaqesError):
    """A workspace file that cannot be used (syntax, unknown key, wrong value), every fault named."""


# --- the keys, each declared once -----------------------------------------------------------------
def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("un texte entre guillemets, non vide")
    if re.search(r"[\x00-\x1f\x7f]", value):
        raise ValueError("un texte sans caractère de contrôle")
    return value.strip()


def _paths(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError('une liste de chemins entre crochets, ex. ["params/caqes-2019.yml"]')
    return tuple(_text(v) for v in value)


def _year(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not YEARS[0] <= value <= YEARS[1]:
        raise ValueError(f"une année de {YEARS[0]} à {YEARS[1]}, sans guillemets (ex. 2019)")
    return value


def _phase(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in (1, 2):
        raise ValueError("1 (évaluation provisoire) ou 2 (définitive)")
    return value


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date) or not YEARS[0] <= value.year <= YEARS[1]:
        raise ValueError(f"une date AAAA-MM-JJ sans guillemets (ex. 2020-03-31), de {YEARS[0]} à {YEARS[1]}")
    return value


@dataclass(frozen=True)
class _Key:
    read: Callable[[object], Any]
    doc: str


#: Every section and key of the file: how its value is read, what it means.
SCHEMA: dict[str, dict[str, _Key]] = {
    "campagne": {
        "donnees": _Key(_text, "dossier de CSV ou classeur .xlsx ou .ods des données"),
        "campagnes": _Key(_paths, "fichiers de campagne, un par année"),
        "annee": _Key(_year, "année évaluée"),
        "phase": _Key(_phase, "1 : provisoire ; 2 : définitive"),
        "sorties": _Key(_text, "dossier des documents produits"),
    },
    "ars": {
        "nom": _Key(_text, "nom de l'ARS, dans les courriers"),
        "contact": _Key(_text, "adresse ou téléphone à qui les établissements écrivent"),
        "date_limite_grille": _Key(_date, "date limite de retour des grilles"),
    },
    "grilles": {
        "cle": _Key(_text, "clé du sceau des grilles, partagée par le dossier de travail"),
    },
}


# --- the workspace --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Ars:
    """The ARS that sends the documents: its name, its contact, the grids' deadline (each optional)."""

    name: str | None = None
    contact: str | None = None
    deadline: dt.date | None = None


@dataclass(frozen=True)
class Workspace:
    """A workspace file read: its values (paths made relative to the file's folder) and the line of
    each key, for messages."""

    file: Path
    data: Path | None = None
    campaigns: tuple[Path, ...] = ()
    year: int | None = None
    phase: int | None = None
    outputs: Path = Path("sorties")
    ars: Ars = field(default_factory=Ars)
    grid_key: Path | None = None
    lines: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def folder(self) -> Path:
        return self.file.parent

    def where(self, key: str) -> str:
        """« caqes.toml, ligne 3 (campagne.donnees) »: where a key is written."""
        line = self.lines.get(key)
        return f"{self.file}" + (f", ligne {line}" if line else "") + f" ({key})"

    def output(self, kind: str, year: int) -> Path:
        """The fixed path of an output of ``year`` (:data:`OUTPUTS`)."""
        return self.outputs / OUTPUTS[kind].format(annee=year)

    def returns(self, year: int) -> Path:
        """The folder where the grids returned for ``year`` are put."""
        return self.folder / RETURNS.format(annee=year)

    def existing(self, path: Path, key: str) -> Path:
        """``path`` (a value of ``key``) when it exists; otherwise an error naming the key and line."""
        if not path.exists():
            raise WorkspaceError(f"{self.where(key)} : {path} introuvable ; corrigez ce chemin (relatif au "
                                 "dossier du fichier caqes.toml) ou donnez l'option de la commande")
        return path


def find_workspace(config: Path | None = None, cwd: Path | None = None) -> Workspace | None:
    """The workspace of a command: ``config`` (a file, or a folder holding ``caqes.toml``), else the
    current folder's ``caqes.toml``; ``None`` when there is none (the command works as without).
    ``config`` must exist (the caller checks it)."""
    if config is not None:
        return read_workspace(config / FILE_NAME if config.is_dir() else config)
    here = (cwd or Path()) / FILE_NAME
    return read_workspace(here) if here.is_file() else None


def read_workspace(file: Path) -> Workspace:
    """Read and check a workspace file; :class:`WorkspaceError` lists every fault with its line."""
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise WorkspaceError(f"{file}, ligne {line} : octet 0x{exc.object[exc.start]:02X} illisible ; le fichier doit "
                             "être enregistré en UTF-8") from None
    except OSError as exc:
        from ..errors import os_reason

        raise WorkspaceError(f"{file} : fichier de travail illisible ({os_reason(exc)})") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise WorkspaceError(f"{file}, {_syntax(str(exc))}") from None
    values, faults = _checked(raw, text)
    if faults:
        raise WorkspaceError(f"{file} : fichier de travail invalide :\n  " + "\n  ".join(faults))
    folder = file.parent
    campaign, ars = values.get("campagne", {}), values.get("ars", {})
    return Workspace(
        file=file, data=folder / campaign["donnees"] if "donnees" in campaign else None,
        campaigns=tuple(folder / p for p in campaign.get("campagnes", ())), year=campaign.get("annee"),
        phase=campaign.get("phase"), outputs=folder / campaign.get("sorties", "sorties"),
        ars=Ars(ars.get("nom"), ars.get("contact"), ars.get("date_limite_grille")),
        grid_key=folder / values["grilles"]["cle"] if "cle" in values.get("grilles", {}) else None,
        lines={f"{s}.{k}": _line(text, s, k) or 0 for s, keys in values.items() for k in keys})


def _checked(raw: dict[str, Any], text: str) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The values read by :data:`SCHEMA`, and a French line per fault (unknown section or key, wrong value)."""
    values: dict[str, dict[str, Any]] = {}
    faults: list[str] = []
    for section, content in raw.items():
        keys = SCHEMA.get(section)
        if keys is None or not isinstance(content, dict):
            faults.append(f"ligne {_line(text, section) or '?'} : {_misplaced(section, content)}")
            continue
        values[section] = {}
        for key, value in content.items():
            where = f"ligne {_line(text, section, key) or '?'}, [{section}] {key}"
            if key not in keys:
                faults.append(f"{where} : clé inconnue ; clés possibles : {', '.join(keys)}")
                continue
            try:
                values[section][key] = keys[key].read(value)
            except ValueError as exc:
                faults.append(f"{where} : attendu : {exc} ; reçu : {_shown(value)}")
    return values, faults


def _misplaced(name: str, content: object) -> str:
    """Why a top-level name is refused: an unknown section, or a key written outside its section."""
    home = next((s for s, keys in SCHEMA.items() if name in keys), None)
    if not isinstance(content, dict) and home is not None:
        return f"clé {name} hors de sa section : écrivez-la sous [{home}]"
    if name in SCHEMA:
        return f"[{name}] doit être une section (ligne « [{name}] » puis ses clés)"
    return f"section inconnue [{name}] ; sections possibles : {', '.join(f'[{s}]' for s in SCHEMA)}"


def _shown(value: object) -> str:
    """A value as the file writes it, for a message."""
    if isinstance(value, str):
        return f"« {value} » (texte)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"« {value} »"


_SECTION = re.compile(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")


def _line(text: str, section: str, key: str | None = None) -> int | None:
    """The line (from 1) where ``section`` (and its ``key``) is written: under the header ``[section]``
    or as a dotted key ``section.key``; ``None`` when not found (an inline table)."""
    current = ""
    bare = rf"""\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*=""" if key else ""
    dotted = re.compile(rf"\s*{re.escape(section)}\s*\.{bare}" if key else rf"\s*{re.escape(section)}\s*[.=]")
    for number, line in enumerate(text.splitlines(), start=1):
        header = _SECTION.match(line)
        if header:
            current = header.group(1).strip("\"'")
            if key is None and current == section:
                return number
            continue
        if (current == section and key and re.match(bare, line)) or (not current and dotted.match(line)):
            return number
    return None


#: tomllib's messages (Python 3.11 to 3.13), in French.
_SYNTAX = (
    ("Expected '=' after a key", "« = » attendu après le nom de la clé (clé = valeur)"),
    ("Expected newline or end of document", "texte en trop après la valeur (une clé = une valeur par ligne ; "
                                            "un commentaire commence par #)"),
    ("Invalid value", "valeur invalide : un texte entre guillemets (\"data/exemple\"), un nombre (2019), une "
                      "date (2020-03-31) ou une liste ([\"a\", \"b\"]) est attendu"),
    ("Unclosed array", "liste non fermée : « ] » manquant"),
    ("Unclosed inline table", "table non fermée : « } » manquant"),
    ("Unterminated string", "texte non fermé : guillemet manquant"),
    ("Invalid date or datetime", "date invalide : AAAA-MM-JJ attendu (ex. 2020-03-31)"),
    ("Cannot declare", "section déclarée deux fois"),
    ("Cannot overwrite a value", "clé donnée deux fois"),
    ("Cannot mutate", "clé donnée deux fois"),
    ("Expected ']' at the end of a table", "« ] » attendu à la fin du nom de section"),
    ("Invalid initial character for a key", "nom de clé invalide (lettres, chiffres, _ et - sans espace)"),
    ("Illegal character", "caractère interdit (caractère de contrôle ?)"),
    ("Unescaped '\\' in a string", "« \\ » dans un texte : doublez-le (« \\\\ ») ou écrivez le chemin avec « / »"),
    ("Invalid statement", "ligne invalide (clé = valeur, ou [section] attendu)"),
)
_WHERE = re.compile(r"\(at (?:line (\d+), column (\d+)|end of document)\)$")


def _syntax(message: str) -> str:
    """« ligne 3, colonne 8 : … »: where tomllib stopped and why, in French."""
    where = _WHERE.search(message)
    said = next((french for start, french in _SYNTAX if message.startswith(start)), "syntaxe TOML invalide")
    if where is None or where.group(1) is None:
        return f"fin du fichier : {said}"
    return f"ligne {where.group(1)}, colonne {where.group(2)} : {said}"
