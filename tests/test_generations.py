"""Each generation of contracts is one registered strategy: what the commands do differently for a
generation is asked of it, a third one is one more entry, and generation tests stay in the seam."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from caqes_toolkit.app.documents import synthesis_plan
from caqes_toolkit.cli import app
from caqes_toolkit.documents.generation import Generation, Unsupported
from caqes_toolkit.documents.generations import GENERATIONS, generation_of, register
from caqes_toolkit.errors import CaqesError
from caqes_toolkit.resources import notebook
from caqes_toolkit.rules.campaign import load_campaign

from .conftest import CAMPAIGN_2019, ROOT, SAMPLE

SAMPLE_2022 = ROOT / "data" / "exemple-2022"
CAMPAIGN_2022 = SAMPLE_2022 / "caqes-2022-region-fictive.yml"
PACKAGE = ROOT / "caqes_toolkit"
runner = CliRunner()


def test_each_campaign_names_its_generation_and_its_notebooks_ship() -> None:
    assert generation_of(load_campaign(CAMPAIGN_2019)).number == 1
    assert generation_of(load_campaign(CAMPAIGN_2022)).number == 2
    for generation in GENERATIONS.values():
        names = [generation.report_notebook, generation.synthesis_notebook, generation.national_notebook]
        assert all(notebook(n).is_file() for n in names if n is not None)
    assert GENERATIONS[1].national_notebook is not None and GENERATIONS[2].national_notebook is None


class _Third(Generation):
    number = 3
    ordinal = "troisième"
    report_notebook = "rapport_contrat.ipynb"
    synthesis_notebook = "synthese_contrats.ipynb"
    without_plans: ClassVar[str | None] = "pas de plan d'actions pour l'essai"


def test_a_third_generation_is_one_entry(tmp_path: Path) -> None:
    third = _Third()
    register(third)
    try:
        campaign = SimpleNamespace(generation=3, name="essai")
        assert generation_of(campaign) is third  # type: ignore[arg-type]
        plan = synthesis_plan(tmp_path, 2030, ["Bretagne", "Corse"], "", third, {"annee": 2030})
        assert [(p.kind, p.notebook.name) for p in plan] == [("region", "synthese_contrats.ipynb")] * 2
        with pytest.raises(Unsupported, match="campagne de troisième génération \\(generation: 3\\) : pas de plan"):
            third.refuse("plans")
    finally:
        del GENERATIONS[3]
    with pytest.raises(CaqesError, match="génération 3 inconnue"):
        generation_of(SimpleNamespace(generation=3, name="essai"))  # type: ignore[arg-type]


def test_both_shipped_generations_make_grids_and_plans() -> None:
    """Each fills the slots (the second generation's documents: tests/test_gen2_documents.py)."""
    for generation in GENERATIONS.values():
        assert generation.without_grids is None and generation.without_plans is None
        generation.refuse("grids")
        generation.refuse("plans")


def test_score_refuses_two_generations_and_a_detail_without_meaning(tmp_path: Path) -> None:
    dated = tmp_path / "c2023.yml"
    dated.write_text("annee: 2023\n" + CAMPAIGN_2022.read_text(encoding="utf-8"), encoding="utf-8")
    mixed = runner.invoke(app, ["score", str(SAMPLE_2022), "-c", str(CAMPAIGN_2019), "-c", str(dated),
                                "-y", "2019", "-y", "2023", "--out", str(tmp_path / "s.csv")])
    assert mixed.exit_code == 1
    assert "campagnes de première et de deuxième génération : lancez une commande par génération" in \
        " ".join(mixed.output.split())
    detail = runner.invoke(app, ["score", str(SAMPLE_2022), "-c", str(CAMPAIGN_2022), "-y", "2023",
                                 "--out", str(tmp_path / "s.csv"), "--detail", str(tmp_path / "d.csv")])
    assert detail.exit_code == 2
    assert "--detail : sans objet avec une campagne de deuxième génération" in " ".join(detail.output.split())
    assert not (tmp_path / "s.csv").exists()


def test_generation_tests_stay_in_the_rules_and_the_seam() -> None:
    """Outside rules/ and the seam, at most the two checks of evaluation/ (scoring refuses a campaign
    without a socle, money names the share the region must fill)."""
    seam = {PACKAGE / "documents" / "generation.py", PACKAGE / "documents" / "generations.py"}
    found = [f"{path.relative_to(PACKAGE)}:{n}" for path in sorted(PACKAGE.rglob("*.py"))
             if "rules" not in path.relative_to(PACKAGE).parts and path not in seam
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"second_generation|generation ==", line)]
    assert len(found) <= 2, found


def test_the_same_mistake_has_the_same_exit_status_in_every_command(tmp_path: Path) -> None:
    """An output file of the wrong kind is a usage error (2), said before anything is computed."""
    bad = str(tmp_path / "x.txt")
    commands = [["score", str(SAMPLE), "-c", str(CAMPAIGN_2019), "--out", bad],
                ["ciblage", str(SAMPLE_2022), "-c", str(CAMPAIGN_2022), "--out", bad],
                ["validate", str(SAMPLE), "-c", str(CAMPAIGN_2019), "--anomalies", bad],
                ["collecte", str(tmp_path), "-c", str(CAMPAIGN_2019), "--data", str(SAMPLE),
                 "--out", str(tmp_path / "d"), "--suivi", bad]]
    for args in commands:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "un fichier .csv ou .xlsx est attendu" in result.output
