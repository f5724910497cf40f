"""The fast answer of ``caqes reports`` when every report is up to date (caqes_toolkit.run.resume)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import CAMPAIGN_2019, SAMPLE
from .test_pool import stub_notebook

pytestmark = pytest.mark.slow
THREE = ["094869773", "2A5477391", "017462946"]
# Runs the command in this process and tells which heavy libraries it imported.
PROBE = ("import sys\nfrom caqes_toolkit.cli import app\n"
         "try:\n    app(sys.argv[1:], prog_name='caqes')\nexcept SystemExit as exc:\n    code = exc.code\n"
         "heavy = [m for m in ('pandas', 'papermill', 'nbconvert', 'nbformat', 'matplotlib', 'playwright') "
         "if m in sys.modules]\nprint('importés :', heavy, 'code :', code)")


def _reports(data: Path, out: Path, notebook: Path, *extra: str, finess: list[str] = THREE) -> str:
    args = ["reports", str(data), "-c", str(CAMPAIGN_2019), "-y", "2019", "--out", str(out), "--formats", "html",
            "--jobs", "2", "--finess", ",".join(finess), "--notebook", str(notebook), *extra]
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_up_to_date_reports_are_answered_without_reading_or_starting_anything(tmp_path: Path,
                                                                                start_method: str) -> None:
    data, out = tmp_path / "donnees", tmp_path / "rapports"
    shutil.copytree(SAMPLE, data)
    notebook = stub_notebook(tmp_path / "rapport.ipynb")
    first = _reports(data, out, notebook)
    assert "3 rapports produits, 0 déjà à jour" in first and "'nbconvert'" in first
    again = _reports(data, out, notebook)
    assert "0 rapport produit, 3 déjà à jour, 0 échec" in again
    assert "importés : [] code : 0" in again  # no pandas, no papermill, no notebook library

    (out / "2A5477391" / "rapport.html").unlink()  # one report lost: remade, the others skipped
    assert "1 rapport produit, 2 déjà à jour" in _reports(data, out, notebook)
    assert "0 rapport produit, 3 déjà à jour" in _reports(data, out, notebook)

    (data / "notes.txt").write_text("un fichier de plus dans le dossier de données", encoding="utf-8")
    unread = _reports(data, out, notebook)  # a file the loader does not read changes nothing
    assert "0 rapport produit, 3 déjà à jour" in unread and "importés : [] code : 0" in unread

    assert "3 rapports produits" in _reports(data, out, notebook, "--force")
    other = _reports(data, out, notebook, finess=["094869773"])  # another request
    assert "0 rapport produit, 1 déjà à jour" in other and "'pandas'" in other
