"""Batches: one list of the input files keys every cache; Ctrl-C at any moment of ``caqes reports``
ends in one French line, exit 130, nothing half-written; ``--jobs`` never exceeds the CPUs."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from caqes_toolkit.data.load import load_dataset
from caqes_toolkit.data.names import input_files
from caqes_toolkit.evaluation.region import file_key, load_region
from caqes_toolkit.run.batch import TEMPLATE, make_jobs
from caqes_toolkit.run.render import chromium_available
from caqes_toolkit.run.resume import batch_key

from .conftest import CAMPAIGN_2018, CAMPAIGN_2019, ROOT, SAMPLE, plain_spaces

OLD, NEW = "094869773,2019,A01,non", "094869773,2019,A01,oui"


def _keys(data: Path, campaign, tmp_path: Path) -> dict[str, object]:
    """What each cache keys a request on, and the files the loader read."""
    dataset = load_dataset(data, campaign)
    (job,) = make_jobs(data, CAMPAIGN_2019, 2019, tmp_path / "out", ["094869773"], ("html",),
                       sources=dataset.sources)
    return {"fingerprint": job.fingerprint, "resume": batch_key(data, [CAMPAIGN_2019], [TEMPLATE], year=2019),
            "cache": file_key(data), "read": sorted(s.name for s in dataset.sources),
            "listed": [p.name for p in input_files(data)]}


def test_one_list_of_input_files_keys_the_cache_the_fingerprint_and_the_resume(tmp_path, campaign_2019):
    data = tmp_path / "donnees"
    shutil.copytree(SAMPLE, data)
    first = _keys(data, campaign_2019, tmp_path)
    assert first["listed"] == first["read"]

    (data / "resultats.csv").rename(data / "Resultats.CSV")  # renamed: still read by the loader
    renamed = _keys(data, campaign_2019, tmp_path)
    assert renamed["listed"] == renamed["read"] and "Resultats.CSV" in renamed["read"]
    for key in ("fingerprint", "resume", "cache"):
        assert renamed[key] != first[key], key

    before = load_region(data, CAMPAIGN_2019)[0].results  # a long-lived process (JupyterLab, a Dask worker)
    text = (data / "Resultats.CSV").read_text(encoding="utf-8")
    assert OLD in text
    (data / "Resultats.CSV").write_text(text.replace(OLD, NEW), encoding="utf-8")  # edited
    edited = _keys(data, campaign_2019, tmp_path)
    for key in ("fingerprint", "resume", "cache"):
        assert edited[key] != renamed[key], key
    after = load_region(data, CAMPAIGN_2019)[0].results
    row = (after["finess"] == "094869773") & (after["annee"] == 2019) & (after["indicateur"] == "A01")
    assert after.loc[row, "valeur"].tolist() == [1.0] and not before.equals(after)  # not the stale region

    (data / "notes.txt").write_text("des notes à côté des données", encoding="utf-8")  # never read
    (data / ".~lock.Resultats.CSV#").write_text("verrou de LibreOffice", encoding="utf-8")
    assert _keys(data, campaign_2019, tmp_path) == edited


# --- Ctrl-C --------------------------------------------------------------------------------------

THREE = "094869773,2A5477391,017462946"
_ENGLISH = re.compile(r"Traceback|Error|Exception|never retrieved|KeyboardInterrupt|Aborted")


def _reports(out: Path, delay: float | None) -> tuple[subprocess.CompletedProcess, float]:
    """``caqes reports`` as a terminal runs it (its own process group), Ctrl-C sent to the whole
    group after ``delay`` seconds (as a terminal sends it), and the seconds until its end."""
    command = [sys.executable, "-m", "caqes_toolkit", "reports", str(SAMPLE), "-c", str(CAMPAIGN_2018), "-c",
               str(CAMPAIGN_2019), "-y", "2019", "--out", str(out), "--formats", "html,pdf", "--jobs", "2",
               "--finess", THREE]  # with the campaign of N−1: no warning, the Ctrl-C line is the only one
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            start_new_session=True)
    if delay is not None:
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)
    start = time.monotonic()
    try:
        stdout, stderr = proc.communicate(timeout=600)
    finally:
        _wait_for_group(proc.pid)
    return subprocess.CompletedProcess(command, proc.returncode, stdout, stderr), time.monotonic() - start


def _wait_for_group(group: int) -> None:
    """Every process of the command's group ends with it (the forkserver once its imports are done)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.killpg(group, signal.SIGKILL)
    raise AssertionError("des processus du lot survivent à la commande")


