"""Batches: one list of the input files keys every cache; Ctrl-C at any moment of ``caqes reports``
ends in one French line, exit 130, nothing half-written; ``--jobs`` never exceeds the CPUs."""

from __future__ import annotations

import shutil
from pathlib import Path

from caqes_toolkit.data.load import load_dataset
from caqes_toolkit.data.names import input_files
from caqes_toolkit.evaluation.region import file_key, load_region
from caqes_toolkit.run.batch import TEMPLATE, make_jobs
from caqes_toolkit.run.resume import batch_key

from .conftest import CAMPAIGN_2019, SAMPLE

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
