"""The disposable worker pool and the per-report time limit of ``caqes reports``."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.run.pool import Failure, Pool

from .conftest import CAMPAIGN_2019, ROOT, SAMPLE
from .pool_jobs import loaded, pid, square

runner = CliRunner()
SCORES = "application/vnd.caqes.scores+json"


def stub_notebook(path: Path, extra: str = "") -> Path:
    """A report notebook that only shows its figures (and runs ``extra`` first)."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    params = nbformat.v4.new_code_cell('finess = ""\nannee = 0\ndonnees = ""\ncampagne = ""\n'
                                       'campagne_precedente = ""\nautre_annee = False\nphase = 2')
    params.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell(
        f"{extra}\nfrom IPython.display import display\n"
        f'display({{"{SCORES}": {{"finess": finess, "raison_sociale": "Établissement " + finess}}}}, raw=True)')
    nb.cells = [params, nbformat.v4.new_markdown_cell("# Rapport d'essai"), body]
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_pool_replaces_workers_after_an_error_a_death_and_a_timeout(start_method: str) -> None:
    results: dict[int, object] = {}
    start = time.monotonic()
    with Pool(square, workers=2, time_limit=3) as pool:
        pool.run([1, 2, 3, 4, 5, 6, 7], lambda job, result: results.__setitem__(job, result))
    assert time.monotonic() - start < 40
    assert {k: v for k, v in results.items() if not isinstance(v, Failure)} == {1: 1, 2: 4, 6: 36, 7: 49}
    assert results[3] == Failure("error", "ValueError: trois")
    assert results[4] == Failure("died", "le processus de travail s'est arrêté (code -9)")
    assert results[5] == Failure("timeout", "délai dépassé (3 s)")


@pytest.mark.slow
def test_a_retired_worker_is_replaced_by_a_new_process(start_method: str) -> None:
    pids: list[int] = []
    with Pool(pid, workers=1, retire=lambda result: len(pids) == 1) as pool:
        pool.run([1, 2, 3], lambda job, result: pids.append(result))
    assert pids[0] == pids[1] != pids[2]  # retired after its second job


