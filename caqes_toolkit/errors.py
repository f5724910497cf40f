"""Exceptions of caqes-toolkit: one base class, faults carried as structured data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["CampaignError", "CaqesError", "DataError", "Fault", "Severity"]

Severity = Literal["erreur", "avertissement"]


class CaqesError(Exception):
    """Base class of every error raised by caqes-toolkit."""


class CampaignError(CaqesError):
    """A campaign file that cannot be read or does not follow the schema."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One problem found in the input data.

    ``line`` is the line as a spreadsheet shows it (header = line 1); ``None`` for a fault
    about a whole file (missing file, missing column, empty file).
    """

    source: str
    line: int | None
    column: str | None
    value: str | None
    expected: str
    severity: Severity = "erreur"

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f", ligne {self.line}"
        if self.column:
            where += f", colonne « {self.column} »"
        got = f" : valeur « {self.value} »" if self.value is not None else ""
        return f"{self.severity} — {where}{got} ; attendu : {self.expected}"


class DataError(CaqesError):
    """Input data with one or more faults (all of them listed, not only the first)."""

    def __init__(self, faults: list[Fault]):
        self.faults = faults
        errors = [f for f in faults if f.severity == "erreur"]
        lines = "\n".join(f"  {f}" for f in errors[:50])
        more = f"\n  … et {len(errors) - 50} autres" if len(errors) > 50 else ""
        super().__init__(f"{len(errors)} erreur(s) dans les données :\n{lines}{more}")
