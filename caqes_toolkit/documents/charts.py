"""Report charts (matplotlib): readable in print, the same colours for classes and chapters.

Each function returns a ``Figure`` (explore it in JupyterLab, or embed it with
:func:`figure_svg`: vector charts stay sharp in print, with their text kept as text).
Texts are never parsed as mathtext: a ``$`` in a name stays a ``$``.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..data.dataset import MATURITY_STEPS
from ..formats import fmt_num, fmt_pct
from ..rules.campaign import Campaign

__all__ = [
    "CHAPTER_COLOURS",
    "WIDTH",
    "chapters_vs_region",
    "class_distribution",
    "figure_svg",
    "history",
    "indicator_achievement",
    "indicator_status",
    "margins",
    "maturity_profile",
    "progress_extremes",
    "progress_scatter",
    "regions_classes",
    "regions_scores",
    "score_distribution",
    "style",
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
STYLE: dict[Any, Any] = {
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
def style() -> Iterator[None]:
    with plt.rc_context(STYLE):
        yield


def _class_bands(ax: Axes, campaign: Campaign, *, alpha: float, x: float, label: str) -> None:
    """Horizontal bands of the classes (A on top), each named at the right of the axes."""
    bounds = list(campaign.classes.items())
    for i, (name, low) in enumerate(bounds):
        high = 100 if i == 0 else bounds[i - 1][1]
        ax.axhspan(low, high, color=CLASS_COLOURS.get(name, "#eeeeee"), alpha=alpha, lw=0)
        ax.text(x, (low + high) / 2, label.format(name), transform=ax.get_yaxis_transform(),
                va="center", fontsize=8, color="#444444")


def margins(fig: Figure, left: float, right: float, top: float, bottom: float) -> None:
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
    with style():
        fig, ax = plt.subplots(figsize=(WIDTH, 0.55 * len(rows) + 1.1))
        margins(fig, left=1.35, right=0.15, top=0.4, bottom=0.5)
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
    with style():
        fig, ax = plt.subplots(figsize=(WIDTH, 3.0))
        margins(fig, left=0.6, right=1.45, top=0.15, bottom=0.5)
        _class_bands(ax, campaign, alpha=0.18, x=1.005, label="{}")
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
    with style():
        fig, ax = plt.subplots(figsize=(WIDTH, 2.9))
        margins(fig, left=0.6, right=0.1, top=0.6, bottom=0.5)
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
    """Number of indicators in each status, chapter by chapter (stacked bars); the legend names the
    statuses met only, on as many rows as the page's width needs (never cut at its edge)."""
    counts = (indicators.groupby(["chapitre", "statut"]).size().unstack(fill_value=0)
              .reindex(columns=list(statuses), fill_value=0).sort_index(ascending=False))
    statuses = tuple(s for s in statuses if counts[s].any())
    columns = len(statuses) if len(statuses) <= 5 else math.ceil(len(statuses) / 2)
    rows = math.ceil(len(statuses) / max(columns, 1))
    with style():
        fig, ax = plt.subplots(figsize=(WIDTH, 0.32 * len(counts) + 0.95 + 0.2 * rows))
        margins(fig, left=0.9, right=0.15, top=0.2 + 0.2 * rows, bottom=0.48)
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
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=columns, fontsize=8, frameon=False)
    return fig


def class_distribution(now: pd.DataFrame, before: pd.DataFrame, campaign: Campaign, year: int) -> Figure:
    """Number of establishments per class, N−1 (light) beside N (class colour)."""
    names = list(campaign.classes)
    x = np.arange(len(names))
    n_now = now["classe"].value_counts().reindex(names, fill_value=0).to_numpy()
    with style():
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
    """Box plots of the global score and of each chapter, establishments as points (smaller and
    lighter as they grow in number, so that 3,000 stay a cloud and not a blot)."""
    cols = ["score_global"] + [f"chapitre_{c}" for c in sorted(campaign.chapters)]
    labels = ["Score global"] + [f"Chapitre {c}" for c in sorted(campaign.chapters)]
    data = [table[c].dropna().to_numpy(dtype=float) for c in cols]
    size, alpha = _point_style(len(table))
    with style():
        fig, ax = plt.subplots(figsize=(WIDTH, 3.0), layout="constrained")
        colours = ["#111111"] + [_chapter_colour(c) for c in sorted(campaign.chapters)]
        positions = np.arange(len(cols))
        rng = np.random.default_rng(0)
        for p, d, colour in zip(positions, data, colours):
            ax.scatter(p + rng.uniform(-0.16, 0.16, len(d)), d, s=size, color=colour, alpha=alpha, zorder=1,
                       linewidths=0)
        ax.boxplot([d if len(d) else [np.nan] for d in data], positions=positions, widths=0.5,
                   showfliers=False, medianprops={"color": "#111111", "linewidth": 1.8}, zorder=3)
        ax.set_xticks(positions, [f"{lab}\n(n = {len(d)})" for lab, d in zip(labels, data)], fontsize=8)
        ax.set_ylim(0, 105)
        ax.set_ylabel("Score (%)")
    return fig


