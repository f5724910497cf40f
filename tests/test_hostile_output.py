"""Hostile names and hostile surroundings for every output: no live formula, no overwritten input,
no traceback, no command that ends with status 0 having done nothing, no markup read in a value,
no two commands in one folder, resume made from exactly what the loader read."""

from __future__ import annotations

import errno
import os
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from filelock import FileLock
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from typer.testing import CliRunner

from caqes_toolkit import load_dataset, outputs, score
from caqes_toolkit.cli import app, plain
from caqes_toolkit.documents.plan import write_plans
from caqes_toolkit.errors import CaqesError
from caqes_toolkit.outputs import LOCK_NAME, check_outputs, describe_os_error, write_table
from caqes_toolkit.run import batch, jobs
from caqes_toolkit.run.batch import make_jobs

from .conftest import CAMPAIGN_2019, SAMPLE, make_dataset, plain_spaces
from .test_scoring import ES_A, ES_B, MATURITY, REFERENCES, RESULTS

runner = CliRunner()
HYPERLINK = '=HYPERLINK("http://x","clic")'
DDE = "=cmd|' /C calc'!A0"
HOSTILE_NAMES = [HYPERLINK, DDE, "+1", "@SUM(A1)", "-2+3"]
REGION = "@SUM(A1)"
CAMPAIGN_NAME = "-2+3"
LABEL, ACTION = HYPERLINK, "+1"


# --------------------------------------------------------------------------- fixtures
@pytest.fixture
def hostile_data(tmp_path: Path) -> Path:
    """The sample region with formula-like names, a formula-like region and reason."""
    folder = tmp_path / "donnees"
    shutil.copytree(SAMPLE, folder)
    es = pd.read_csv(folder / "etablissements.csv", dtype=str, keep_default_na=False)
    es.loc[: len(HOSTILE_NAMES) - 1, "raison_sociale"] = HOSTILE_NAMES
    es["region"] = REGION
    es.to_csv(folder / "etablissements.csv", index=False)
    refs = pd.read_csv(folder / "references.csv", dtype=str, keep_default_na=False)
    refs.loc[refs["region"] == "Région fictive", "region"] = REGION
    refs.to_csv(folder / "references.csv", index=False)
    adj = pd.read_csv(folder / "ajustements.csv", dtype=str, keep_default_na=False)
    adj["motif"] = DDE  # shown in the HTML report only (escaped); no workbook holds it today
    adj.to_csv(folder / "ajustements.csv", index=False)
    return folder


@pytest.fixture
def hostile_campaign(tmp_path: Path) -> Path:
    """The 2019 campaign with a formula-like name, indicator label and action."""
    doc = yaml.safe_load(CAMPAIGN_2019.read_text(encoding="utf-8"))
    doc["campagne"] = CAMPAIGN_NAME
    doc["indicateurs"][0]["libelle"] = LABEL
    doc["indicateurs"][0]["action"] = ACTION
    path = tmp_path / "campagne.yml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _cells(path: Path) -> list:
    book = openpyxl.load_workbook(path)  # data_only=False: a formula would be read as one
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]


def _assert_texts(path: Path, expected: list[str]) -> None:
    """No formula cell at all; each hostile text present, intact, as a quoted text cell."""
    cells = _cells(path)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    by_value = {}
    for cell in cells:
        by_value.setdefault(cell.value, []).append(cell)
    for text in expected:
        assert text in by_value, f"{text!r} absent de {path.name}"
        assert all(c.data_type == "s" and c.quotePrefix for c in by_value[text])


def _no_traceback(result) -> None:
    assert isinstance(result.exception, SystemExit | None), result.exception
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- 1. formulas
def test_score_and_detail_workbooks_hold_no_formula(hostile_data: Path, hostile_campaign: Path, tmp_path: Path):
    out, detail = tmp_path / "scores.xlsx", tmp_path / "detail.xlsx"
    result = runner.invoke(app, ["score", str(hostile_data), "-c", str(hostile_campaign), "-y", "2019",
                                 "--out", str(out), "--detail", str(detail)])
    assert result.exit_code == 0, result.output
    _assert_texts(out, [*HOSTILE_NAMES, REGION, CAMPAIGN_NAME])
    _assert_texts(detail, [LABEL, CAMPAIGN_NAME])
    # the machine CSV keeps the values verbatim
    csv_out = tmp_path / "scores.csv"
    assert runner.invoke(app, ["score", str(hostile_data), "-c", str(hostile_campaign), "-y", "2019",
                               "--out", str(csv_out)]).exit_code == 0
    table = pd.read_csv(csv_out, dtype=str, keep_default_na=False)
    assert set(HOSTILE_NAMES) <= set(table["raison_sociale"]) and set(table["region"]) == {REGION}


