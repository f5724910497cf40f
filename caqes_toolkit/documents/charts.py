"""Report charts (matplotlib): readable in print, the same colours for classes and chapters.

Each function returns a ``Figure`` (explore it in JupyterLab, or embed it with
:func:`figure_svg`: vector charts stay sharp in print, with their text kept as text).
Texts are never parsed as mathtext: a ``$`` in a name stays a ``$``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..data.dataset import MATURITY_STEPS
from ..formats import fmt_num, fmt_pct
from ..rules.campaign import Campaign

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = [
    "CHAPTER_COLOURS",
    "chapters_vs_region",
    "class_distribution",
    "figure_svg",
    "history",
    "indicator_achievement",
    "indicator_status",
    "maturity_profile",
    "progress_since_t0",
    "score_distribution",
]

#: Classes A (best) to E: green to red, as the ARS colour scale.
CLASS_COLOURS = {"A": "#1a9850", "B": "#91cf60", "C": "#fee08b", "D": "#fc8d59", "E": "#d73027"}
#: Chapters 1–5 (Okabe–Ito palette, distinguishable by colour-blind readers and in grey print).
CHAPTER_COLOURS = {1: "#0072B2", 2: "#E69F00", 3: "#009E73", 4: "#CC79A7", 5: "#56B4E9"}
STATUS_COLOURS = {
    "atteint": "#2e7d32",
    "en progrès": "#9ccc65",
    "non atteint": "#e53935",
    "non renseigné": "#757575",
    "non concerné": "#e0e0e0",
    "en attente": "#90caf9",
}
#: Names of the 7 certification maturity steps (seed).
MATURITY_NAMES = (
    "Politique", "Organisation\ninterne", "Mobilisation\ndes équipes", "Disponibilité\nressources",
    "Effectivité", "Évaluation", "Actions\nd'amélioration",
)
STYLE: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "legend.frameon": False,
    "text.parse_math": False,
    "svg.hashsalt": "caqes",
    "svg.fonttype": "none",
}
WIDTH = 7.0  # inches: the text width of an A4 page


@contextmanager
def _style() -> Iterator[None]:
    with plt.rc_context(STYLE):
        yield


def _margins(fig: Figure, left: float, right: float, top: float, bottom: float) -> None:
    """Fixed margins in inches: the report's charts have known labels, and a fixed layout
    draws three times faster than matplotlib's constrained layout."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                        bottom=bottom / height)


def _chapter_colour(chapter: int) -> str:
    return CHAPTER_COLOURS.get(chapter, "#555555")


def chapters_vs_region(chapters: pd.DataFrame, campaign: Campaign) -> Figure:
    """Chapter scores of the establishment against the regional median and interquartile range.

    ``chapters``: chapitre, score, part, q1, mediane, q3 (one row per chapter).
    """
    rows = chapters.sort_values("chapitre", ascending=False)
    with _style():
        fig, ax = plt.subplots(figsize=(WIDTH, 0.55 * len(rows) + 1.1))
        _margins(fig, left=1.35, right=0.15, top=0.4, bottom=0.5)
        y = np.arange(len(rows))
        for yi, (_, row) in zip(y, rows.iterrows()):
            if pd.notna(row["q1"]):
                ax.barh(yi, row["q3"] - row["q1"], left=row["q1"], height=0.7, color="#d9d9d9",
                        label="Écart interquartile régional" if yi == 0 else None, zorder=1)
                ax.plot([row["mediane"]] * 2, [yi - 0.38, yi + 0.38], color="#222222", lw=2,
                        label="Médiane régionale" if yi == 0 else None, zorder=3)
            if pd.notna(row["score"]):
                ax.barh(yi, row["score"], height=0.32, color=_chapter_colour(row["chapitre"]), zorder=2)
                ax.text(min(row["score"], 100) + 1, float(yi), fmt_num(row["score"], 1), va="center", fontsize=8.5,
                        zorder=4, bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85})
            else:
                ax.text(1, float(yi), "non concerné", va="center", fontsize=8.5, color="#555555")
        ax.set_yticks(y, [f"Chapitre {c} ({fmt_pct(100 * p, 0)})" if p > 0 else f"Chapitre {c}"
                          for c, p in zip(rows["chapitre"], rows["part"])])
        ax.set_xlim(0, 108)
        ax.set_xticks(range(0, 101, 20), [f"{v} %" for v in range(0, 101, 20)])
        ax.set_xlabel("Score du chapitre (poids effectif dans le score global entre parenthèses)")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8)
    return fig


