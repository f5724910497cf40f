"""The one Jinja2 environment of the package's templates (``documents/templates``).

Every HTML document renders through :func:`environment`: values are escaped (autoescape), an
undefined name is an error rather than an empty string, and block tags leave no stray whitespace.
nbconvert builds its own environment; it is given :data:`TEMPLATES_DIR` as an extra template path.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

__all__ = ["TEMPLATES_DIR", "environment"]

#: The folder of the package's templates and style sheets.
TEMPLATES_DIR = Path(__file__).resolve().with_name("templates")


@cache
def environment() -> jinja2.Environment:
    """The package's Jinja2 environment (one per process)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("caqes_toolkit.documents", "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )
