"""Exceptions of caqes-toolkit: one base class, faults carried as structured data."""

from __future__ import annotations

import errno
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from .formats import fmt_num, plural

__all__ = ["CampaignError", "CaqesError", "DataError", "Fault", "FaultCode", "Severity",
           "escape_controls", "os_reason", "summarise"]

Severity = Literal["erreur", "avertissement"]

# C0 (tab and line breaks included: a fault is shown on one line), DEL and C1: never echoed raw
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_NUMBERS = re.compile(r"0x[0-9A-Fa-f]+|[0-9]+")  # what may differ between faults of one kind
SHOWN_PER_KIND = 5


#: File-system errors in French (the system's own text is English).
_OS_ERRORS: dict[int, str] = {
    errno.ENOSPC: "disque plein",
    errno.EDQUOT: "quota disque dépassé",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.EISDIR: "est un dossier",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.EEXIST: "existe déjà",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.EIO: "erreur d'entrée-sortie du disque",
}


#: Windows' own errors (``OSError.winerror``), which say more than their errno (EACCES): Windows
#: refuses to replace or remove a file another program holds open (a workbook open in Excel, a PDF
#: in a reader), where Linux and macOS let the program keep the old file.
_IN_USE = "fichier ouvert dans un autre programme (Excel, un lecteur de PDF…) : fermez-le, puis relancez la commande"
_WINDOWS_ERRORS: dict[int, str] = {
    5: "accès refusé par Windows : fichier ouvert dans un autre programme (Excel, un lecteur de PDF…), en lecture "
       "seule, ou dossier protégé",  # ERROR_ACCESS_DENIED
    32: _IN_USE,  # ERROR_SHARING_VIOLATION
    33: _IN_USE,  # ERROR_LOCK_VIOLATION
}


def os_reason(exc: OSError) -> str:
    """Why a file could not be read or written, in French when the error is a common one."""
    return (_WINDOWS_ERRORS.get(getattr(exc, "winerror", None) or 0) or _OS_ERRORS.get(exc.errno or 0)
            or exc.strerror or str(exc))


