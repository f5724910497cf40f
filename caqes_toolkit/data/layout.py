"""Whether a table can be read, as found in its file or sheet: present (or a near name), its
header in line 1 (headers typed as analysts type them read as the expected column), no title line
above it, no total row below it, its required columns there. Each problem is a fault naming what
was found."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from difflib import get_close_matches

from ..errors import Fault, FaultCode, Severity
from .names import name_key
from .raw import RawSource, RawTable
from .sink import Sink
from .tables import TableSpec

__all__ = ["missing_table", "read_as_known", "usable", "without_total"]


def missing_table(raw: RawSource, spec: TableSpec) -> list[Fault]:
    """The fault of a required table not found, naming the files or sheets found and the closest one."""
    if not spec.required:
        return []
    name, columns = spec.name, ", ".join(spec.required_columns)
    what = f"une feuille « {name} »" if raw.is_workbook else f"le fichier obligatoire {name}.csv"
    kind = "feuilles trouvées" if raw.is_workbook else "fichiers trouvés"
    found = f" ; {kind} : {_quoted(raw.unread)}{_did_you_mean(name, raw.unread)}" if raw.unread else ""
    return [Fault(raw.label(name), None, None, None, f"{what} (colonnes {columns}){found}",
                  code=FaultCode.MISSING_TABLE)]


def _quoted(names: Sequence[str], most: int = 12) -> str:
    shown = ", ".join(f"« {n} »" for n in names[:most])
    return shown + (f" et {len(names) - most} autres" if len(names) > most else "")


def _did_you_mean(expected: str, found: Sequence[str]) -> str:
    """« vouliez-vous dire « … » ? » naming the found name closest to ``expected``, if any."""
    keys = {name_key(n.rsplit(".", 1)[0] if n.lower().endswith(".csv") else n): n for n in found}
    close = get_close_matches(name_key(expected), list(keys), n=1)
    return f" ; vouliez-vous dire « {keys[close[0]]} » ?" if close else ""


def read_as_known(table: RawTable, spec: TableSpec) -> RawTable:
    """Headers typed as an analyst types them (« Année », « Produits AM (€) ») read as the
    expected column when exactly one matches (:func:`~caqes_toolkit.data.names.name_key`), with a
    warning each; two headers read as one column are an error naming both."""
    known = spec.known_columns
    keys = {name_key(k): k for k in known}
    target = {h: keys.get(name_key(h), h) for h in table.header if h and h not in known}
    sources: dict[str, list[str]] = {}
    for header in dict.fromkeys(table.header):
        if header:
            sources.setdefault(target.get(header, header), []).append(header)
    faults, renamed = [], {}
    for column, names in sources.items():
        if len(names) > 1:
            faults.append(Fault(table.label, 1, column, None, "des noms de colonnes uniques : "
                                f"{' et '.join(f'« {n} »' for n in names)} se lisent toutes comme "
                                f"« {column} » (renommer ou supprimer l'une d'elles)",
                                code=FaultCode.DUPLICATE_COLUMN))
        elif names[0] != column:
            renamed[names[0]] = column
            faults.append(Fault(table.label, 1, column, names[0], f"la colonne « {column} » : "
                                f"en-tête « {names[0]} » lu comme « {column} »", "avertissement",
                                code=FaultCode.RENAMED_COLUMN))
    if not faults:
        return table
    return replace(table, header=tuple(renamed.get(h, h) for h in table.header),
                   frame=table.frame.rename(columns=renamed), faults=(*table.faults, *faults))


_TOTAL = re.compile(r"(?i)\s*(sous-)?tota(l|ux)\b.*")
_AMOUNT = re.compile(r"[-+]?[0-9][0-9\s\u00a0\u202f]*([.,][0-9]+)?\s*[%€]?")


def without_total(table: RawTable) -> RawTable:
    """The table without a trailing total row (first cell « Total », or no FINESS and numbers
    only), reported once: a total is not an establishment."""
    frame = table.frame
    if frame.empty:
        return table
    last = [str(cell).strip() for cell in frame.iloc[-1].tolist()]
    filled = [cell for cell in last if cell]
    labelled = bool(filled) and bool(_TOTAL.fullmatch(filled[0]))
    numbers_only = ("finess" in frame and not frame["finess"].iat[-1].strip() and bool(filled)
                    and all(_AMOUNT.fullmatch(cell) for cell in filled))
    if not (labelled or numbers_only):
        return table
    line = int(table.lines[-1])
    fault = Fault(table.label, line, None, " | ".join(filled),
                  f"une ligne par {'établissement' if table.name == 'etablissements' else 'donnée'}, "
                  f"sans ligne de total : la ligne {line} ressemble à un total ; la supprimer "
                  "(l'outil calcule lui-même les totaux)", code=FaultCode.TOTAL_ROW)
    return replace(table, frame=frame.iloc[:-1], lines=table.lines[:-1], faults=(*table.faults, fault))


def _title_line(table: RawTable, spec: TableSpec) -> Fault | None:
    """One fault when the expected header is found a few lines down (a title line above it)."""
    columns = spec.required_columns
    required = {name_key(c) for c in columns}
    for offset, row in enumerate(table.head):
        if required <= {name_key(cell) for cell in row}:
            line = offset + 2
            title = " ".join(cell.strip() for cell in table.header if cell.strip())
            return Fault(table.label, 1, None, title or None,
                         f"l'en-tête ({', '.join(columns)}) en ligne 1 : il est "
                         f"en ligne {line}, sous un titre ou des lignes de texte ; supprimer les "
                         f"lignes 1 à {line - 1} pour que l'en-tête soit la première ligne",
                         code=FaultCode.TITLE_ROW)
    return None


def usable(sink: Sink, spec: TableSpec) -> bool:
    """Check the header and emptiness; True when the rows can be checked."""
    table, required = sink.table, spec.required_columns
    severity: Severity = "erreur" if spec.required else "avertissement"
    if not table.has_header and any(f.severity == "erreur" for f in table.faults):  # unreadable
        return False
    if not table.has_header:
        title = _title_line(table, spec)  # blank lines above the header
        if title is not None:
            sink.faults.append(title)
            return False
        sink.add(None, None, None, f"un en-tête ({', '.join(required)}) et au moins une ligne "
                 "de données (fichier ou feuille vide)", severity, code=FaultCode.EMPTY_TABLE)
        return False
    known = spec.known_columns
    missing = [c for c in required if c not in table.header]
    title = _title_line(table, spec) if missing else None
    if title is not None:
        sink.faults.append(title)
        return False
    seen: set[str] = set()
    for column in table.header:
        if column in seen and column in known:
            sink.add(1, column, column, "des noms de colonnes uniques (colonne en double)",
                     code=FaultCode.DUPLICATE_COLUMN)
        elif column and column not in known and column not in seen:
            sink.add(1, column, column, f"une colonne parmi {', '.join(known)} (colonne ignorée)"
                     f"{_did_you_mean(column, missing)}", "avertissement", code=FaultCode.EXTRA_COLUMN)
        seen.add(column)
    unknown = [c for c in table.header if c and c not in known]
    found = f" ; colonnes trouvées : {_quoted(unknown)}" if unknown else ""
    for column in missing:
        sink.add(None, column, None, f"une colonne « {column} » (colonnes obligatoires : "
                 f"{', '.join(required)}){found}{_did_you_mean(column, unknown)}",
                 code=FaultCode.MISSING_COLUMN)
    if not missing and table.frame.empty:
        sink.add(None, None, None, "au moins une ligne de données sous l'en-tête", severity,
                 code=FaultCode.EMPTY_TABLE)
        return False
    return not missing
