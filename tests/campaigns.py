"""Campaign files written by the tests: the skeleton of each generation, written once here.

A test gives what it is about (its indicators, weights, volets, rates); :func:`socle` and
:func:`incentive` write a valid campaign around them. Indicators are YAML flow mappings, one a line
(``'{code: X1, libelle: "Binaire", chapitre: 1, …}'``); the keys of a volet are YAML as the file
holds them (``taux_cible="{2018: 1.0}"``, ``part_interessement=""`` for a key left empty). Each key
stands on its own line, in the order of the bundled campaigns, so a test may also replace a line.
"""

from __future__ import annotations

from collections.abc import Mapping

CLASSES: Mapping[str, float] = {"A": 80, "B": 70, "C": 50, "D": 30, "E": 0}


def flow(mapping: Mapping[object, object]) -> str:
    """A YAML flow mapping, texts quoted: ``{1: "Un", 2: "Deux"}``, ``{A: 80, E: 0}``."""
    return "{" + ", ".join(f'{k}: "{v}"' if isinstance(v, str) else f"{k}: {v}" for k, v in mapping.items()) + "}"


def socle(*indicators: str, name: str = "test", t0: int = 2017, threshold: float = 80,
          classes: Mapping[str, float] = CLASSES, weights: Mapping[int, float] | None = None,
          without_list: Mapping[int, float] | None = None, chapters: Mapping[int, str] | None = None,
          cap: float | None = None, sans_sanction: str | None = None) -> str:
    """A first-generation campaign scoring ``indicators``: one chapter « Un » weighing 100 unless
    ``chapters`` and ``weights`` are given (``without_list``: the weights without liste en sus, the
    same by default); ``cap``: the sanction's ``plafond_pct_produits_am``."""
    weights = weights or {1: 100}
    lines = [f"campagne: {name}", f"annee_t0: {t0}"]
    lines += [f"sans_sanction: {sans_sanction}"] if sans_sanction is not None else []
    lines += [f"seuil_sanction: {threshold}", f"classes: {flow(classes)}", "ponderations:",
              f"  avec_liste_en_sus: {flow(weights)}", f"  sans_liste_en_sus: {flow(without_list or weights)}"]
    lines += [f"sanction: {{plafond_pct_produits_am: {cap}}}"] if cap is not None else []
    lines += [f"chapitres: {flow(chapters or {1: 'Un'})}", "indicateurs:", *(f"  - {i}" for i in indicators)]
    return "\n".join(lines) + "\n"


def volet(code: str, label: str, *indicators: str, **keys: object) -> str:
    """One volet of a ``volets:`` list: its code and label, ``keys`` in the given order
    (``part_interessement=30, source='"test"'``), then its objectives."""
    lines = [f"  - code: {code}", f'    libelle: "{label}"', *(f"    {key}: {value}" for key, value in keys.items()),
             "    indicateurs:", *(f"      - {i}" for i in indicators)]
    return "\n".join(lines) + "\n"


def volets(*blocks: str) -> str:
    """The ``volets:`` key of :func:`volet` blocks, to follow a :func:`socle`."""
    return "volets:\n" + "".join(blocks)


def incentive(*blocks: str, name: str = "test") -> str:
    """A second-generation campaign (volets incitatifs only) of :func:`volet` blocks."""
    return f"campagne: {name}\ngeneration: 2\n" + volets(*blocks)
