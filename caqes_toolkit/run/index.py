"""The index page of a report batch: every establishment with its score, class and links.

The page is for 20 to 400 establishments on a desk or a phone: sortable columns, filters by class,
activity and status, a search by name or FINESS, class totals. It holds no external resource
(it works from ``file://``, offline). Filters can be given in the address: ``index.html#classe=E``,
``#activite=PSY&q=fictiville&tri=score&ordre=desc``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..documents.templating import environment
from ..formats import fmt_euros, fmt_pct, french_spacing_html, plural
from ..outputs import write_atomic
from .batch import Outcome

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["index_rows", "write_index"]

#: Classes shown in the totals when the campaign's are not given (those found are added).
DEFAULT_CLASSES = ("A", "B", "C", "D", "E")


def _activities(establishments: pd.DataFrame | None) -> dict[str, tuple[str, str]]:
    """FINESS → (name, activities as « MCO;SSR ») from the establishments table."""
    if establishments is None or establishments.empty:
        return {}
    names = establishments["raison_sociale"].fillna("").astype(str)
    acts = establishments["activites"].fillna("").astype(str)
    return dict(zip(establishments["finess"].astype(str), zip(names, acts)))


def _sort_key(value: Any) -> str:
    """A number as the text the page's script sorts on (empty: missing, sorted last)."""
    return "" if value is None else repr(float(value))


def finess_order(code: str) -> str:
    """Sort key of a FINESS in département order: Corsica's 2A and 2B (département 20) between 19 and 21."""
    return re.sub(r"^2([AB])", r"20\1", code)


def index_rows(outcomes: list[Outcome], establishments: pd.DataFrame | None = None,
               volets: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """One row of the index per outcome, by FINESS: the shown texts and the values to sort and filter on
    (``volets``: the campaign's label of each volet code, shown instead of the code)."""
    known = _activities(establishments)
    # a second-generation batch (scores.json with generation 2): intéressement, volets, no class
    incentive = any((o.scores or {}).get("generation") == 2 for o in outcomes)
    rows = []
    for o in sorted(outcomes, key=lambda o: finess_order(o.finess)):
        s = o.scores or {}
        name, acts = known.get(o.finess, ("", ""))
        activities = [a for a in acts.split(";") if a]
        if incentive:
            value = s.get("interessement_total")
            score = fmt_euros(value)
            sanction = " ; ".join((volets or {}).get(v["volet"], v["volet"]) for v in s.get("volets", ())) or "—"
        else:
            value = s.get("score_global")
            score = fmt_pct(value) if s else "—"
            sanction = "—" if not s else ("oui" if s.get("sanction_proposee") else "non")
        rows.append({
            "finess": o.finess, "nom": s.get("raison_sociale") or name, "ok": o.status != "failed",
            "score": score, "score_tri": _sort_key(value), "classe": None if incentive else s.get("classe"),
            "sanction": sanction, "error": o.error or "", "activites": activities, "absent": "",
        })
    return rows


def _absent_rows(absent: dict[str, str], establishments: pd.DataFrame | None) -> list[dict[str, Any]]:
    """A greyed row per establishment of the data without report, saying why (« pas de contrat en vigueur »)."""
    known = _activities(establishments)
    return [{"finess": f, "nom": known.get(f, ("", ""))[0], "ok": True, "score": "—", "score_tri": "",
             "classe": None, "sanction": "—", "error": "", "absent": why,
             "activites": [a for a in known.get(f, ("", ""))[1].split(";") if a]}
            for f, why in sorted(absent.items(), key=lambda item: finess_order(item[0]))]


def _totals(rows: list[dict[str, Any]], classes: Sequence[str] | None) -> list[tuple[str, str, int]]:
    """(filter value, label, count) per class (none for a second-generation batch, which has no
    class), then the reports without class and the failures."""
    totals = []
    if classes is not None:
        by_class = Counter(r["classe"] for r in rows if r["ok"] and not r["absent"])
        found = sorted(c for c in by_class if c is not None and c not in classes)
        totals = [(c, f"Classe {c}", by_class.get(c, 0)) for c in (*classes, *found)]
        if by_class.get(None):
            totals.append(("sans", "Sans classe", by_class[None]))
    totals.append(("echec", "Échecs", sum(not r["ok"] for r in rows)))
    if any(r["absent"] for r in rows):
        totals.append(("absent", "Sans rapport", sum(bool(r["absent"]) for r in rows)))
    return totals


def write_index(out_dir: str | Path, outcomes: list[Outcome], *, campaign: str, year: int,
                formats: tuple[str, ...], workbook: str | None = None,
                establishments: pd.DataFrame | None = None, classes: Sequence[str] | None = None,
                absent: dict[str, str] | None = None, volets: Mapping[str, str] | None = None) -> Path:
    """Write ``out_dir/index.html`` (links are relative, so the folder can be moved or shared).

    ``establishments`` (the dataset's table) gives each row its activities, and a name to the
    failed ones; ``classes``: the campaign's classes, each counted even when empty; ``absent``: the
    establishments without report (FINESS → why), listed greyed; ``volets``: the label of each volet code.
    """
    rows = index_rows(outcomes, establishments, volets) + _absent_rows(absent or {}, establishments)
    for r in rows:
        r["links"] = ([(fmt.upper(), f"{r['finess']}/rapport.{fmt}") for fmt in formats]
                      + [("notebook", f"{r['finess']}/rapport.ipynb")])
    incentive = any((o.scores or {}).get("generation") == 2 for o in outcomes)
    activities = sorted({a for r in rows for a in r["activites"]})
    failed = sum(not r["ok"] for r in rows)
    missing = sum(bool(r["absent"]) for r in rows)
    totals = _totals(rows, None if incentive else tuple(classes or DEFAULT_CLASSES))
    today = dt.date.today()
    html = french_spacing_html(environment().get_template("index.html.j2").render(
        title=f"Rapports d'évaluation CAQES {year}", campagne=campaign, annee=year,
        date=today.strftime("%d/%m/%Y"), version=__version__, rows=rows, workbook=workbook, incentive=incentive,
        activities=activities, totals=totals, sanctions=sum(r["sanction"] == "oui" for r in rows),
        counts=f"{plural(len(rows) - failed - missing, 'rapport disponible')}, {plural(failed, 'échec')}."
        + (f" {plural(missing, 'établissement')} sans rapport (grisés)." if missing else "")))
    path = Path(out_dir) / "index.html"
    write_atomic(path, html)
    return path