@pytest.mark.slow
def test_an_endless_report_fails_after_the_timeout_and_the_others_are_made(tmp_path: Path, start_method: str) -> None:
    endless = "2A5477391"
    notebook = stub_notebook(tmp_path / "boucle.ipynb", f'while finess == "{endless}":\n    pass')
    out = tmp_path / "rapports"
    start = time.monotonic()
    result = runner.invoke(app, ["reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "--out", str(out),
                                 "--finess", f"094869773,{endless},017462946", "--formats", "html", "--jobs", "2",
                                 "--notebook", str(notebook), "--timeout", "8"])
    assert result.exit_code == 1, result.output
    assert time.monotonic() - start < 90
    assert "2 rapports produits, 0 déjà à jour, 1 échec" in result.output
    assert f"{endless} — hors cellule — délai dépassé (8 s)" in result.output
    for finess in ("094869773", "017462946"):
        scores = json.loads((out / finess / "scores.json").read_text(encoding="utf-8"))
        assert scores == {"finess": finess, "raison_sociale": f"Établissement {finess}"}
        assert (out / finess / "rapport.html").exists()
    assert not (out / endless / "rapport.html").exists() and not (out / endless / ".caqes-done.json").exists()
    assert "délai dépassé (8 s)" in (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_spawned_worker_imports_the_preload_once_before_its_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    """(A forkserver imports it once for all its forks: the first pool of a process starts the
    server, whose preload the others share.)"""
    monkeypatch.setenv("CAQES_START_METHOD", "spawn")
    results: list[tuple[int, bool]] = []
    with Pool(loaded, workers=1, preload=["colorsys"]) as pool:
        pool.run(["colorsys", "colorsys"], lambda job, result: results.append(result))
    with Pool(loaded, workers=1) as pool:  # the control: nothing else imports it
        pool.run(["colorsys"], lambda job, result: results.append(result))
    assert pool.method == "spawn"
    (first, in_first), (second, in_second), (other, in_other) = results
    assert in_first and in_second and not in_other
    assert first == second != other  # one worker ran both jobs: its start-up was paid once


# In a new process: the first worker spawned there also starts multiprocessing's resource tracker.
CTRL_C_AT_ONCE = """
import os, signal
from caqes_toolkit.run.pool import Pool
from tests.pool_jobs import interrupts
results = []
with Pool(interrupts, workers=1) as pool:
    if pool.method == "spawn":  # start() started the worker: its Python is still starting
        os.kill(pool._slots[0].process.pid, signal.SIGINT)
    pool.run([1], lambda job, result: results.append(result))
print(results)
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="signaux POSIX (SIGINT envoyé à un processus, masque de signaux)")
def test_workers_ignore_ctrl_c_and_a_ctrl_c_while_a_spawned_worker_starts_is_not_for_it(start_method: str) -> None:
    run = subprocess.run([sys.executable, "-c", CTRL_C_AT_ONCE], capture_output=True, text=True, cwd=ROOT, check=False)
    assert run.returncode == 0 and run.stdout == "[(True, False)]\n", run.stderr  # ignored, no longer blocked
    assert run.stderr == ""


@pytest.mark.slow
def test_a_worker_still_starting_up_is_stopped_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAQES_START_METHOD", "spawn")
    pool: Pool[int, int] = Pool(square, workers=2, preload=["tests.pool_slow_start"])  # 30 s to start
    pool.start()
    workers = [slot.process for slot in pool._slots]
    start = time.monotonic()
    pool.close()
    assert time.monotonic() - start < 10
    assert len(workers) == 2 and not any(process.is_alive() for process in workers)


def test_timeout_option_is_checked() -> None:
    result = runner.invoke(app, ["reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "--out", "x", "--timeout", "0"])
    assert result.exit_code == 2


@pytest.mark.slow
def test_a_notebook_without_the_figures_output_fails_with_a_clear_message(tmp_path: Path) -> None:
    from caqes_toolkit.run.batch import make_jobs, run_jobs

    notebook = stub_notebook(tmp_path / "muet.ipynb")
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[-1].source = "print(finess)"  # the figures are not displayed
    nbformat.write(nb, notebook)
    jobs = make_jobs(SAMPLE, CAMPAIGN_2019, 2019, tmp_path / "out", ["094869773"], ("html",), template=notebook)
    [outcome] = run_jobs(jobs, workers=1)
    assert outcome.status == "failed" and SCORES in (outcome.error or "")
    assert (tmp_path / "out" / "094869773" / "rapport.ipynb").exists()  # the audit log is kept
    assert not (tmp_path / "out" / "094869773" / "scores.json").exists()


def test_figures_are_read_from_the_declared_output_only() -> None:
    from caqes_toolkit.errors import CaqesError
    from caqes_toolkit.run.scores import SCORES_MIME, scores_from_notebook

    def output(data: dict) -> nbformat.NotebookNode:
        return nbformat.v4.new_output("display_data", data=data)

    cell = nbformat.v4.new_code_cell("", outputs=[output({"text/plain": "{'score_global': 1}"}),
                                                  output({SCORES_MIME: {"score_global": 87.5}})])
    nb = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_code_cell("", outputs=[output({"text/plain": "x"})])])
    assert SCORES_MIME == SCORES and scores_from_notebook(nb) == {"score_global": 87.5}
    cell.outputs = cell.outputs[:1]  # a variable's repr is not the channel
    with pytest.raises(CaqesError, match=r"application/vnd\.caqes\.scores"):
        scores_from_notebook(nb)
    cell.outputs = [output({SCORES_MIME: [1, 2]})]
    with pytest.raises(CaqesError, match="objet JSON"):
        scores_from_notebook(nb)