def history(history: pd.DataFrame, campaign: Campaign) -> Figure:
    """Global and chapter scores year by year since T0, over the class bands.

    ``history``: annee, score_global, chapitre_1 … (one row per year).
    """
    hist = history.sort_values("annee")
    years = hist["annee"].astype(int).tolist()
    with _style():
        fig, ax = plt.subplots(figsize=(WIDTH, 3.0))
        _margins(fig, left=0.6, right=1.45, top=0.15, bottom=0.5)
        bounds = list(campaign.classes.items())
        for i, (name, low) in enumerate(bounds):
            high = 100 if i == 0 else bounds[i - 1][1]
            ax.axhspan(low, high, color=CLASS_COLOURS.get(name, "#eeeeee"), alpha=0.18, lw=0)
            ax.text(1.005, (low + high) / 2, name, transform=ax.get_yaxis_transform(),
                    va="center", fontsize=8, color="#444444")
        for chapter in sorted(campaign.chapters):
            col = f"chapitre_{chapter}"
            if col in hist and hist[col].notna().any():
                ax.plot(years, hist[col], marker="o", ms=3, lw=1.2, color=_chapter_colour(chapter),
                        label=f"Chapitre {chapter}")
        ax.plot(years, hist["score_global"], marker="o", ms=6, lw=2.6, color="#111111",
                label="Score global", zorder=5)
        for x, g in zip(years, hist["score_global"]):
            ax.annotate(fmt_num(g, 1), (x, g), textcoords="offset points", xytext=(0, 7),
                        ha="center", fontsize=8.5, fontweight="bold")
        labels = [f"{y}\n(T0)" if y == campaign.t0_year else str(y) for y in years]
        ax.set_xticks(years, labels)
        pad = 0.3 if len(years) > 1 else 0.6
        ax.set_xlim(min(years) - pad, max(years) + pad)
        ax.set_ylim(0, 105)
        ax.set_ylabel("Score (%)")
        ax.legend(loc="center left", bbox_to_anchor=(1.03, 0.5), fontsize=8)
    return fig


def maturity_profile(maturity: pd.DataFrame) -> Figure:
    """Certification maturity profile: the 7 steps scored out of 5, one bar group per year.

    ``maturity``: annee, etape_1 … etape_7.
    """
    rows = maturity.sort_values("annee")
    with _style():
        fig, ax = plt.subplots(figsize=(WIDTH, 2.9))
        _margins(fig, left=0.6, right=0.1, top=0.6, bottom=0.5)
        x = np.arange(len(MATURITY_STEPS))
        width = 0.8 / max(len(rows), 1)
        shades = ["#bdbdbd", "#7fa7cf", "#0072B2"][-len(rows):] if len(rows) <= 3 else None
        for i, (_, row) in enumerate(rows.iterrows()):
            values = row[list(MATURITY_STEPS)].astype(float).to_numpy()
            total = 100 * np.nansum(values) / (5 * len(MATURITY_STEPS))
            colour = shades[i] if shades else None
            ax.bar(x + (i - (len(rows) - 1) / 2) * width, values, width * 0.95, color=colour,
                   label=f"{int(row['annee'])} : {fmt_pct(total, 1)}")
        ax.set_xticks(x, MATURITY_NAMES, fontsize=7.5)
        ax.set_ylim(0, 5.2)
        ax.set_yticks(range(6))
        ax.set_ylabel("Cotation (sur 5)")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(rows), fontsize=8,
                  title="Année : score de maturité (somme / 35)", title_fontsize=8)
    return fig


def indicator_status(indicators: pd.DataFrame, statuses: tuple[str, ...]) -> Figure:
    """Number of indicators in each status, chapter by chapter (stacked bars)."""
    counts = (indicators.groupby(["chapitre", "statut"]).size().unstack(fill_value=0)
              .reindex(columns=list(statuses), fill_value=0).sort_index(ascending=False))
    with _style():
        fig, ax = plt.subplots(figsize=(WIDTH, 0.45 * len(counts) + 1.2))
        _margins(fig, left=0.9, right=0.15, top=0.4, bottom=0.5)
        left = np.zeros(len(counts))
        y = np.arange(len(counts))
        for status in statuses:
            values = counts[status].to_numpy()
            ax.barh(y, values, left=left, color=STATUS_COLOURS[status], label=status,
                    edgecolor="white", height=0.6)
            for yi, (lo, v) in enumerate(zip(left, values)):
                if v:
                    dark = status in ("atteint", "non atteint", "non renseigné")
                    ax.text(lo + v / 2, yi, str(v), ha="center", va="center", fontsize=8,
                            color="white" if dark else "#222222")
            left += values
        ax.set_yticks(y, [f"Chapitre {c}" for c in counts.index])
        ax.set_xlabel("Nombre d'indicateurs")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(statuses), fontsize=8)
    return fig


