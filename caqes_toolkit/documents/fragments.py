"""HTML fragments shared by every document: Jinja2 macros, embedded figures, the notice of another
year's rules, the provenance."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable
from functools import cache
from typing import Any

from jinja2.environment import TemplateModule
from markupsafe import Markup
from matplotlib.figure import Figure

from ..data.dataset import SourceFile
from ..formats import french_spacing_html
from ..rules.campaign import Campaign
from .charts import figure_svg
from .templating import environment

__all__ = ["REPORT_READERS", "SYNTHESIS_READERS", "Html", "figure", "french_date", "macros", "other_rules_notice",
           "provenance", "provisional_notice", "render", "with_other_rules_notice"]

#: Who may read an establishment's report (any generation's).
REPORT_READERS = ("Document destiné à l'établissement, à l'ARS et à l'Assurance Maladie. Les autres établissements "
                  "n'y apparaissent que sous forme de distribution régionale anonyme.")
#: Who may read a synthesis (any generation's): it names the establishments.
SYNTHESIS_READERS = "Document interne à l'ARS : il nomme les établissements. Ne pas diffuser tel quel."
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")


class Html(str):
    """An HTML fragment that Jupyter displays as HTML.

    Its plain-text form is a short summary: the notebook (the audit log) keeps the HTML once,
    not a second time as an escaped Python string.
    """

    def _repr_html_(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(f"<fragment HTML, {len(self)} caractères>")


@cache
def macros() -> TemplateModule:
    """The macros of ``templates/sections.html.j2`` (loaded once per process)."""
    return environment().get_template("sections.html.j2").module


def render(macro: str, *args: Any) -> Html:
    """Render one macro of ``templates/sections.html.j2`` (values are escaped), its text with French
    spacing (:func:`~caqes_toolkit.formats.french_spacing_html`)."""
    return Html(french_spacing_html(str(getattr(macros(), macro)(*args))))


def figure(fig: Figure, alt: str, caption: str) -> Html:
    """A chart embedded as SVG (self-contained), with its alternative text and caption."""
    svg = base64.b64encode(figure_svg(fig)).decode("ascii")
    return render("figure", svg, alt, caption)


def french_date(d: dt.date) -> str:
    """« 22 novembre 2026 », « 1er juillet 2022 » (the first of a month is written 1er)."""
    return f"{'1er' if d.day == 1 else d.day} {MONTHS[d.month - 1]} {d.year}"


def provisional_notice(campaign: Campaign, phase: int) -> str:
    """« Évaluation provisoire (phase 1) … » with the date of phase 2 when the campaign gives it."""
    if phase != 2:
        when = campaign.phase_2_date
        date = (f" le {french_date(when)}" if isinstance(when, dt.date)
                else f" : {when}" if when else "")
        return ("Évaluation provisoire (phase 1) : les indicateurs alimentés par les données de "
                "l'Assurance Maladie sont « en attente » et retirés du calcul, de cette année comme des années "
                "auxquelles elle est comparée (T0, N−1), pour comparer les mêmes indicateurs ; le score définitif "
                f"sera établi en phase 2{date}.")
    return ""


def other_rules_notice(text: str) -> Html:
    """A boxed warning (the year evaluated under another year's rules), escaped like every value."""
    return Html(Markup('<p class="caqes-note caqes-other-rules" role="alert" style="border: 2px solid #b00020; '
                       'padding: 6pt 8pt; color: #b00020; font-weight: bold; font-size: 10pt">{}</p>').format(text))


def with_other_rules_notice(html: Html, campaign: Campaign, year: int) -> Html:
    """``html`` followed by the notice of a year evaluated under another year's rules, if it is."""
    notice = campaign.other_year_notice(year)
    return Html(html + other_rules_notice(notice)) if notice else html


def provenance(generated_on: dt.date, version: str, sources: Iterable[SourceFile], confidentiality: str) -> Html:
    """Date, toolkit version and SHA-256 of the campaign and input files, and who may read the document."""
    return render("provenance", {
        "date": french_date(generated_on), "version": version,
        "files": [{"name": f.name, "sha256": f.sha256} for f in sources], "confidentiality": confidentiality})
