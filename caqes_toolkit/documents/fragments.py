"""HTML fragments shared by the report and the synthesis: Jinja2 macros, embedded figures."""

from __future__ import annotations

import base64
import datetime as dt
from functools import cache

from jinja2.environment import TemplateModule
from matplotlib.figure import Figure

from ..rules.campaign import Campaign
from .charts import figure_svg
from .templating import environment

__all__ = ["Html", "figure", "french_date", "provisional_notice", "render"]

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")


class Html(str):
    """An HTML fragment that Jupyter displays as HTML.

    Its plain-text form is a short summary: the notebook (the audit log) keeps the HTML once,
    not a second time as an escaped Python string.
    """

    def _repr_html_(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(f"<fragment HTML, {len(self)} caractères>")


@cache
def _macros() -> TemplateModule:
    return environment().get_template("sections.html.j2").module


def render(macro: str, *args) -> Html:
    """Render one macro of ``templates/sections.html.j2`` (values are escaped)."""
    return Html(str(getattr(_macros(), macro)(*args)))


def figure(fig: Figure, alt: str, caption: str) -> Html:
    """A chart embedded as SVG (self-contained), with its alternative text and caption."""
    svg = base64.b64encode(figure_svg(fig)).decode("ascii")
    return render("figure", svg, alt, caption)


def french_date(d: dt.date) -> str:
    """« 22 novembre 2026 »."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def provisional_notice(campaign: Campaign, phase: int) -> str:
    """« Évaluation provisoire (phase 1) … » with the date of phase 2 when the campaign gives it."""
    if phase != 2:
        when = campaign.phase_2_date
        date = (f" le {french_date(when)}" if isinstance(when, dt.date)
                else f" : {when}" if when else "")
        return ("Évaluation provisoire (phase 1) : les indicateurs alimentés par les données de "
                "l'Assurance Maladie sont « en attente » et retirés du calcul ; le score définitif "
                f"sera établi en phase 2{date}.")
    return ""
