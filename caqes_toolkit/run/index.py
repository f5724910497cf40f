"""The index page of a report batch: every establishment with its score, class and links."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2

from .. import __version__
from ..formats import fmt_num, fmt_pct
from ..outputs import write_atomic
from .batch import Outcome

__all__ = ["write_index"]


def write_index(out_dir: str | Path, outcomes: list[Outcome], *, campaign: str, year: int,
                formats: tuple[str, ...], workbook: str | None = None) -> Path:
    """Write ``out_dir/index.html`` (links are relative, so the folder can be moved or shared)."""
    rows = []
    # a second-generation batch (scores.json with generation 2): intéressement, volets, no class
    incentive = any((o.scores or {}).get("generation") == 2 for o in outcomes)
    for o in sorted(outcomes, key=lambda o: o.finess):
        s = o.scores or {}
        sanction = "—" if not s else ("oui" if s.get("sanction_proposee") else "non")
        score = fmt_pct(s.get("score_global")) if s else "—"
        if incentive:
            total = s.get("interessement_total")
            score = "—" if total is None else f"{fmt_num(total, 2)}\u202f€"
            sanction = ", ".join(v["volet"] for v in s.get("volets", ())) or "—"
        rows.append({
            "finess": o.finess, "nom": s.get("raison_sociale", ""), "ok": o.status != "failed",
            "score": score, "classe": None if incentive else s.get("classe"),
            "sanction": sanction, "error": o.error or "",
            "links": [(fmt.upper(), f"{o.finess}/rapport.{fmt}") for fmt in formats]
                     + [("notebook", f"{o.finess}/rapport.ipynb")],
        })
    failed = sum(o.status == "failed" for o in outcomes)
    env = jinja2.Environment(loader=jinja2.PackageLoader("caqes_toolkit.documents", "templates"), autoescape=True)
    today = dt.date.today()
    html = env.get_template("index.html.j2").render(
        title=f"Rapports d'évaluation CAQES {year}", campagne=campaign, annee=year,
        date=today.strftime("%d/%m/%Y"), version=__version__, rows=rows, workbook=workbook, incentive=incentive,
        counts=f"{len(outcomes) - failed} rapport(s) disponible(s), {failed} échec(s).")
    path = Path(out_dir) / "index.html"
    write_atomic(path, html)
    return path