def _point_style(n: int) -> tuple[float, float]:
    """Marker area and opacity for ``n`` points on a chart of the page's width."""
    return float(np.clip(2400 / max(n, 1), 2.0, 18.0)), float(np.clip(60 / max(n, 1) ** 0.5, 0.25, 0.85))


def progress_scatter(table: pd.DataFrame, campaign: Campaign, year: int) -> Figure:
    """Global score at T0 (x) against this year (y), one point per establishment in its class
    colour; above the diagonal an establishment progressed. Readable from 20 to 3,000 points."""
    rows = table.dropna(subset=["score_global_t0", "score_global"])
    size, alpha = _point_style(len(rows))
    with style():
        fig, ax = plt.subplots(figsize=(WIDTH, 4.6))
        margins(fig, left=0.65, right=1.5, top=0.2, bottom=0.55)
        _class_bands(ax, campaign, alpha=0.12, x=1.01, label="Classe {}")
        ax.plot([0, 100], [0, 100], color="#777777", lw=0.8, ls=":", zorder=1)
        if campaign.sanction_threshold is not None and not campaign.without_sanction:
            ax.axhline(campaign.sanction_threshold, color="#d73027", lw=0.9, ls="--", zorder=1)
        colours = [CLASS_COLOURS.get(c, "#777777") for c in rows["classe"]]
        ax.scatter(rows["score_global_t0"], rows["score_global"], s=size * 1.5, c=colours, alpha=max(alpha, 0.5),
                   edgecolors="#333333", linewidths=0.3 if len(rows) <= 400 else 0.0, zorder=3)
        up = int((rows["score_global"] > rows["score_global_t0"]).sum())
        down = int((rows["score_global"] < rows["score_global_t0"]).sum())
        ax.text(0.02, 0.97, f"Au-dessus de la diagonale : {up} en progrès", transform=ax.transAxes,
                va="top", fontsize=8.5, fontweight="bold", color="#1a6b3a")
        ax.text(0.98, 0.03, f"Sous la diagonale : {down} en recul", transform=ax.transAxes,
                ha="right", fontsize=8.5, fontweight="bold", color="#a02020")
        ax.set_xlim(0, 100)
        ax.set_ylim(0, 100)
        ax.set_xlabel(f"Score global au T0 ({campaign.t0_year}, %)")
        ax.set_ylabel(f"Score global {year} (%)")
    return fig


def _wrapped(text: str, width: int, lines: int = 2) -> str:
    """``text`` on at most ``lines`` lines of ``width`` characters (an ellipsis when cut)."""
    return "\n".join(textwrap.wrap(text, width, max_lines=lines, placeholder=" …")) or text


def progress_extremes(table: pd.DataFrame, campaign: Campaign, n: int) -> Figure:
    """The ``n`` largest and the ``n`` smallest changes since T0, named: T0 (open circle) to this
    year (class colour); with fewer than 2 × ``n`` establishments, each is shown once."""
    rows = table.dropna(subset=["evolution_t0"]).sort_values("evolution_t0", ascending=False)
    best = rows.head(n)
    worst = rows.drop(best.index).tail(n)
    shown = pd.concat([best, worst]).iloc[::-1]
    y = np.arange(len(shown), dtype=float)
    y[len(worst):] += 0.8  # a gap between the two groups
    with style():
        fig, ax = plt.subplots(figsize=(WIDTH, 0.3 * len(shown) + 1.4))
        margins(fig, left=3.15, right=0.55, top=0.35, bottom=0.55)
        for yi, r in zip(y, shown.itertuples()):
            ax.plot([r.score_global_t0, r.score_global], [yi, yi], color="#bbbbbb", lw=1.4, zorder=1)
            ax.scatter(r.score_global_t0, yi, s=26, facecolor="white", edgecolor="#555555", zorder=2)
            ax.scatter(r.score_global, yi, s=34, color=CLASS_COLOURS.get(str(r.classe), "#777777"),
                       edgecolor="#333333", linewidth=0.5, zorder=3)
            ax.annotate(f"{r.evolution_t0:+.1f}".replace(".", ",").replace("-", "\u2212"),
                        (max(r.score_global, r.score_global_t0), yi), xytext=(6, 0), textcoords="offset points",
                        va="center", fontsize=7.5)
        ax.set_yticks(y, [_wrapped(str(name), 48) for name in shown["raison_sociale"]], fontsize=7.5)
        if len(worst) and len(best):
            ax.axhline(len(worst) - 0.1, color="#cccccc", lw=0.6)
        ax.set_ylim(-0.8, (y.max() if len(y) else 0) + 0.8)
        if campaign.sanction_threshold is not None and not campaign.without_sanction:
            ax.axvline(campaign.sanction_threshold, color="#d73027", lw=0.8, ls="--")
        ax.set_xlim(0, 100)
        ax.set_xlabel(f"Score global (%) : cercle vide au T0 ({campaign.t0_year}), point coloré cette année")
        fig.text(0.01, 1 - 0.12 / fig.get_size_inches()[1], f"En haut, les {len(best)} plus fortes progressions ; "
                 f"en bas, les {len(worst)} évolutions les plus faibles", va="top", fontsize=8.5)
    return fig


