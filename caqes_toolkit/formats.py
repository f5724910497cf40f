"""French presentation: the one place that decides how a number, a count and a sentence read in
every output (reports, syntheses, method, index, workbooks, terminal).

Numbers — the policy applied by :func:`fmt_num` and by every helper built on it:

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

Punctuation — :func:`french_spacing` (plain text) and :func:`french_spacing_html` (the text of an
HTML page): one no-break space, U+202F NARROW NO-BREAK SPACE, inside « » and before ; : ! ? and %.
One character for every no-break space of every output, numbers included: a line never breaks
after « nor before ; and a test looks for one character only. U+202F rather than U+00A0: it is the
thin space French typesetting puts before ; ! ? and inside « » (the Imprimerie nationale's « espace
fine »), and the fonts the documents use (Liberation, DejaVu, Calibri) have it. Its one drawback, a
legacy Windows-1252 console that lacks it, is handled where text is printed: such a console gets
U+00A0 (:mod:`caqes_toolkit.console`). A text gets its spacing where a person reads it (the HTML
written, a workbook's cells, the terminal), so values quoted from the campaign or the data get it too;
it is idempotent.

Counts — :func:`plural` and :func:`agree`: « 1 établissement », « 0 échec », « 18 établissements
progressent » (the singular below 2, as French writes it), never a plural in brackets.
"""

from __future__ import annotations

import math
import re

__all__ = ["MINUS", "MISSING", "NNBSP", "agree", "fmt_euros", "fmt_num", "fmt_pct", "fmt_points", "fmt_rate",
           "french_spacing", "french_spacing_html", "plural", "plural_form"]

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


# --------------------------------------------------------------------------- punctuation
#: A space (plain or U+00A0, or the HTML entity of U+00A0) before ; : ! ? that ends a word group
#: (followed by a space, the end, or a closing sign): « Note : », never « http://» nor « a?b ».
_BEFORE_MARK = re.compile(r"(?:[ \u00a0]|&nbsp;|&#160;)+(?=[;:!?](?:[\s\u00a0\u202f»)\]\"'.,…<]|$))")
_AFTER_OPEN = re.compile(r"«(?:[ \u00a0\u202f]|&nbsp;|&#160;)*")
_BEFORE_CLOSE = re.compile(r"(?:[ \u00a0\u202f]|&nbsp;|&#160;)*»")
_BEFORE_PERCENT = re.compile(r"(?<=[0-9∞])(?:[ \u00a0]|&nbsp;|&#160;)?%")


def french_spacing(text: str) -> str:
    """``text`` with U+202F inside « » and before ; : ! ? and % (see the module's policy):
    « Score : 80 % » reads « Score\u202f: 80\u202f% »; idempotent."""
    if not any(c in text for c in ";:!?«»%"):
        return text
    text = _BEFORE_MARK.sub(NNBSP, text)
    text = _AFTER_OPEN.sub("«" + NNBSP, text)
    text = _BEFORE_CLOSE.sub(NNBSP + "»", text)
    return _BEFORE_PERCENT.sub(NNBSP + "%", text)


#: A tag, a comment or a declaration, and the elements whose content is not prose.
_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.S)
_RAW = re.compile(r"<(script|style|code|pre|textarea)\b", re.I)


def french_spacing_html(html: str) -> str:
    """:func:`french_spacing` applied to the text of an HTML page or fragment: tags, attributes,
    comments and the content of ``script``, ``style``, ``code``, ``pre`` and ``textarea`` are left
    as they are (code, file names, SHA-256)."""
    out: list[str] = []
    raw: str | None = None  # the element whose content is left alone, while inside it
    position = 0
    for tag in _TAG.finditer(html):
        text = html[position:tag.start()]
        out.append(text if raw else french_spacing(text))
        markup = tag.group()
        if raw is None:
            opening = _RAW.match(markup)
            if opening and not markup.endswith("/>"):
                raw = opening.group(1).lower()
        elif markup.lower().startswith(f"</{raw}"):
            raw = None
        out.append(markup)
        position = tag.end()
    tail = html[position:]
    out.append(tail if raw else french_spacing(tail))
    return "".join(out)


# --------------------------------------------------------------------------- counts
#: Words after which a phrase's words stay as they are in the plural (« contrat de volet » →
#: « contrats de volet », « établissement sans score » → « établissements sans score »).
_COMPLEMENT = frozenset({"à", "au", "aux", "avec", "chez", "dans", "de", "depuis", "des", "du", "en", "entre",
                         "par", "pour", "sans", "selon", "sous", "sur", "et", "ou"})
_INVARIABLE = frozenset({"non", "très", "plus", "moins", "déjà"})


def _plural_word(word: str) -> str:
    if word in _INVARIABLE or not word[-1:].isalpha() or word[-1] in "sxzSXZ" or word.isupper():
        return word
    if word.endswith(("eau", "au")):
        return word + "x"
    if word.endswith("al") and len(word) > 3:
        return word[:-2] + "aux"
    return word + "s"


def plural_form(singular: str) -> str:
    """The regular plural of a French noun phrase: each word up to the first complement (« de »,
    « sans », « d'… ») made plural, « non » and words in capitals left alone: « indicateur non
    renseigné » → « indicateurs non renseignés », « contrat de volet incitatif » → « contrats de
    volet incitatif », « plan d'actions » → « plans d'actions ». Give an irregular plural (a verb:
    « progresse » → « progressent ») to :func:`agree` yourself."""
    words = singular.split(" ")
    for k, word in enumerate(words):
        if word.lower() in _COMPLEMENT or "'" in word or "’" in word:
            break
        words[k] = _plural_word(word)
    return " ".join(words)


def agree(n: float, singular: str, plural: str | None = None) -> str:
    """The form of ``singular`` that agrees with ``n``: the singular below 2 (« 0 échec »,
    « 1 établissement »), else ``plural`` (default :func:`plural_form`)."""
    return singular if abs(n) < 2 else (plural if plural is not None else plural_form(singular))


def plural(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` and the phrase that agrees with it: « 1 établissement », « 18 établissements »,
    « 1 234 rapports » (thousands grouped as every number)."""
    return f"{fmt_num(n, 0)} {agree(n, singular, plural)}"
