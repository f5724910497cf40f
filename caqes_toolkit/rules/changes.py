"""What changed from one campaign to another (weights, classes, sanction, indicators, targets):
what a report says when two years are evaluated under different rules."""

from __future__ import annotations

from dataclasses import dataclass

from .campaign import Campaign

__all__ = ["RuleChange", "RuleValue", "compare_campaigns"]


#: A rule's value as the campaign file gives it (None when absent): a number, a text, a flag, a
#: weights or classes table, thresholds or activities.
RuleValue = (float | str | bool | None | dict[int, float] | dict[str, float] | tuple[str, ...]
             | tuple[tuple[float, float], ...])


@dataclass(frozen=True)
class RuleChange:
    """One difference between two campaigns.

    ``field`` is the campaign file's key (``cible``, ``seuils``, ``seuil_sanction``,
    ``ponderations.avec_liste_en_sus``…; ``indicateur`` for an indicator added or removed, whose
    values are then whether it is present); ``before`` and ``after`` are its typed values.
    ``code`` and ``label`` name the indicator, empty for a campaign-wide rule.
    """

    code: str
    label: str
    field: str
    before: RuleValue
    after: RuleValue


#: Indicator fields compared between campaigns: campaign file key → attribute.
_INDICATOR_FIELDS = {"cible": "target", "seuils": "thresholds", "regle": "rule", "sens": "direction",
                     "poids": "weight", "chapitre": "chapter", "activites": "activities"}


def compare_campaigns(old: Campaign, new: Campaign) -> list[RuleChange]:
    """What changed from ``old`` to ``new``: weights, classes, sanction, indicators and targets."""
    weights_old, weights_new = dict(old.weight_tables()), dict(new.weight_tables())
    campaign_wide: list[tuple[str, RuleValue, RuleValue]] = [
        ("generation", old.generation, new.generation),
        *((f"ponderations.{key}", weights_old.get(key), weights_new.get(key))
          for key in dict.fromkeys((*weights_old, *weights_new))),
        ("classes", old.classes, new.classes),
        ("seuil_sanction", old.sanction_threshold, new.sanction_threshold),
        ("sans_sanction", old.without_sanction, new.without_sanction),
    ]
    changes = [RuleChange("", "", field, a, b) for field, a, b in campaign_wide if a != b]
    for code in sorted(set(old.by_code) | set(new.by_code)):
        before, after = old.by_code.get(code), new.by_code.get(code)
        if before is None or after is None:
            label = next(i.label for i in (after, before) if i is not None)
            changes.append(RuleChange(code, label, "indicateur", before is not None, after is not None))
            continue
        changes.extend(RuleChange(code, after.label, key, getattr(before, name), getattr(after, name))
                       for key, name in _INDICATOR_FIELDS.items() if getattr(before, name) != getattr(after, name))
    return changes
