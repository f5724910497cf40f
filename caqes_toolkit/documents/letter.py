"""The cover letter of a pack (``caqes envoi``), made from a model the ARS edits in its workspace.

The model is ``modeles/courrier.html`` (a Jinja HTML body) or ``modeles/courrier.md`` (Markdown
with the same ``{{ valeur }}`` placeholders, each line of the model a line of the letter); without
either, the one the package ships. The values (:meth:`LetterValues.context`) are the ARS's name,
contact and deadline, the establishment, its score and class (or, second generation, its
intéressement) as its report gives them, and the documents joined. Values are escaped (a name
never becomes markup); the model runs in Jinja's sandbox. A model that cannot be used is refused
before any letter is printed, naming its line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .. import __version__
from ..errors import CaqesError
from ..formats import fmt_euros, fmt_pct
from ..resources import letter_model
from .fragments import french_date
from .templating import environment

__all__ = ["MODELS", "Letter", "LetterValues", "find_model"]

#: The models looked for in the workspace's ``modeles/``, first found used.
MODELS = ("courrier.html", "courrier.md")
#: The values a model may use, for the message naming an unknown one.
NAMES = ("ars.nom", "ars.contact", "date_limite", "date", "annee", "campagne", "etablissement.finess",
         "etablissement.raison_sociale", "score", "classe", "interessement", "pieces")
#: Characters that Markdown would read as markup in a value: each escaped by a backslash.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&])")


@dataclass(frozen=True)
class LetterValues:
    """What one letter says (missing values: ``None``)."""

    ars_name: str
    ars_contact: str
    deadline: dt.date | None
    finess: str
    name: str
    year: int
    campaign: str
    score: float | None
    classe: str | None
    incentive: float | None
    pieces: tuple[str, ...]
    today: dt.date

    def context(self) -> dict[str, Any]:
        """The values of the model, in French, formatted as the documents write them."""
        return {"ars": {"nom": self.ars_name, "contact": self.ars_contact},
                "date_limite": french_date(self.deadline) if self.deadline else "",
                "date": french_date(self.today), "annee": self.year, "campagne": self.campaign,
                "etablissement": {"finess": self.finess, "raison_sociale": self.name},
                "score": fmt_pct(self.score) if self.score is not None else "",
                "classe": self.classe or "", "interessement": fmt_euros(self.incentive) if self.incentive else "",
                "pieces": list(self.pieces)}


def find_model(folder: Path | None) -> Path:
    """The letter's model: the workspace's (``folder/modeles/``), else the package's."""
    for name in MODELS:
        if folder is not None and (folder / "modeles" / name).is_file():
            return folder / "modeles" / name
    return letter_model()


def _markdown_value(value: object) -> object:
    """A value written into a Markdown model: its markup characters escaped, on one line."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return _MARKDOWN.sub(r"\\\1", re.sub(r"[\r\n\t]+", " ", value))  # no-break spaces kept
    return value


class Letter:
    """A letter's model, read and compiled once; :meth:`html` fills it for one establishment."""

    def __init__(self, model: Path) -> None:
        self.model = model
        self.markdown = model.suffix.lower() == ".md"
        try:
            self.text = model.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CaqesError(f"{model} : modèle de courrier illisible (texte UTF-8 attendu) : {exc}") from None
        env = SandboxedEnvironment(autoescape=not self.markdown, undefined=jinja2.StrictUndefined,
                                   trim_blocks=True, lstrip_blocks=True,
                                   finalize=_markdown_value if self.markdown else None)
        try:
            self.template = env.from_string(self.text)
        except jinja2.TemplateSyntaxError as exc:
            raise CaqesError(f"{model}, ligne {exc.lineno} : syntaxe du modèle invalide (une valeur s'écrit "
                             "{{ valeur }}, une condition {% if … %} … {% endif %}, une boucle {% for … %} … "
                             "{% endfor %})") from None

    def html(self, values: LetterValues) -> str:
        """The letter of ``values`` as one HTML page."""
        try:
            body = self.template.render(values.context())
        except jinja2.UndefinedError as exc:
            raise CaqesError(self._unknown(str(exc))) from None
        except jinja2.TemplateError as exc:
            raise CaqesError(f"{self.model} : modèle de courrier inutilisable ({type(exc).__name__})") from None
        if self.markdown:
            from markdown_it import MarkdownIt

            body = MarkdownIt("commonmark", {"html": False, "breaks": True, "typographer": False}).render(body)
        return environment().get_template("courrier.html.j2").render(
            body=Markup(body), version=__version__,
            title=f"Courrier — {values.name} ({values.finess}) — CAQES {values.year}")

    def _unknown(self, message: str) -> str:
        """An unknown value of the model, with its line."""
        found = re.search(r"'([^']+)' is undefined|has no attribute '([^']+)'", message)
        name = next((g for g in found.groups() if g), "?") if found else "?"
        line = next((n for n, text in enumerate(self.text.splitlines(), start=1)
                     if re.search(rf"\b{re.escape(name)}\b", text) and "{" in text), None)
        where = f"{self.model}" + (f", ligne {line}" if line else "")
        return (f"{where} : valeur inconnue « {name} » dans le modèle de courrier ; valeurs possibles : "
                + ", ".join(NAMES))