def test_action_plans_hold_no_formula(hostile_data: Path, hostile_campaign: Path, tmp_path: Path):
    es = pd.read_csv(hostile_data / "etablissements.csv", dtype=str)
    result = runner.invoke(app, ["plan", str(hostile_data), "-c", str(hostile_campaign), "-y", "2019",
                                 "--out", str(tmp_path / "plans")])
    assert result.exit_code == 0, result.output
    for finess, name in zip(es["finess"][: len(HOSTILE_NAMES)], HOSTILE_NAMES):
        path = tmp_path / "plans" / finess / f"plan_actions_{finess}_2019.xlsx"
        cells = _cells(path)
        assert [c.coordinate for c in cells if c.data_type == "f"] == []
        assert {c.value for c in cells if c.quotePrefix} >= {name}
    # the first indicator (A01, yes/no) has points to gain somewhere: its label and action show as typed
    all_cells = [c for p in (tmp_path / "plans").rglob("*.xlsx") for c in _cells(p)]
    assert {LABEL, ACTION} <= {c.value for c in all_cells if c.data_type == "s" and c.quotePrefix}


def test_reports_workbook_holds_no_formula(hostile_data: Path, hostile_campaign: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(batch, "run_jobs", lambda jobs, **_: [])  # the workbook only, no notebook
    out = tmp_path / "rapports"
    result = runner.invoke(app, ["reports", str(hostile_data), "-c", str(hostile_campaign), "-y", "2019",
                                 "--out", str(out), "--formats", "html", "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 0, result.output
    _assert_texts(out / "scores.xlsx", [*HOSTILE_NAMES, REGION, CAMPAIGN_NAME])


@pytest.mark.parametrize("text", ["\t=1+1", "\r=1+1", "=1+1", "-1", "@A1", "+A1"])
def test_write_table_text_starting_like_a_formula(tmp_path: Path, text: str):
    path = tmp_path / "t.xlsx"
    write_table({"feuille": pd.DataFrame({"nom": [text], "n": [1.5]})}, path)
    # XML reads a raw CR back as LF: the text is otherwise intact
    (cell,) = [c for c in _cells(path) if c.value == text.replace("\r", "\n")]
    assert (cell.data_type, cell.quotePrefix) == ("s", True)


def test_writers_replace_characters_a_workbook_cannot_hold(tmp_path: Path, tiny_campaign):
    for code in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]:
        assert bool(outputs._ILLEGAL.match(chr(code))) == bool(ILLEGAL_CHARACTERS_RE.match(chr(code)))
    for code in (0x09, 0x0A, 0x0D, 0x20):
        assert not outputs._ILLEGAL.match(chr(code)) and not ILLEGAL_CHARACTERS_RE.match(chr(code))
    path = tmp_path / "t.xlsx"
    write_table({"f": pd.DataFrame({"nom\x01": ["a\x00b", "=\x1b[31m", None], "n": [1, 2, 3]})}, path)
    values = {c.value for c in _cells(path)}
    assert {"nom\ufffd", "a\ufffdb", "=\ufffd[31m"} <= values
    es_a = (ES_A[0], "Clinique\x00 =SUM(A1)\x07", *ES_A[2:])
    scores = score(make_dataset([es_a, ES_B], RESULTS, REFERENCES, MATURITY), tiny_campaign)
    (plan,) = write_plans(scores, 2018, tmp_path / "plans", finess=[ES_A[0]])
    assert "Clinique\ufffd =SUM(A1)\ufffd" in {c.value for c in _cells(plan)}


# --------------------------------------------------------------------------- 2. output paths
def _copy_sample(tmp_path: Path) -> Path:
    folder = tmp_path / "donnees"
    shutil.copytree(SAMPLE, folder)
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _score(data: Path, *out: str):
    return runner.invoke(app, ["score", str(data), "-c", str(CAMPAIGN_2019), "-y", "2019", *out])


@pytest.mark.parametrize("name", ["resultats.csv", "RESULTATS.csv", "scores.csv"])
def test_score_never_writes_a_csv_into_the_data_folder(tmp_path: Path, name: str):
    data = _copy_sample(tmp_path)
    before = _snapshot(tmp_path)
    result = _score(data, "--out", str(data / name))
    assert result.exit_code == 1 and "donn" in result.output
    _no_traceback(result)
    assert _snapshot(tmp_path) == before


def test_score_refuses_inputs_reached_by_another_path(tmp_path: Path):
    data = _copy_sample(tmp_path)
    os.link(data / "resultats.csv", tmp_path / "lien_dur.csv")
    (tmp_path / "lien.csv").symlink_to(data / "etablissements.csv")
    book = tmp_path / "region.xlsx"
    book.write_bytes(b"PK")  # the data workbook (content irrelevant: refused before reading)
    campaign = tmp_path / "campagne.yml"
    shutil.copy(CAMPAIGN_2019, campaign)
    os.link(campaign, tmp_path / "campagne.csv")  # the campaign under an output's name (a wrong kind: exit 2)
    before = _snapshot(tmp_path)
    for out in (tmp_path / "lien_dur.csv", tmp_path / "lien.csv"):
        result = _score(data, "--out", str(out))
        assert result.exit_code == 1 and "fichier d'entrée" in result.output, result.output
    result = runner.invoke(app, ["score", str(book), "-c", str(CAMPAIGN_2019), "-y", "2019", "--out", str(book)])
    assert result.exit_code == 1 and "fichier d'entrée" in result.output
    result = runner.invoke(app, ["score", str(data), "-c", str(campaign), "-y", "2019",
                                 "--out", str(tmp_path / "s.csv"), "--detail", str(tmp_path / "campagne.csv")])
    assert result.exit_code == 1 and "fichier d'entrée" in result.output
    assert _snapshot(tmp_path) == before


def test_detail_equal_to_out_and_file_outputs_on_folders(tmp_path: Path):
    out = tmp_path / "scores.csv"
    result = _score(SAMPLE, "--out", str(out), "--detail", str(tmp_path / "." / "scores.csv"))
    assert result.exit_code == 1 and "même chemin" in result.output
    assert not out.exists()
    (tmp_path / "dossier.csv").mkdir()
    result = _score(SAMPLE, "--out", str(tmp_path / "dossier.csv"))
    assert result.exit_code == 1 and "est un dossier" in result.output
    _no_traceback(result)


@pytest.mark.parametrize("command", [
    ["plan", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019"],
    ["reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "--formats", "html"],
    ["synthese", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "--formats", "html"],
])
def test_folder_outputs_refuse_the_data_folder_and_files(tmp_path: Path, command: list[str]):
    data = _copy_sample(tmp_path)
    command = [command[0], str(data), *command[2:]]
    before = _snapshot(tmp_path)
    result = runner.invoke(app, [*command, "--out", str(data)])
    assert result.exit_code == 1 and "dossier de données" in result.output, result.output
    result = runner.invoke(app, [*command, "--out", str(data / "resultats.csv")])
    assert result.exit_code == 1 and "est un fichier" in result.output
    _no_traceback(result)
    assert _snapshot(tmp_path) == before


def test_methode_refuses_a_file_as_folder(tmp_path: Path):
    target = tmp_path / "fichier"
    target.write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["methode", "-c", str(CAMPAIGN_2019), "--out", str(target), "--formats", "html"])
    assert result.exit_code == 1 and "est un fichier" in result.output
    assert target.read_text(encoding="utf-8") == "x"


def test_check_outputs_accepts_ordinary_outputs(tmp_path: Path):
    check_outputs([SAMPLE, CAMPAIGN_2019], files=[tmp_path / "a.csv", tmp_path / "b.xlsx"],
                  folders=[tmp_path / "rapports", SAMPLE / "rapports"])
    with pytest.raises(CaqesError, match="même chemin"):
        check_outputs([], files=[tmp_path / "a.csv", tmp_path / "x" / ".." / "a.csv"])


# --------------------------------------------------------------------------- 3. file-system errors
def test_disk_full_names_the_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def replace(*args, **kwargs):  # a full disk while the file is committed: no file named
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(outputs.os, "replace", replace)
    for out in ("scores.csv", "scores.xlsx"):
        result = _score(SAMPLE, "--out", str(tmp_path / out))
        assert result.exit_code == 1, result.output
        _no_traceback(result)
        assert f"{tmp_path / out} : disque plein" in plain_spaces(result.output)
    result = runner.invoke(app, ["methode", "-c", str(CAMPAIGN_2019), "--out", str(tmp_path / "m"),
                                 "--formats", "html"])
    assert result.exit_code == 1 and "methode_caqes-2019.html : disque plein" in plain_spaces(result.output)
    _no_traceback(result)
    assert [p.name for p in (tmp_path / "m").iterdir()] == [LOCK_NAME]  # no temporary file left


def test_permission_denied_in_plan_and_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def mkstemp(*args, dir=None, **kwargs):  # tests run as root: simulate a read-only folder
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), dir)

    monkeypatch.setattr(outputs.tempfile, "mkstemp", mkstemp)
    result = runner.invoke(app, ["plan", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019",
                                 "--out", str(tmp_path / "plans"), "--finess", "094869773"])
    assert result.exit_code == 1 and "permission refusée" in result.output
    assert str(tmp_path / "plans" / "094869773") in result.output
    _no_traceback(result)
    result = runner.invoke(app, ["reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019",
                                 "--out", str(tmp_path / "r"), "--formats", "html", "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 1 and f"{tmp_path / 'r'} : permission refusée" in plain_spaces(result.output)
    _no_traceback(result)


def test_os_errors_in_french():
    assert describe_os_error(OSError(errno.EROFS, "Read-only file system", "/x/s.csv")) == (
        "/x/s.csv : système de fichiers en lecture seule")
    assert describe_os_error(OSError(errno.EISDIR, "Is a directory", "/x")) == "/x : est un dossier"
    assert describe_os_error(OSError("délai dépassé")) == "délai dépassé"  # no errno, no file


def test_synthese_output_error_and_parent_that_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def render(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "s" / "synthese.pdf"))

    monkeypatch.setattr(batch, "render_notebook", render)
    result = runner.invoke(app, ["synthese", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019",
                                 "--out", str(tmp_path / "s"), "--formats", "html"])
    assert result.exit_code == 1 and "synthese.pdf : disque plein" in plain_spaces(result.output)
    _no_traceback(result)
    (tmp_path / "fichier").write_text("x", encoding="utf-8")
    result = _score(SAMPLE, "--out", str(tmp_path / "fichier" / "scores.csv"))  # a real error, not simulated
    assert result.exit_code == 1 and str(tmp_path / "fichier") in result.output
    _no_traceback(result)


# --------------------------------------------------------------------------- 4. exit statuses
@pytest.mark.parametrize("command", ["plan", "reports"])
@pytest.mark.parametrize("value", ["", " ", ",", " , ,"])
def test_empty_finess_is_a_usage_error(tmp_path: Path, command: str, value: str):
    extra = ["--formats", "html"] if command == "reports" else []
    result = runner.invoke(app, [command, str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019",
                                 "--out", str(tmp_path / "o"), *extra, "--finess", value])
    assert result.exit_code == 2 and "--finess" in result.output, result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("formats", ["", " , ", "docx", "html,docx"])
@pytest.mark.parametrize("command", [
    ["reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019"],
    ["synthese", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019"],
    ["methode", "-c", str(CAMPAIGN_2019)],
])
def test_bad_formats_are_a_usage_error(tmp_path: Path, command: list[str], formats: str):
    result = runner.invoke(app, [*command, "--out", str(tmp_path / "o"), "--formats", formats])
    assert result.exit_code == 2, result.output
    assert "html, pdf" in result.output and ("docx" in result.output) == ("docx" in formats)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", [
    ["score", "--out", "{tmp}/s.csv"],
    ["plan", "--out", "{tmp}/o"],
    ["reports", "--out", "{tmp}/o", "--formats", "html", "--scheduler", "tcp://127.0.0.1:9"],
    ["synthese", "--out", "{tmp}/o", "--formats", "html"],
])
def test_a_year_without_data_is_an_error(tmp_path: Path, command: list[str]):
    args = [a.format(tmp=tmp_path) for a in command]
    # --allow-other-year: the 2019 rules may evaluate 2030, so what stops the command is the missing data
    result = runner.invoke(app, [args[0], str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2030", "--allow-other-year",
                                 *args[1:]])
    assert result.exit_code == 1, result.output
    assert "aucun résultat pour 2030" in result.output and "2017, 2018, 2019" in result.output
    assert not (tmp_path / "s.csv").exists()
    assert not (tmp_path / "o" / "scores.xlsx").exists() and not (tmp_path / "o" / "index.html").exists()


# --------------------------------------------------------------------------- 5. terminal
def test_values_are_echoed_without_markup_or_control_characters(tmp_path: Path):
    for value in ("[/]", "[red]x[/red]", "[bold]"):
        result = runner.invoke(app, ["plan", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019",
                                     "--out", str(tmp_path), "--finess", value])
        assert result.exit_code == 1, result.output
        _no_traceback(result)
        assert f"FINESS sans données pour 2019 : {value}" in plain_spaces(result.output)
    result = runner.invoke(app, ["plan", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019",
                                 "--out", str(tmp_path), "--finess", "\x1b[2J\x1b]0;titre\x07\r\u202e"])
    assert result.exit_code == 1
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202e]", result.output)
    assert "\\x1b[2J\\x1b]0;titre\\x07\\r\\u202e" in result.output