def _complete(path: Path) -> bool:
    """Whether an output file is whole (a truncated one fails to parse or lacks its end)."""
    data = path.read_bytes()
    if path.suffix in (".ipynb", ".json"):
        json.loads(data)
        return True
    if path.suffix == ".pdf":
        return data.startswith(b"%PDF") and b"%%EOF" in data[-1024:]
    if path.suffix == ".html":
        return data.rstrip().endswith(b"</html>")
    if path.suffix == ".xlsx":
        openpyxl.load_workbook(path).close()
        return True
    return path.name == ".caqes.lock"


@pytest.mark.slow
@pytest.mark.skipif(not chromium_available(), reason="Chromium absent")
def test_ctrl_c_at_any_moment_of_a_batch_says_one_french_line_and_leaves_nothing_half_written(tmp_path,
                                                                                          start_method):
    out = tmp_path / "rapports"
    seen = []
    for delay in (0.8, 1.5, 2.5, 4.0, 6.0):  # not sooner: Python itself is starting, no code of ours runs yet
        run, stopping = _reports(out, delay)
        seen.append(run.returncode)
        if run.returncode == 0:  # the batch was over before the signal (a fast machine), or earlier runs made it all
            made = re.search(r"([0-9]+) rapports? produits?, ([0-9]+) déjà à jour, 0 échec", run.stdout)
            assert made and int(made[1]) + int(made[2]) == 3, run.stdout
            continue
        assert run.returncode == 130, run.stderr
        lines = [line for line in run.stderr.splitlines() if not line.startswith("Rapports 2019")]  # progress bar
        assert len(lines) == 1 and plain_spaces(lines[0]).startswith("Interrompu (Ctrl-C) : "), run.stderr
        assert "relancez" in lines[0] and not _ENGLISH.search(run.stderr) and run.stdout == ""
        assert stopping < 30  # stops at once, workers and Chromium included
        files = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
        assert not [p for p in files if p.name.endswith(".tmp")]
        assert all(_complete(p) for p in files if p.suffix != "" or p.name == ".caqes.lock"), files
        if (out / ".caqes-lot.json").exists():  # the batch was recorded whole before the signal: it is whole
            assert all((out / finess / "rapport.pdf").exists() for finess in THREE.split(","))
    assert seen.count(130) >= 2 and seen == sorted(seen, reverse=True), seen  # only the latest ones complete
    again, _ = _reports(out, None)  # the same command completes what is missing
    assert again.returncode == 0, again.stderr
    assert all((out / finess / "rapport.pdf").exists() for finess in THREE.split(","))


def test_jobs_are_capped_to_the_available_cpus(tmp_path, monkeypatch):
    from caqes_toolkit.cli import app
    from caqes_toolkit.run import pool

    from .test_pool import stub_notebook

    spawned = []
    real = pool.Pool._spawn
    monkeypatch.setattr(pool, "available_cpus", lambda: 1)
    monkeypatch.setattr(pool.Pool, "_spawn", lambda self: spawned.append(1) or real(self))
    run = CliRunner().invoke(app, ["reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "--out",
                                   str(tmp_path / "r"), "--formats", "html", "--jobs", "1000", "--finess", THREE,
                                   "--notebook", str(stub_notebook(tmp_path / "nb.ipynb"))])
    assert run.exit_code == 0, run.output
    assert "--jobs 1000 ramené à 1 : processeurs disponibles" in plain_spaces(run.output)
    assert len(spawned) == 1
