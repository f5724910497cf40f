"""The exploration notebook's content: text written for the chosen establishment, its charts, and
the widgets a pharmacist uses to choose an establishment and ask « et si… ? ».

Everything is computed from the scores; the notebook only calls these functions. The widgets
need ``ipywidgets`` (the ``lab`` extra, ``make lab``); the texts and charts do not.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import CaqesError
from ..evaluation.analysis import Simulation, priorities, regional_distribution, simulate, summary
from ..evaluation.scores import STATUSES, Scores
from ..formats import fmt_pct, fmt_points
from . import charts

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..data.dataset import Dataset
    from ..rules.campaign import Campaign

__all__ = [
    "Explorer",
    "agree",
    "establishment_choices",
    "establishment_figures",
    "establishment_text",
    "explorer",
    "target_choices",
    "what_if_text",
]

#: Priorities named in the text of an establishment.
N_PRIORITIES = 5


def agree(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` and the noun agreed in French: « 0 objectif », « 1 objectif », « 2 objectifs »."""
    return f"{n} {singular if abs(n) < 2 else (plural or singular + 's')}"


def _ordinal(n: int) -> str:
    return "1er" if n == 1 else f"{n}e"


def _fold(text: str) -> str:
    """``text`` without accents nor case, to sort names as a French reader expects."""
    return "".join(c for c in unicodedata.normalize("NFD", text.casefold()) if not unicodedata.combining(c))


def establishment_choices(scores: Scores, annee: int) -> list[tuple[str, str]]:
    """(« Name — FINESS », FINESS) of each establishment scored in ``annee``, by name."""
    est = scores.establishments
    rows = est.loc[est["annee"] == annee, ["finess", "raison_sociale"]].drop_duplicates("finess")
    pairs = [(f"{name} — {finess}", finess) for finess, name in zip(rows["finess"], rows["raison_sociale"].fillna(""))]
    return sorted(pairs, key=lambda p: (_fold(p[0]), p[1]))


def _row(scores: Scores, finess: str, annee: int) -> pd.Series:
    table = summary(scores, annee)
    rows = table[table["finess"] == finess]
    if rows.empty:
        raise CaqesError(f"FINESS {finess} : pas de score pour {annee} (établissement absent des données de "
                         "cette année)")
    return rows.iloc[0]


def target_choices(scores: Scores, finess: str, annee: int) -> list[tuple[str, str]]:
    """(label, code) of each applicable indicator below its target, the largest gain first."""
    rows = priorities(scores, finess, annee, n=None)
    return [(f"{r.indicateur} — {r.libelle} ({fmt_points(r.gain, 2)})", str(r.indicateur))
            for r in rows.itertuples()]


def establishment_text(scores: Scores, finess: str, annee: int, n: int = N_PRIORITIES) -> str:
    """A few sentences (Markdown) on one establishment's year: score, class, rank, indicators
    below their target and what reaching the first ``n`` would bring."""
    row = _row(scores, finess, annee)
    ind = scores.indicators
    mine = ind[(ind["finess"] == finess) & (ind["annee"] == annee) & ind["applicable"]]
    below = priorities(scores, finess, annee, n=None)
    missing = int(below["non_renseigne"].sum())
    reached = len(mine) - len(below)
    lines = [f"**{row['raison_sociale']}** ({finess}), {annee} : score global {fmt_pct(row['score_global'])}, "
             f"classe {row['classe']}, {_ordinal(int(row['rang_regional']))} sur "
             f"{agree(int(row['nb_etablissements_region']), 'établissement')} de la région."]
    if row.get("sanction_proposee"):
        threshold = scores.campaign.sanction_threshold
        lines.append("Une sanction est proposée pour cette année"
                     + (f" (score global sous le seuil de {fmt_pct(threshold, 0)})." if threshold else "."))
    if below.empty:
        lines.append(f"Les {agree(len(mine), 'indicateur applicable', 'indicateurs applicables')} ont tous "
                     "atteint leur cible." if len(mine) > 1 else "Aucun indicateur n'est sous sa cible.")
        return "\n\n".join(lines)
    verb = "a atteint sa cible" if reached < 2 else "ont atteint leur cible"
    under = "est sous sa cible" if len(below) < 2 else "sont sous leur cible"
    sentence = (f"Sur {agree(len(mine), 'indicateur applicable', 'indicateurs applicables')}, "
                f"{reached} {verb} et {len(below)} {under}")
    if missing:
        sentence += f", dont {agree(missing, 'non renseigné')} ({'compté' if missing < 2 else 'comptés'} 0)"
    lines.append(sentence + ".")
    top = below.head(n)
    gain = float(top["gain"].sum())
    these = "cet objectif" if len(top) == 1 else f"ces {len(top)} objectifs"
    lines.append(f"Atteindre {these} ({', '.join(top['indicateur'])}) porterait le score global de "
                 f"{fmt_pct(row['score_global'])} à {fmt_pct(row['score_global'] + gain)} "
                 f"({fmt_points(gain, 1)}), toutes choses égales par ailleurs.")
    return "\n\n".join(lines)


