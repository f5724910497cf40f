"""The ceiling of an amount set as a share of an establishment's Assurance Maladie income
(``produits_am``): a volet's reversement (``plafond``) and the socle's sanction
(``plafond_pct_produits``). The one formula, used by the money, the scores and the documents."""

from __future__ import annotations

from typing import TypeVar

import numpy as np

__all__ = ["income_cap"]

Amount = TypeVar("Amount", float, np.ndarray)


def income_cap(percent: float, income: Amount) -> Amount:
    """``percent`` % of ``income`` (a number or an array of them, NaN where unknown)."""
    return percent / 100 * income
