"""Report batches end to end: outputs, failure isolation, resume after a kill, Dask, safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.errors import CaqesError
from caqes_toolkit.run.batch import TEMPLATE, make_jobs, run_jobs
from caqes_toolkit.run.execute import run_fresh
from caqes_toolkit.run.render import chromium_available

from .conftest import CAMPAIGN_2019, SAMPLE, plain_spaces

pytestmark = pytest.mark.slow
needs_chromium = pytest.mark.skipif(not chromium_available(), reason="Chromium absent")
runner = CliRunner()
THREE = ["094869773", "2A5477391", "017462946"]
CAQES = str(Path(sys.executable).with_name("caqes"))


def _outputs(nb) -> list:
    """Cell sources and outputs, without execution timings and counts."""
    return [(c.source, [{k: v for k, v in o.items() if k != "execution_count"} for o in c.get("outputs", [])])
            for c in nb.cells if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])]


def _with_cell(folder: Path, source: str) -> Path:
    """The real report notebook with one more cell after the parameters (an injected fault)."""
    nb = nbformat.read(TEMPLATE, as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell(source))
    path = folder / "rapport_avec_panne.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture
def failing_notebook(tmp_path: Path) -> Path:
    """The report notebook with a cell that fails for one establishment."""
    return _with_cell(tmp_path, 'if finess == "2A5477391":\n    raise RuntimeError("panne simulée")')


@needs_chromium
def test_batch_writes_every_output(tmp_path: Path, start_method: str):
    out = tmp_path / "rapports"
    result = runner.invoke(app, ["reports", str(SAMPLE), "--campaign", str(CAMPAIGN_2019), "--year", "2019",
                                 "--out", str(out), "--finess", ",".join(THREE), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    for finess in THREE:
        folder = out / finess
        assert {p.name for p in folder.iterdir()} >= {"rapport.ipynb", "rapport.html", "rapport.pdf",
                                                      "scores.json", ".caqes-done.json"}
        scores = json.loads((folder / "scores.json").read_text(encoding="utf-8"))
        pdf_text = "".join(page.extract_text() for page in PdfReader(folder / "rapport.pdf").pages)
        score = f"{scores['score_global']:.1f}".replace(".", ",")
        assert scores["raison_sociale"] in pdf_text.replace("\n", " ")
        assert score in pdf_text and "Page 1 / " in pdf_text
        html = (folder / "rapport.html").read_text(encoding="utf-8")
        assert "<script" not in html and "src=\"http" not in html
        nb = nbformat.read(folder / "rapport.ipynb", as_version=4)
        assert nb.metadata.papermill.parameters["finess"] == finess
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f"{f}/rapport.pdf" in index for f in THREE)
    assert (out / "scores.xlsx").exists()


def test_one_failure_never_stops_the_others(tmp_path: Path, failing_notebook: Path, start_method: str):
    out = tmp_path / "rapports"
    result = runner.invoke(app, ["reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "--out", str(out),
                                 "--finess", ",".join(THREE), "--formats", "html", "--jobs", "1",
                                 "--notebook", str(failing_notebook)])
    assert result.exit_code == 1
    assert "2A5477391" in result.output and "RuntimeError: panne simulée" in result.output
    failed = nbformat.read(out / "2A5477391" / "rapport.ipynb", as_version=4)
    assert "An Exception was encountered at" in json.dumps(failed)  # Papermill's banner
    broken = next(c for c in failed.cells if any(o.get("output_type") == "error" for o in c.get("outputs", [])))
    assert "panne simulée" in broken.source
    assert f"cellule [{broken.execution_count}]" in result.output
    assert f"notebook : {out / '2A5477391' / 'rapport.ipynb'}" in plain_spaces(result.output)
    assert not (out / "2A5477391" / "rapport.html").exists()
    for finess in ("094869773", "017462946"):
        assert (out / finess / "rapport.html").exists()
    assert "échec" in (out / "index.html").read_text(encoding="utf-8")


def test_a_worker_whose_report_failed_is_replaced(tmp_path: Path, start_method: str):
    notebook = _with_cell(tmp_path, 'import os\nprint("processus", os.getpid())\n'
                                    'if finess == "2A5477391":\n    raise RuntimeError("panne simulée")')
    jobs = make_jobs(SAMPLE, CAMPAIGN_2019, 2019, tmp_path / "out", THREE, ("html",), template=notebook)
    outcomes = run_jobs(jobs, workers=1)
    assert [(o.finess, o.status) for o in outcomes] == [
        ("094869773", "ok"), ("2A5477391", "failed"), ("017462946", "ok")]

    def pid(finess: str) -> str:
        nb = nbformat.read(tmp_path / "out" / finess / "rapport.ipynb", as_version=4)
        return next(o.text for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stdout")

    assert pid("094869773") == pid("2A5477391") != pid("017462946")  # a new process, hence a new kernel


def test_a_worker_killed_during_a_report_fails_that_report_only(tmp_path: Path, start_method: str):
    notebook = _with_cell(tmp_path, 'import os, signal\nif finess == "2A5477391":\n'
                                    '    os.kill(os.getpid(), signal.SIGKILL)')
    jobs = make_jobs(SAMPLE, CAMPAIGN_2019, 2019, tmp_path / "out", THREE, ("html",), template=notebook)
    outcomes = {o.finess: o for o in run_jobs(jobs, workers=2)}
    assert outcomes["2A5477391"].status == "failed"
    assert "processus de travail s'est arrêté (code -9)" in outcomes["2A5477391"].error
    assert outcomes["094869773"].status == outcomes["017462946"].status == "ok"
    assert (tmp_path / "out" / "017462946" / "rapport.html").exists()


def test_resume_after_a_kill(tmp_path: Path, start_method: str):
    out = tmp_path / "rapports"
    cmd = [CAQES, "reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "--out", str(out),
           "--formats", "html", "--jobs", "1", "--finess", ",".join(THREE)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.glob("*/.caqes-done.json")):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the batch and its kernel, at once
    proc.wait()
    done = list(out.glob("*/.caqes-done.json"))
    assert 1 <= len(done) < 3
    for html in out.glob("*/rapport.html"):  # never a truncated report
        assert html.read_text(encoding="utf-8").rstrip().endswith("</html>")
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert f"{len(done)} déjà à jour" in result.stdout
    assert len(list(out.glob("*/.caqes-done.json"))) == 3
    assert not list(out.glob("*/.*.tmp"))
    again = subprocess.run([*cmd, "--force"], capture_output=True, text=True, check=False)
    assert "3 rapports produits, 0 déjà à jour" in again.stdout


def test_resume_remakes_a_report_after_an_edit_of_an_upper_case_csv(tmp_path: Path):
    """The loader reads ``resultats.CSV``; the resume fingerprint covers exactly what it read."""
    import shutil

    from caqes_toolkit import load_campaign, load_dataset, score

    data = tmp_path / "donnees"
    shutil.copytree(SAMPLE, data)
    (data / "resultats.csv").rename(data / "resultats.CSV")
    out = tmp_path / "rapports"
    cmd = ["reports", str(data), "-c", str(CAMPAIGN_2019), "-y", "2019", "--out", str(out), "--formats", "html",
           "--jobs", "1", "--finess", "094869773"]

    def report() -> tuple[str, float]:
        result = runner.invoke(app, cmd)
        assert result.exit_code == 0, result.output
        scores = json.loads((out / "094869773" / "scores.json").read_text(encoding="utf-8"))
        return result.output, scores["score_global"]

    def expected() -> float:
        campaign = load_campaign(CAMPAIGN_2019)
        table = score(load_dataset(data, campaign), campaign, [2019]).establishments.set_index("finess")
        return table.loc["094869773", "score_global"]

    output, before = report()
    assert "1 rapport produit," in output and before == pytest.approx(expected())
    assert "0 rapport produit, 1 déjà à jour" in report()[0]
    text = (data / "resultats.CSV").read_text(encoding="utf-8")
    assert "094869773,2019,A01,non" in text
    (data / "resultats.CSV").write_text(text.replace("094869773,2019,A01,non", "094869773,2019,A01,oui"),
                                        encoding="utf-8")
    output, after = report()
    assert "1 rapport produit, 0 déjà à jour" in output
    assert after == pytest.approx(expected()) and after > before  # A01 now met: the score rises
    html = (out / "094869773" / "rapport.html").read_text(encoding="utf-8")
    assert f"{after:.1f}".replace(".", ",") in html


def test_batch_report_identical_to_a_fresh_papermill_run(tmp_path: Path):
    jobs = make_jobs(SAMPLE, CAMPAIGN_2019, 2019, tmp_path / "batch", ["2A5477391", "094869773"], ("html",))
    outcomes = run_jobs(jobs, workers=1)  # the second report runs in a kernel already used once
    assert [o.status for o in outcomes] == ["ok", "ok"]
    warm = nbformat.read(tmp_path / "batch" / "094869773" / "rapport.ipynb", as_version=4)
    fresh = run_fresh(TEMPLATE, tmp_path / "fresh.ipynb", jobs[1].parameters, cwd=TEMPLATE.parent)
    assert _outputs(warm) == _outputs(fresh)


def test_dask_local_cluster(tmp_path: Path):
    from distributed import Client, LocalCluster

    jobs = make_jobs(SAMPLE, CAMPAIGN_2019, 2019, tmp_path / "dask", THREE[:2], ("html",))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        before = client.run(os.getpid)
        outcomes = run_jobs(jobs, scheduler=cluster.scheduler_address)
        again = run_jobs(jobs, scheduler=cluster.scheduler_address, force=True)  # the next batch, same worker
        time.sleep(1)
        assert client.run(os.getpid) == before  # the worker was never broken nor restarted
    assert sorted(o.status for o in [*outcomes, *again]) == ["ok"] * 4
    assert all((tmp_path / "dask" / f / "rapport.html").exists() for f in THREE[:2])


def test_output_paths_cannot_leave_the_folder(tmp_path: Path):
    with pytest.raises(CaqesError, match="sortirait"):
        make_jobs(SAMPLE, CAMPAIGN_2019, 2019, tmp_path, ["../evil"])


def test_quarto_renderer_needs_quarto(tmp_path: Path):
    import shutil

    result = runner.invoke(app, ["reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019",
                                 "--out", str(tmp_path), "--renderer", "quarto", "--finess", THREE[0]])
    if shutil.which("quarto") is None:
        assert result.exit_code == 1 and "quarto introuvable" in result.output
    else:
        assert result.exit_code == 0, result.output
        assert (tmp_path / THREE[0] / "rapport.html").exists()


def test_quarto_renders_the_notebook_executed_once(tmp_path: Path):
    """``--renderer quarto``: the report notebook is executed once, by papermill, and Quarto renders
    that executed notebook to each format, never executing it again; ``scores.json`` is what the
    notebook displayed (its declared output), not a computation of its own."""
    bin_dir, log = tmp_path / "bin", tmp_path / "quarto.log"
    bin_dir.mkdir()
    fake = bin_dir / "quarto"  # records its arguments and writes the file it is asked for
    fake.write_text(f"#!{sys.executable}\nimport sys\nargs = sys.argv[1:]\n"
                    f"open({str(log)!r}, 'a').write(' '.join(args) + '\\n')\n"
                    "open(args[args.index('--output') + 1], 'w').write('rendu par quarto')\n", encoding="utf-8")
    fake.chmod(0o755)
    out = tmp_path / "rapports"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run([CAQES, "reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "--out", str(out),
                           "--finess", THREE[0], "--renderer", "quarto", "--jobs", "1"],
                          capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert log.read_text(encoding="utf-8").splitlines() == [
        "render rapport.ipynb --to html --output rapport.html", "render rapport.ipynb --to pdf --output rapport.pdf"]
    folder = out / THREE[0]
    assert (folder / "rapport.pdf").read_text(encoding="utf-8") == "rendu par quarto"
    nb = nbformat.read(folder / "rapport.ipynb", as_version=4)
    shown = [o["data"]["application/vnd.caqes.scores+json"] for c in nb.cells for o in c.get("outputs", [])
             if "application/vnd.caqes.scores+json" in o.get("data", {})]
    assert json.loads((folder / "scores.json").read_text(encoding="utf-8")) == shown[-1]
    assert shown[-1]["finess"] == THREE[0] and (folder / ".caqes-done.json").exists()