def class_distribution(now: pd.DataFrame, before: pd.DataFrame, campaign: Campaign, year: int) -> Figure:
    """Number of establishments per class, N−1 (light) beside N (class colour)."""
    names = list(campaign.classes)
    x = np.arange(len(names))
    n_now = now["classe"].value_counts().reindex(names, fill_value=0).to_numpy()
    with _style():
        fig, ax = plt.subplots(figsize=(WIDTH, 2.6), layout="constrained")
        if not before.empty:
            n_before = before["classe"].value_counts().reindex(names, fill_value=0).to_numpy()
            ax.bar(x - 0.2, n_before, 0.38, color="#d9d9d9", edgecolor="#999999", label=str(year - 1))
            for xi, v in zip(x - 0.2, n_before):
                ax.text(xi, v + 0.1, str(v), ha="center", va="bottom", fontsize=8, color="#555555")
        offset = 0.2 if not before.empty else 0.0
        ax.bar(x + offset, n_now, 0.38, color=[CLASS_COLOURS.get(n, "#777777") for n in names],
               edgecolor="#333333", label=str(year))
        for xi, v in zip(x + offset, n_now):
            ax.text(xi, v + 0.1, str(v), ha="center", va="bottom", fontsize=8.5, fontweight="bold")
        ax.set_xticks(x, [f"Classe {n}" for n in names])
        ax.set_ylabel("Établissements")
        ax.set_ylim(0, max(n_now.max(), 1) * 1.25 + 0.5)
        ax.legend(loc="upper right", fontsize=8)
    return fig


def score_distribution(table: pd.DataFrame, campaign: Campaign) -> Figure:
    """Box plots of the global score and of each chapter, establishments as points."""
    cols = ["score_global"] + [f"chapitre_{c}" for c in sorted(campaign.chapters)]
    labels = ["Score global"] + [f"Chapitre {c}" for c in sorted(campaign.chapters)]
    data = [table[c].dropna().to_numpy() for c in cols]
    with _style():
        fig, ax = plt.subplots(figsize=(WIDTH, 3.0), layout="constrained")
        colours = ["#111111"] + [_chapter_colour(c) for c in sorted(campaign.chapters)]
        positions = np.arange(len(cols))
        ax.boxplot([d if len(d) else [np.nan] for d in data], positions=positions, widths=0.5,
                   showfliers=False, medianprops={"color": "#111111", "linewidth": 1.8})
        rng = np.random.default_rng(0)
        for p, d, colour in zip(positions, data, colours):
            ax.scatter(p + rng.uniform(-0.12, 0.12, len(d)), d, s=10, color=colour, alpha=0.75, zorder=3)
        ax.set_xticks(positions, [f"{lab}\n(n = {len(d)})" for lab, d in zip(labels, data)], fontsize=8)
        ax.set_ylim(0, 105)
        ax.set_ylabel("Score (%)")
    return fig


def progress_since_t0(table: pd.DataFrame, campaign: Campaign) -> Figure:
    """Global score at T0 (open circle) and this year (class colour), one line per establishment."""
    rows = table.sort_values("score_global")
    y = np.arange(len(rows))
    with _style():
        fig, ax = plt.subplots(figsize=(WIDTH, 0.24 * len(rows) + 1.0), layout="constrained")
        for yi, (_, r) in zip(y, rows.iterrows()):
            if pd.notna(r["score_global_t0"]):
                ax.plot([r["score_global_t0"], r["score_global"]], [yi, yi], color="#bbbbbb", lw=1.2, zorder=1)
                ax.scatter(r["score_global_t0"], yi, s=22, facecolor="white", edgecolor="#555555", zorder=2)
            ax.scatter(r["score_global"], yi, s=30, color=CLASS_COLOURS.get(r["classe"], "#777777"),
                       edgecolor="#333333", linewidth=0.5, zorder=3)
        ax.set_yticks(y, [str(n) if len(str(n)) <= 42 else str(n)[:40] + "…" for n in rows["raison_sociale"]],
                      fontsize=7.5)
        if campaign.sanction_threshold is not None:
            ax.axvline(campaign.sanction_threshold, color="#d73027", lw=0.8, ls="--")
        ax.set_xlim(0, 100)
        ax.set_xlabel(f"Score global (%) — T0 {campaign.t0_year} : cercle vide ; trait rouge : seuil de sanction")
    return fig


def indicator_achievement(achievement: pd.DataFrame) -> Figure:
    """Mean points of global score lost per indicator, with the regional achievement rate."""
    rows = achievement.iloc[::-1]
    y = np.arange(len(rows))
    with _style():
        fig, ax = plt.subplots(figsize=(WIDTH, 0.26 * len(rows) + 1.0), layout="constrained")
        ax.barh(y, rows["points_perdus"], color=[_chapter_colour(c) for c in rows["chapitre"]], height=0.65)
        for yi, (_, r) in zip(y, rows.iterrows()):
            ax.annotate(f"{fmt_pct(r['taux_atteinte'], 0)} d'atteinte", (r["points_perdus"], yi), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=7.5)
        ax.set_yticks(y, rows["indicateur"], fontsize=8)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_num(v, 1)))
        ax.set_xlim(0, rows["points_perdus"].max() * 1.45 if len(rows) else 1)
        ax.set_xlabel("Points de score global perdus en moyenne par établissement concerné")
    return fig


def figure_svg(fig: Figure) -> bytes:
    """SVG bytes of a figure (then closed), reproducible (no date, fixed ids), text kept as text."""
    buffer = io.BytesIO()
    with _style():
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return buffer.getvalue()
