"""Exceptions of caqes-toolkit: one base class, faults carried as structured data."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["CampaignError", "CaqesError", "DataError", "Fault", "Severity", "escape_controls",
           "summarise"]

Severity = Literal["erreur", "avertissement"]

# C0 (tab and line breaks included: a fault is shown on one line), DEL and C1: never echoed raw
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_NUMBERS = re.compile(r"0x[0-9A-Fa-f]+|[0-9]+")  # what may differ between faults of one kind
SHOWN_PER_KIND = 5


def escape_controls(text: str) -> str:
    """``text`` with control characters written as ``\\x1b`` (no terminal escape sequence)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


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
        return escape_controls(f"{self.severity} — {where}{got} ; attendu : {self.expected}")


def _kinds(faults: Sequence[Fault]) -> list[tuple[str, str | None, str, str]]:
    """The kind of each fault: faults of one kind differ at most by numbers (line cited,
    byte, FINESS, year…). Each distinct expectation is masked once."""
    masked: dict[str, str] = {}
    kinds = []
    for f in faults:
        pattern = masked.get(f.expected)
        if pattern is None:
            pattern = masked[f.expected] = _NUMBERS.sub("#", f.expected)
        kinds.append((f.source, f.column, f.severity, pattern))
    return kinds


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", " ")


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
        where += f", lignes {_thousands(min(numbers))} à {_thousands(max(numbers))}"
    return escape_controls(f"  … et {_thousands(len(lines))} autres lignes avec la même "
                           f"anomalie ({where})")


class DataError(CaqesError):
    """Input data with one or more faults (all of them listed, not only the first)."""

    def __init__(self, faults: list[Fault]):
        self.faults = faults
        errors = [f for f in faults if f.severity == "erreur"]
        shown = summarise(errors)
        lines = "\n".join(f"  {line}" for line in shown[:50])
        more = f"\n  … et {len(shown) - 50} autres lignes" if len(shown) > 50 else ""
        super().__init__(f"{len(errors)} erreur(s) dans les données :\n{lines}{more}")
