"""One Jinja2 environment for the package's templates (caqes_toolkit.documents.templating)."""

from __future__ import annotations

import jinja2
import pytest

from caqes_toolkit.documents.templating import TEMPLATES_DIR, environment


def test_one_environment_escaping_and_strict():
    env = environment()
    assert environment() is env
    assert env.from_string("{{ x }}").render(x="<script>") == "&lt;script&gt;"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()


def test_every_template_of_the_folder_compiles_in_it():
    """All but nbconvert's report template (it extends nbconvert's own « lab » template)."""
    names = sorted(p.name for p in TEMPLATES_DIR.glob("*.j2") if p.name != "caqes_report.html.j2")
    assert names == ["courrier.html.j2", "index.html.j2", "methode.html.j2", "methode_contrat.html.j2",
                     "sections.html.j2"]
    for name in names:
        environment().get_template(name)