def test_plain_keeps_french_text():
    text = "Centre hospitalier d'Évian — 66,3\u202f% « oui »\tA\nB"
    assert plain(text) == text
    assert plain("a\x1bb\x9bc\x7f") == "a\\x1bb\\x9bc\\x7f"


# --------------------------------------------------------------------------- 6. resume exactness
def test_fingerprint_covers_what_the_loader_read(tmp_path: Path, campaign_2019, monkeypatch: pytest.MonkeyPatch):
    data = _copy_sample(tmp_path)
    (data / "resultats.csv").rename(data / "resultats.CSV")  # read by the loader despite the case

    def fingerprint() -> str:
        dataset = load_dataset(data, campaign_2019)
        assert "resultats.CSV" in {s.name for s in dataset.sources}
        (job,) = make_jobs(data, CAMPAIGN_2019, 2019, tmp_path / "out", ["094869773"], ("html",),
                           sources=dataset.sources)
        (same,) = make_jobs(data, CAMPAIGN_2019, 2019, tmp_path / "out", ["094869773"], ("html",))
        assert job.fingerprint == same.fingerprint  # read again from the folder when not given
        return job.fingerprint

    first = fingerprint()
    assert fingerprint() == first
    text = (data / "resultats.CSV").read_text(encoding="utf-8")
    (data / "resultats.CSV").write_text(text.replace("094869773,2019,A01,non", "094869773,2019,A01,oui"),
                                        encoding="utf-8")
    edited = fingerprint()
    assert edited != first
    monkeypatch.setattr(jobs, "code_fingerprint", lambda: "un autre code")
    assert fingerprint() != edited  # the toolkit's code is part of it


