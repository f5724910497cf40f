"""French presentation of numbers: the one place that decides how a number reads in every output.

The policy, applied by :func:`fmt_num` and by every helper built on it:

* decimal comma, a fixed number of decimals (or, with ``trim``, at most that many);
* thousands grouped by U+202F NARROW NO-BREAK SPACE: « 12 345 678,9 »;
* U+202F also between a number and its unit (« 66,3 % », « 1 014,24 € », « −5,0 %/an »,
  « 3,2 points », « 12 k€ »), so that a unit never wraps onto the next line;
* negatives take U+2212 MINUS SIGN (« −3,2 »), never the ASCII hyphen; an explicit « + » only when
  asked (``sign=True``: changes, rates); a value that rounds to zero is unsigned (« 0,0 », never
  « −0,0 » or « +0,0 »);
* rounding is Python's (``format``): the nearest decimal, ties to even on an exactly
  representable half (2,5 → « 2 », 3,5 → « 4 »), as every report has always shown;
* a missing value (``None``, NaN, ``pd.NA``) reads « — »; infinities « ∞ » and « −∞ ».

Hand-written rather than ``babel.numbers``: babel's French locale groups thousands with U+202F but
writes « - » for negatives and a plain no-break space before « % », and ``decimals``/``trim``/``sign``
would still need wrapping.
"""

from __future__ import annotations

import math

__all__ = ["MINUS", "MISSING", "NNBSP", "fmt_euros", "fmt_num", "fmt_pct", "fmt_points", "fmt_rate"]

NNBSP = "\u202f"  #: narrow no-break space: thousands separator and before every unit
MINUS = "\u2212"  #: the minus sign of every negative number
MISSING = "—"  #: a value that is not known


def _missing(x: object) -> bool:
    try:
        return bool(x != x)  # NaN and pandas' NA (whose comparison is NA, whose bool raises)
    except TypeError:
        return True


def fmt_num(x: float | None, decimals: int = 1, *, trim: bool = False, sign: bool = False,
            unit: str | None = None) -> str:
    """A number in French (see the module's policy): « −3,2 », « 12 345,0 ».

    ``trim`` drops trailing zeros (« 85,4 », « 12 000 » with ``decimals=2``); ``sign`` writes « + »
    before a positive value; ``unit`` follows after a narrow no-break space.
    """
    if x is None or _missing(x):
        return MISSING
    value = float(x)
    if math.isinf(value):
        text = "∞"
    else:
        text = f"{abs(value):,.{decimals}f}"
        if trim and "." in text:
            text = text.rstrip("0").rstrip(".")
        text = text.replace(",", NNBSP).replace(".", ",")
    if text.strip("0,") and value < 0:  # not rounded to zero
        text = MINUS + text
    elif text.strip("0,") and sign and value > 0:
        text = "+" + text
    return f"{text}{NNBSP}{unit}" if unit else text


def fmt_pct(x: float | None, decimals: int = 1, *, sign: bool = False) -> str:
    """A percentage: « 66,3 % », « +1,25 % » with ``sign``."""
    return fmt_num(x, decimals, sign=sign, unit="%")


def fmt_rate(x: float | None, decimals: int = 1, *, sign: bool = False) -> str:
    """A yearly rate of change: « −5,0 %/an », « +3,2 %/an » with ``sign``."""
    return fmt_num(x, decimals, sign=sign, unit="%/an")


def fmt_points(x: float | None, decimals: int = 1, *, sign: bool = True) -> str:
    """A change in points of score: « +3,2 points », « −1,0 point », « 0,3 point » without ``sign``."""
    if x is None or _missing(x):
        return MISSING
    unit = "point" if abs(round(float(x), decimals)) < 2 else "points"
    return fmt_num(x, decimals, sign=sign, unit=unit)


def fmt_euros(x: float | None, decimals: int = 2) -> str:
    """An amount: « 1 014,24 € », « 100 000 € » with ``decimals=0``."""
    return fmt_num(x, decimals, unit="€")