def indicator_achievement(achievement: pd.DataFrame) -> Figure:
    """Mean points of global score lost per indicator, with the regional achievement rate; each
    indicator named by its code and its whole label (wrapped, never cut)."""
    rows = achievement.iloc[::-1]
    labels = [textwrap.fill(f"{code} — {label}", 52) for code, label in zip(rows["indicateur"], rows["libelle"])]
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    step = 0.12 * lines + 0.1
    y = np.arange(len(rows))
    with style():
        fig, ax = plt.subplots(figsize=(WIDTH, step * len(rows) + 0.9))
        margins(fig, left=3.3, right=0.15, top=0.15, bottom=0.55)
        ax.barh(y, rows["points_perdus"], color=[_chapter_colour(c) for c in rows["chapitre"]],
                height=min(0.7, 0.22 / step + 0.3))
        for yi, (_, r) in zip(y, rows.iterrows()):
            ax.annotate(f"{fmt_pct(r['taux_atteinte'], 0)} d'atteinte", (r["points_perdus"], yi), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=7.5)
        ax.set_yticks(y, labels, fontsize=7.2, linespacing=1.0)
        ax.tick_params(axis="y", pad=5)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_num(v, 1)))
        ax.set_xlim(0, rows["points_perdus"].max() * 1.6 if len(rows) else 1)
        ax.set_xlabel("Points de score global perdus en moyenne\npar établissement concerné")
    return fig


def regions_classes(regions: pd.DataFrame, campaign: Campaign) -> Figure:
    """Share of each class per region (100 % stacked bars, counts inside), the whole country last.

    ``regions``: region, n and one count column per class name."""
    names = list(campaign.classes)
    rows = regions.iloc[::-1]
    y = np.arange(len(rows), dtype=float)
    y[0] -= 0.4 if len(rows) > 1 else 0.0  # the whole country apart, at the bottom
    counts = rows[names].to_numpy(dtype=float)
    shares = 100 * counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    with style():
        fig, ax = plt.subplots(figsize=(WIDTH, 0.32 * len(rows) + 1.3))
        margins(fig, left=2.2, right=0.3, top=0.45, bottom=0.5)
        left = np.zeros(len(rows))
        for k, name in enumerate(names):
            colour = CLASS_COLOURS.get(name, "#777777")
            ax.barh(y, shares[:, k], left=left, height=0.7, color=colour, edgecolor="white", linewidth=0.5,
                    label=f"Classe {name}")
            for yi, lo, share, n in zip(y, left, shares[:, k], counts[:, k]):
                if share >= 6:
                    ax.text(lo + share / 2, yi, str(int(n)), ha="center", va="center", fontsize=7.5,
                            color="white" if name in ("A", "E") else "#222222")
            left += shares[:, k]
        ax.set_yticks(y, [f"{r} (n = {int(n)})" for r, n in zip(rows["region"], rows["n"])], fontsize=8)
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 20), [f"{v} %" for v in range(0, 101, 20)])
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(names), fontsize=8)
    return fig


def regions_scores(table: pd.DataFrame, campaign: Campaign, order: list[str]) -> Figure:
    """Global score per region (in ``order``, top to bottom): quartiles (box), median (bar),
    min–max (line), mean (diamond); sanction threshold dashed. Drawn from the quantiles (the
    same in every Matplotlib version)."""
    stats = (table.groupby("region")["score_global"].describe()[["min", "25%", "50%", "75%", "max", "mean"]]
             .reindex(order))
    y = np.arange(len(stats))[::-1].astype(float)
    with style():
        fig, ax = plt.subplots(figsize=(WIDTH, 0.32 * len(stats) + 1.0))
        margins(fig, left=2.2, right=0.3, top=0.15, bottom=0.5)
        ax.hlines(y, stats["min"], stats["max"], color="#777777", lw=1)
        ax.barh(y, stats["75%"] - stats["25%"], left=stats["25%"], height=0.6, color="#d9d9d9", edgecolor="#555555")
        ax.vlines(stats["50%"], y - 0.3, y + 0.3, color="#111111", lw=2)
        ax.scatter(stats["mean"], y, marker="D", s=22, color="#0072B2", zorder=3)
        if campaign.sanction_threshold is not None and not campaign.without_sanction:
            ax.axvline(campaign.sanction_threshold, color="#d73027", lw=0.8, ls="--")
        ax.set_yticks(y, [str(r) for r in stats.index], fontsize=8)
        ax.set_xlim(0, 100)
        ax.set_xlabel("Score global (%)")
    return fig


def figure_svg(fig: Figure) -> bytes:
    """SVG bytes of a figure (then closed), reproducible (no date, fixed ids), text kept as text."""
    buffer = io.BytesIO()
    with style():
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return buffer.getvalue()