def test_code_fingerprint_covers_modules_and_templates():
    batch.code_fingerprint.cache_clear()
    assert re.fullmatch(r"[0-9a-f]{64}", batch.code_fingerprint())
    assert batch.code_fingerprint() == batch.code_fingerprint()


# --------------------------------------------------------------------------- 7. concurrency
@pytest.mark.parametrize("command", [
    ["plan", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019"],
    ["reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "--formats", "html",
     "--scheduler", "tcp://127.0.0.1:9"],
    ["synthese", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "--formats", "html"],
    ["methode", "-c", str(CAMPAIGN_2019), "--formats", "html"],
])
def test_a_folder_in_use_is_refused(tmp_path: Path, command: list[str]):
    out = tmp_path / "sortie"
    out.mkdir()
    with FileLock(out / LOCK_NAME):  # another caqes command writing there
        result = runner.invoke(app, [*command, "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "utilisé par une autre commande caqes" in result.output and LOCK_NAME in result.output
    assert [p.name for p in out.iterdir()] == [LOCK_NAME]


def test_the_lock_is_released_and_finess_deduplicated(tmp_path: Path):
    args = ["plan", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "--out", str(tmp_path),
            "--finess", "094869773,2A5477391", "--finess", "094869773"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and "2 plans d'actions écrits" in result.output, result.output
    assert runner.invoke(app, args).exit_code == 0  # the first command left the folder free
    jobs = make_jobs(SAMPLE, CAMPAIGN_2019, 2019, tmp_path, ["2A5477391", "094869773", "2A5477391"], ("html",))
    assert [j.finess for j in jobs] == ["2A5477391", "094869773"]


def test_ctrl_c_while_a_file_is_written_leaves_it_recorded_as_ours(tmp_path: Path):
    """Ctrl-C between a file's move into place and its record: held back until both are done, so the
    next run replaces its own file instead of taking it for a person's."""
    import signal

    path = tmp_path / "scores.xlsx"
    with pytest.raises(KeyboardInterrupt), outputs.recorded([path]):
        write_table({"scores": pd.DataFrame({"finess": ["1"], "score": [50.0]})}, path)
        signal.raise_signal(signal.SIGINT)  # delivered once the file is recorded
    outputs.refuse_overwrite([path])  # ours: no refusal
    plans = [tmp_path / "a.xlsx", tmp_path / "b.xlsx"]

    def build(k: int) -> openpyxl.Workbook:
        if k == 1:
            signal.raise_signal(signal.SIGINT)  # while the second workbook is built: the first is recorded
        return openpyxl.Workbook()

    with pytest.raises(KeyboardInterrupt):
        outputs.save_workbooks(plans, build)
    assert plans[0].exists() and not plans[1].exists()
    outputs.refuse_overwrite(plans)