def what_if_text(simulation: Simulation) -> str:
    """The result of a simulation in one sentence."""
    n = len(simulation.changes)
    which = f"{agree(n, 'indicateur')} à la cible ({', '.join(simulation.changes)})" if n else "Sans changement"
    return (f"{which} — score global : {fmt_pct(simulation.score_before)} (classe {simulation.class_before}) "
            f"→ {fmt_pct(simulation.score_after)} (classe {simulation.class_after}), "
            f"soit {fmt_points(simulation.gain, 2)}.")


def establishment_figures(scores: Scores, finess: str, annee: int) -> list[Figure]:
    """Chapter scores against the region, and the indicators' statuses by chapter."""
    row = _row(scores, finess, annee)
    ch = scores.chapters
    mine = ch[(ch["finess"] == finess) & (ch["annee"] == annee)][["chapitre", "score", "part"]]
    dist = regional_distribution(scores, annee, row["region"])
    dist = dist[dist.index.str.startswith("chapitre_")][["q1", "mediane", "q3"]]
    dist.index = dist.index.str.removeprefix("chapitre_").astype(int)
    chapters = mine.merge(dist, left_on="chapitre", right_index=True, how="left")
    ind = scores.indicators
    indicators = ind[(ind["finess"] == finess) & (ind["annee"] == annee)]
    return [charts.chapters_vs_region(chapters, scores.campaign), charts.indicator_status(indicators, STATUSES)]


@dataclass
class Explorer:
    """The widgets of the notebook: ``establishment`` (a list of names), ``output`` (its text and the
    simulation), one « atteindre la cible » checkbox per indicator below its target, ``charts``."""

    dataset: Dataset
    campaign: Campaign
    scores: Scores
    annee: int
    establishment: Any
    output: Any
    charts: Any
    widget: Any
    targets: list[Any] = field(default_factory=list)
    shown: str | None = None  # the establishment whose charts are shown
    text: str = ""
    simulation: Simulation | None = None

    def choose(self, finess: str) -> None:
        """Show ``finess``: its checkboxes, text and charts (as choosing it in the list does)."""
        import ipywidgets as w

        self.targets = []
        for label, code in target_choices(self.scores, finess, self.annee):
            box = w.Checkbox(value=False, description=f"atteindre la cible : {label}", indent=False,
                             layout=w.Layout(width="auto"), style={"description_width": "initial"})
            box.code = code  # the indicator the checkbox stands for
            box.observe(lambda _change: self.refresh(), names="value")
            self.targets.append(box)
        self.widget.children = (self.establishment, self.output, _targets_box(self.targets), self.charts)
        self.refresh()

    def refresh(self) -> None:
        """Recompute the text, charts and simulation of the chosen establishment."""
        import matplotlib.pyplot as plt
        from IPython.display import Markdown, display

        finess, annee = self.establishment.value, self.annee
        self.text = establishment_text(self.scores, finess, annee)
        chosen = [box.code for box in self.targets if box.value]
        self.simulation = (simulate(self.dataset, self.campaign, annee, finess, dict.fromkeys(chosen, "cible"))
                           if chosen else None)
        self.output.clear_output(wait=True)
        with self.output:
            display(Markdown(self.text))
            if self.simulation is not None:
                display(Markdown(f"**Et si… ?** {what_if_text(self.simulation)}"))
        if self.shown != finess:  # the charts do not depend on the what-if
            self.charts.clear_output(wait=True)
            with self.charts:
                for fig in establishment_figures(self.scores, finess, annee):
                    display(fig)
                    plt.close(fig)
            self.shown = finess

    def show(self) -> None:
        from IPython.display import display

        display(self.widget)


def _targets_box(targets: list[Any]) -> Any:
    import ipywidgets as w

    title = (w.HTML("<b>Et si… ?</b> Cochez les indicateurs qui atteindraient leur cible :") if targets
             else w.HTML("<b>Et si… ?</b> Tous les indicateurs applicables ont atteint leur cible."))
    return w.VBox([title, w.VBox(targets, layout=w.Layout(max_height="18em", overflow="auto"))])


def explorer(dataset: Dataset, campaign: Campaign, scores: Scores, annee: int, finess: str | None = None) -> Explorer:
    """Build the widgets: a list of the establishments by name, the chosen one's « atteindre la
    cible » checkboxes, its text and charts. Needs ``ipywidgets`` (``make lab``)."""
    try:
        import ipywidgets as w
    except ImportError:
        raise CaqesError("les widgets ne sont pas installés : lancez « make lab » (ou « pip install "
                         "'caqes-toolkit[lab]' ») puis relancez le notebook") from None
    choices = establishment_choices(scores, annee)
    if not choices:
        raise CaqesError(f"aucun établissement n'a de score pour {annee}")
    default = finess if finess in {f for _, f in choices} else choices[0][1]
    select = w.Dropdown(options=choices, value=default, description="Établissement :",
                        layout=w.Layout(width="100%"), style={"description_width": "initial"})
    out, plots = w.Output(), w.Output()
    app = Explorer(dataset, campaign, scores, annee, select, out, plots, w.VBox([select, out, plots]))
    select.observe(lambda change: app.choose(change["new"]), names="value")
    app.choose(default)
    return app