def escape_controls(text: str) -> str:
    """``text`` with control characters written as ``\\x1b`` (no terminal escape sequence)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class CaqesError(Exception):
    """Base class of every error raised by caqes-toolkit."""


class CampaignError(CaqesError):
    """A campaign file that cannot be read or does not follow the schema."""


class FaultCode(StrEnum):
    """The class of a :class:`Fault`, for programs (``fault.code == "missing-column"``); the
    French message says the rest. :attr:`description` is the line of the README's table."""

    description: str

    def __new__(cls, code: str, description: str) -> FaultCode:
        member = str.__new__(cls, code)
        member._value_ = code
        member.description = description
        return member

    # files and sheets
    MISSING_TABLE = "missing-table", "fichier ou feuille obligatoire absent"
    AMBIGUOUS_TABLE = "ambiguous-table", "deux fichiers ou feuilles se lisent comme la même table"
    RENAMED_TABLE = "renamed-table", "nom de fichier ou de feuille lu comme celui d'une table (avertissement)"
    UNREADABLE_FILE = "unreadable-file", "fichier illisible (droits, disque)"
    ENCODING_ERROR = "encoding-error", "octet illisible en UTF-8 comme en Windows-1252, ou fichier UTF-16"
    EXTRA_CELL = "extra-cell", "ligne de CSV avec plus de cellules remplies que l'en-tête"
    CORRUPT_WORKBOOK = "corrupt-workbook", "classeur .xlsx ou .ods illisible ou endommagé"
    OVERSIZED_WORKBOOK = "oversized-workbook", "classeur trop gros une fois décompressé (CAQES_MAX_CLASSEUR_MO)"
    COMPRESSION_BOMB = "compression-bomb", "élément de classeur qui se décompresse plus de 200 fois"
    CORRUPT_SHEET = "corrupt-sheet", "feuille endommagée ou aux répétitions excessives"
    FORMULA_WITHOUT_VALUE = "formula-without-value", "formule jamais calculée, qui se lirait vide"
    MERGED_CELLS = "merged-cells", "cellules fusionnées, lues vides sauf la première"
    FINESS_ZERO_RESTORED = "finess-zero-restored", "FINESS saisi comme nombre, zéro initial restauré (avertissement)"
    # header
    EMPTY_TABLE = "empty-table", "fichier ou feuille vide, ou sans ligne de données"
    TITLE_ROW = "title-row", "ligne de titre au-dessus de l'en-tête"
    MISSING_COLUMN = "missing-column", "colonne obligatoire absente"
    DUPLICATE_COLUMN = "duplicate-column", "deux colonnes se lisent comme la même"
    EXTRA_COLUMN = "extra-column", "colonne inconnue, ignorée (avertissement)"
    RENAMED_COLUMN = "renamed-column", "en-tête lu comme une colonne attendue (avertissement)"
    # rows and cells
    TOTAL_ROW = "total-row", "ligne de total en fin de tableau"
    CONTROL_CHARACTER = "control-character", "caractère de contrôle dans une cellule"
    BLANK_CELL = "blank-cell", "cellule obligatoire vide"
    INVALID_FINESS = "invalid-finess", "FINESS mal formé"
    UNKNOWN_FINESS = "unknown-finess", "FINESS absent de etablissements"
    FINESS_CHECK_DIGIT = "finess-check-digit", "clé de Luhn du FINESS incorrecte (avertissement)"
    TYPE_ERROR = "type-error", "valeur illisible pour sa colonne (nombre, année, date, oui/non)"
    OUT_OF_RANGE = ("out-of-range", "nombre ou date hors de l'intervalle permis (montant au-delà de 10¹²\u202f€, "
                    "date de contrat hors de 2000–2100)")
    YEAR_AS_DATE = "year-as-date", "année saisie dans une cellule au format date (avertissement)"
    UNKNOWN_INDICATOR = "unknown-indicator", "code d'indicateur absent de la campagne"
    NOT_A_TARGET = ("not-a-target", "cible d'établissement (cibles) pour un indicateur dont la règle n'est pas "
                    "« cible » dans le volet obligatoire")
    INVALID_CHOICE = "invalid-choice", "valeur hors de la liste permise (activité, oui/non, niveau, volet, poste)"
    PERCENT_AS_FRACTION = "percent-as-fraction", "pourcentages saisis en fractions (0,455 pour 45,5 %)"
    DUPLICATE_ROW = "duplicate-row", "deux lignes pour la même clé"
    DATE_ORDER = "date-order", "date de fin antérieure à la date de début"
    LONG_CONTRACT = "long-contract", "contrat de plus de 5 ans (avertissement)"
    OVERLAPPING_CONTRACTS = "overlapping-contracts", "deux contrats du même volet en vigueur à la fois"
    MISSING_EXPENSE = "missing-expense", "dépense requise par un contrat absente de depenses (avertissement)"
    MISSING_RATE = "missing-rate", "taux cible absent de la campagne pour une année requise (avertissement)"
    NON_FINITE_AMOUNT = "non-finite-amount", "montant calculé infini : taux de la campagne ou dépenses hors d'échelle"
    ALL_OBJECTIVES_NC = ("all-objectives-nc", "volet sous contrat dont tous les objectifs sont déclarés non "
                         "concernés (avertissement)")
    IMPLAUSIBLE_AMOUNT = ("implausible-amount", "dépense nulle ou un million de fois inférieure aux années "
                          "suivantes (avertissement)")
    # self-evaluation grids (caqes collecte)
    NOT_A_GRID = "not-a-grid", "classeur qui n'est pas une grille écrite par caqes grille, ou pas au format .xlsx"
    OTHER_CAMPAIGN = ("other-campaign", "grille d'une autre campagne, d'une autre année ou d'un autre fichier de "
                      "campagne")
    IDENTITY_MISMATCH = ("identity-mismatch", "identification cachée d'une grille différente de son identité "
                         "affichée (FINESS, année)")
    INVALID_SEAL = ("invalid-seal", "sceau d'une grille absent ou faux : identification modifiée, ou grille d'une "
                    "autre installation")
    DUPLICATE_GRID = "duplicate-grid", "deux grilles pour un même établissement"
    MISSING_ROW = "missing-row", "ligne d'un indicateur ou d'une étape de maturité absente d'une grille"
    SKIPPED_LINK = "skipped-link", "lien symbolique du dossier des grilles, non suivi (avertissement)"


