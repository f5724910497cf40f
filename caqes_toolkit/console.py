"""The command line's text in the console's encoding, whatever it is: never an error, never a « ? ».

A French Windows writes a redirected output (``caqes validate … > anomalies.txt``) in
Windows-1252, which lacks characters every French number holds: U+202F (narrow no-break space,
thousands and units) and U+2212 (minus sign), and a few of the messages' (≥, ≤, →). Python
would stop on the first one (standard output) or print it as ``\\u202f`` (standard error).
:func:`fit_streams` makes both streams write the nearest character the encoding has
(:data:`NEAREST`), else the letter without its accent, else the escape ``\\u…`` as a last
resort. A UTF-8 console (Linux, macOS, the Windows console itself) is unchanged.
"""

from __future__ import annotations

import codecs
import io
import sys
import unicodedata
from typing import TextIO

__all__ = ["NEAREST", "fit_streams", "handler", "nearest"]

#: Characters of the French texts that legacy encodings lack, and their nearest ones, best first.
NEAREST: dict[str, tuple[str, ...]] = {
    "\u202f": ("\u00a0", " "),  # narrow no-break space → no-break space (Windows-1252 has it)
    "\u00a0": (" ",),
    "\u2212": ("-",),  # minus sign
    "\u2265": (">=",),
    "\u2264": ("<=",),
    "\u2192": ("->",),
    "\u2248": ("~",),
    "\u221e": ("infini",),
    "«": ('"',),
    "»": ('"',),
    "…": ("...",),
    "—": ("-",),
    "–": ("-",),
    "’": ("'",),
    "€": ("EUR",),
}


def _fits(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def nearest(char: str, encoding: str) -> str:
    """``char`` as ``encoding`` can write it (see the module's docstring)."""
    bare = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    for candidate in (*NEAREST.get(char, ()), bare):
        if candidate and _fits(candidate, encoding):
            return candidate
    return char.encode("ascii", "backslashreplace").decode("ascii")


def handler(encoding: str) -> str:
    """The name of the codec error handler that writes the nearest characters ``encoding`` has
    (registered on first use: a handler is told the codec, not the encoding, « charmap » for
    Windows-1252)."""
    name = f"caqes-console-{codecs.lookup(encoding).name}"
    try:
        codecs.lookup_error(name)
    except LookupError:
        def degrade(error: UnicodeError) -> tuple[str, int]:
            if not isinstance(error, UnicodeEncodeError):
                raise error
            return "".join(nearest(c, encoding) for c in error.object[error.start:error.end]), error.end

        codecs.register_error(name, degrade)
    return name


def fit_streams(*streams: TextIO) -> None:
    """Make ``streams`` (default: standard output and error) write what their encoding lacks as
    its nearest characters. Streams that are not plain text files (a test's capture) are left alone."""
    for stream in streams or (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors=handler(stream.encoding))
