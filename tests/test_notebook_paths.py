"""Notebooks copied elsewhere or run with a wrong path: a French message naming the parameter, no traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from caqes_toolkit.errors import CaqesError
from caqes_toolkit.notebook import check_inputs

from .conftest import CAMPAIGN_2018, CAMPAIGN_2019, ROOT, SAMPLE

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_check_inputs_accepts_existing_paths(tmp_path: Path) -> None:
    workbook = tmp_path / "region.xlsx"
    workbook.write_bytes(b"")  # a workbook is a file: accepted here, read (and judged) by the loader
    check_inputs(SAMPLE, CAMPAIGN_2019, CAMPAIGN_2018)
    check_inputs(workbook, str(CAMPAIGN_2019), "")


@pytest.mark.parametrize(("args", "parameter", "shown"), [
    (("absent", CAMPAIGN_2019), "donnees", "données introuvables : « absent »"),
    ((SAMPLE, "params/caqes-2091.yml"), "campagne", "fichier de campagne introuvable : « params/caqes-2091.yml »"),
    ((SAMPLE, CAMPAIGN_2019, "caqes-2018.yml"), "campagne_precedente", "« caqes-2018.yml »"),
    ((SAMPLE, SAMPLE), "campagne", "désigne un dossier"),
    (("  ", CAMPAIGN_2019), "donnees", "est vide"),
])
def test_check_inputs_names_the_parameter_to_correct(tmp_path: Path, monkeypatch, args, parameter, shown) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CaqesError) as info:
        check_inputs(*args)
    message = str(info.value)
    assert f"« {parameter} »" in message and shown in message
    if "introuvable" in shown:  # where a relative path was looked for, and from which folder
        assert str(tmp_path) in message


def _run(notebook: Path, folder: Path, **parameters) -> tuple[Exception, nbformat.NotebookNode]:
    import papermill

    out = folder / f"sortie-{notebook.name}"
    with pytest.raises(papermill.PapermillExecutionError) as info:
        papermill.execute_notebook(str(notebook), str(out), parameters=parameters, cwd=str(folder),
                                   progress_bar=False, log_output=False)
    return info.value, nbformat.read(out, as_version=4)


def _error_output(nb: nbformat.NotebookNode) -> tuple[str, dict]:
    """(source of the failing cell, its error output)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                return cell.source, output
    raise AssertionError("no error output")


@pytest.mark.slow
@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.stem)
def test_copied_notebook_says_which_path_is_wrong(tmp_path: Path, source: Path) -> None:
    folder = tmp_path / "ailleurs"
    folder.mkdir()
    notebook = folder / source.name
    shutil.copyfile(source, notebook)  # its default « ../data/… » no longer leads anywhere
    error, nb = _run(notebook, folder)
    cell, output = _error_output(nb)
    assert "check_inputs(" in cell  # stopped by the setup cell, before any other work
    assert error.ename == "CaqesError"
    assert output["traceback"] == [f"Erreur : {error.evalue}"]  # the message alone: no Python traceback
    assert "« donnees »" in error.evalue and str(tmp_path / "data") in error.evalue


@pytest.mark.slow
def test_wrong_campaign_parameter_and_later_errors_show_the_french_message_alone(tmp_path: Path) -> None:
    source = ROOT / "notebooks" / "rapport_etablissement.ipynb"
    error, nb = _run(source, tmp_path, donnees=str(SAMPLE), campagne="params/caqes-2091.yml")
    assert error.ename == "CaqesError" and "« campagne »" in error.evalue and "caqes-2091.yml" in error.evalue
    # an error of the package further down (an unknown FINESS) is shown the same way
    error, nb = _run(source, tmp_path, donnees=str(SAMPLE), campagne=str(CAMPAIGN_2019), finess="999999999")
    cell, output = _error_output(nb)
    assert "build_report(" in cell
    assert "999999999" in error.evalue
    assert output["traceback"] == [f"Erreur : {error.evalue}"]


@pytest.mark.slow
def test_kernel_without_the_package_gets_a_french_hint(tmp_path: Path) -> None:
    nb = nbformat.read(ROOT / "notebooks" / "rapport_etablissement.ipynb", as_version=4)
    # what a kernel without caqes_toolkit sees: importing it fails
    nb.cells.insert(0, nbformat.v4.new_code_cell('import sys\nsys.modules["caqes_toolkit"] = None'))
    notebook = tmp_path / "sans_paquet.ipynb"
    nbformat.write(nb, notebook)
    error, out = _run(notebook, tmp_path, donnees=str(SAMPLE), campagne=str(CAMPAIGN_2019))
    cell, _ = _error_output(out)
    assert "check_inputs" in cell
    assert error.ename == "ModuleNotFoundError"
    assert "caqes_toolkit n'est pas installé dans le noyau de ce notebook" in error.evalue