@dataclass(frozen=True, slots=True)
class Fault:
    """One problem found in the input data.

    ``line`` is the line as a spreadsheet shows it (header = line 1); ``None`` for a fault
    about a whole file (missing file, missing column, empty file). ``code`` is its class
    (a :class:`FaultCode`), ``expected`` the French message.
    """

    source: str
    line: int | None
    column: str | None
    value: str | None
    expected: str
    severity: Severity = "erreur"
    code: FaultCode = field(kw_only=True)

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f", ligne {self.line}"
        if self.column:
            where += f", colonne « {self.column} »"
        got = f" : valeur « {self.value} »" if self.value is not None else ""
        return escape_controls(f"{self.severity} [{self.code}] — {where}{got} ; attendu : {self.expected}")


def _kinds(faults: Sequence[Fault]) -> list[tuple[str, str | None, str, str]]:
    """The kind of each fault: faults of one kind differ at most by numbers (line cited,
    byte, FINESS, year…). Each distinct expectation is masked once."""
    masked: dict[str, str] = {}
    kinds: list[tuple[str, str | None, str, str]] = []
    for f in faults:
        pattern = masked.get(f.expected)
        if pattern is None:
            pattern = masked[f.expected] = _NUMBERS.sub("#", f.expected)
        kinds.append((f.source, f.column, f.severity, pattern))
    return kinds


def summarise(faults: Sequence[Fault], keep: int = SHOWN_PER_KIND) -> list[str]:
    """Faults as display lines: the first ``keep`` of each kind (same source, column, severity
    and expectation but for numbers), then one line counting the others of that kind."""
    kinds = _kinds(faults)
    sizes = Counter(kinds)
    seen: Counter = Counter()
    slots: dict[tuple, int] = {}  # kind -> index of its "… et N autres" line
    others: defaultdict[tuple, list[int | None]] = defaultdict(list)
    lines: list[str] = []
    for fault, kind in zip(faults, kinds, strict=True):
        seen[kind] += 1
        if seen[kind] > keep:
            others[kind].append(fault.line)
            continue
        lines.append(str(fault))
        if seen[kind] == keep and sizes[kind] > keep:
            slots[kind] = len(lines)
            lines.append("")  # filled below, once the others are counted
    for kind, slot in slots.items():
        lines[slot] = _others_line(kind, others[kind])
    return lines


def _others_line(kind: tuple, lines: list[int | None]) -> str:
    source, column = kind[0], kind[1]
    where = source + (f", colonne « {column} »" if column else "")
    numbers = [n for n in lines if n is not None]
    if numbers:
        where += f", lignes {fmt_num(min(numbers), 0)} à {fmt_num(max(numbers), 0)}"
    return escape_controls(f"  … et {fmt_num(len(lines), 0)} autres lignes avec la même "
                           f"anomalie ({where})")


class DataError(CaqesError):
    """Input data with one or more faults (all of them listed, not only the first)."""

    def __init__(self, faults: list[Fault]):
        self.faults = faults
        errors = [f for f in faults if f.severity == "erreur"]
        shown = summarise(errors)
        lines = "\n".join(f"  {line}" for line in shown[:50])
        more = f"\n  … et {len(shown) - 50} autres lignes" if len(shown) > 50 else ""
        super().__init__(f"{plural(len(errors), 'erreur')} dans les données :\n{lines}{more}")
