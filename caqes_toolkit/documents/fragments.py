"""HTML fragments shared by the report and the synthesis: Jinja2 macros, embedded figures."""

from __future__ import annotations

import base64
import datetime as dt
from functools import cache

from jinja2.environment import TemplateModule
from matplotlib.figure import Figure

from .charts import figure_svg
from .templating import environment

__all__ = ["Html", "figure", "french_date", "render"]

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
