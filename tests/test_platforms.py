"""Windows and macOS, checked from Linux where they can be: the workers' start method (``spawn``, the
only one Windows has, forced by ``CAQES_START_METHOD``), the browser found at its usual place, Windows
paths, a file another program holds open, a console in Windows-1252."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.errors import CaqesError
from caqes_toolkit.outputs import describe_os_error
from caqes_toolkit.run import start_method as method
from caqes_toolkit.run.batch import TEMPLATE, Job
from caqes_toolkit.run.browser import find_chromium, missing_message

from .conftest import CAMPAIGN_2019, ROOT, SAMPLE, plain_spaces
from .test_pool import stub_notebook

runner = CliRunner()
IN_USE = "fichier ouvert dans un autre programme (Excel, un lecteur de PDF…) : fermez-le, puis relancez la commande"


# --- the start method ------------------------------------------------------------------------------

def test_the_start_method_follows_the_system_unless_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(method.ENV, raising=False)
    assert method.start_method() == ("spawn" if sys.platform == "win32" else "forkserver")  # this system
    monkeypatch.setattr(method, "get_all_start_methods", lambda: ["fork", "spawn", "forkserver"])  # Linux
    assert method.start_method() == "forkserver"
    monkeypatch.setattr(method, "get_all_start_methods", lambda: ["fork", "spawn", "forkserver"])  # macOS
    assert method.start_method() == "forkserver"
    monkeypatch.setattr(method, "get_all_start_methods", lambda: ["spawn"])  # Windows
    assert method.start_method() == "spawn"
    monkeypatch.setenv(method.ENV, "forkserver")
    with pytest.raises(CaqesError, match="CAQES_START_METHOD = forkserver : ce système ne connaît pas"):
        method.start_method()
    monkeypatch.setenv(method.ENV, "spawn")
    assert method.start_method() == "spawn"


def test_an_unknown_start_method_is_a_french_error_of_the_command(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(method.ENV, "fork")
    result = runner.invoke(app, ["reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "--out",
                                 str(tmp_path / "r"), "--formats", "html", "--finess", "094869773"])
    assert result.exit_code == 1
    assert ("Erreur : CAQES_START_METHOD = « fork » : méthode de démarrage des processus de travail inconnue ; "
            "attendu : forkserver ou spawn") in plain_spaces(result.output)


# --- a console in Windows-1252 ---------------------------------------------------------------------

def _caqes(*args: str, env: dict[str, str | None], encoding: str = "cp1252") -> subprocess.CompletedProcess[str]:
    """A command as a console in ``encoding`` runs it (``PYTHONIOENCODING``), with ``env`` (``None``:
    unset); its output decoded strictly, so that a byte of another encoding fails."""
    variables = {**os.environ, "PYTHONIOENCODING": encoding, **env}
    run = subprocess.run([sys.executable, "-m", "caqes_toolkit", *args], capture_output=True, cwd=ROOT, check=False,
                         env={name: value for name, value in variables.items() if value is not None})
    return subprocess.CompletedProcess(run.args, run.returncode, run.stdout.decode(encoding).replace("\r\n", "\n"),
                                       run.stderr.decode(encoding).replace("\r\n", "\n"))


def test_numbers_in_a_windows_1252_console_keep_their_no_break_space(tmp_path: Path) -> None:
    data = tmp_path / "donnees"
    shutil.copytree(ROOT / "data" / "exemple-2022", data)
    text = (data / "depenses.csv").read_text(encoding="utf-8")
    assert "380001016,2022,ipp,200 000\n" in text  # 2 10¹⁵ € below: beyond the ceiling of amounts
    (data / "depenses.csv").write_text(text.replace("380001016,2022,ipp,200 000\n",
                                                    "380001016,2022,ipp,2000000 000 000 000\n"), encoding="utf-8")
    run = _caqes("validate", str(data), "-c", str(data / "caqes-2022-region-fictive.yml"), env={})
    assert run.returncode == 1, run.stderr
    # every U+202F (numbers, units, punctuation) → U+00A0, the rest as it is
    assert ("colonne «\xa0montant\xa0»\xa0: valeur «\xa02000000 000 000 000\xa0»\xa0; attendu\xa0: un montant positif "
            "ou nul en euros, 10¹²\xa0€ au plus (ex. «\xa01 250 000,00\xa0»)") in run.stdout
    assert f"{data}\xa0: 1 erreur, 0 avertissement." in run.stdout
    assert "Traceback" not in run.stderr and "?" not in run.stdout


def test_messages_in_a_windows_1252_console_write_what_it_lacks_as_its_nearest() -> None:
    run = _caqes("reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "--out", "x", "--jobs", "0", env={})
    assert run.returncode == 2
    assert "Valeur invalide pour «\xa0--jobs\xa0» ou «\xa0-j\xa0»\xa0: un nombre >= 1 est attendu" in run.stderr  # ≥
    assert "Aide\xa0: «\xa0python -m caqes_toolkit reports --help\xa0»." in run.stderr and "\\u" not in run.stderr
    program = ("from caqes_toolkit.console import fit_streams\nfrom caqes_toolkit.formats import fmt_num\n"
               "fit_streams()\nprint(fmt_num(-1234.5, unit='%'), '→', 'Σ')")
    shown = subprocess.run([sys.executable, "-c", program], capture_output=True, check=True,
                           env={**os.environ, "PYTHONIOENCODING": "cp1252"})
    assert shown.stdout.rstrip() == "-1\xa0234,5\xa0% -> \\u03a3".encode("cp1252")  # U+2212, U+202F, →; Σ escaped


def test_windows_paths_and_spaces_are_printed_as_they_are_in_a_windows_1252_console(tmp_path: Path) -> None:
    # On Windows, a folder in a folder; elsewhere, one folder of that name (backslashes and colon included)
    data = tmp_path / (r"Mme Dupont\Données ARS" if sys.platform == "win32" else r"C:\Users\Mme Dupont\Données ARS")
    shutil.copytree(SAMPLE, data)
    run = _caqes("validate", str(data), "-c", str(CAMPAIGN_2019), env={})
    assert run.returncode == 0, run.stderr
    assert f"{data}\xa0: 0 erreur, 0 avertissement" in run.stdout and "\\Mme Dupont\\Données ARS\xa0: " in run.stdout
    folder = tmp_path / "Mon dossier CAQES (région)"
    run = _caqes("init", str(folder), env={})
    assert run.returncode == 0, run.stderr
    assert f"Dossier de travail créé\xa0: {folder} (" in run.stdout and f"  cd {folder}\n" in run.stdout


# --- the browser -----------------------------------------------------------------------------------

WINDOWS = {"ProgramFiles": r"C:\Program Files", "ProgramFiles(x86)": r"C:\Program Files (x86)",
           "LOCALAPPDATA": r"C:\Users\Mme Dupont\AppData\Local"}
EDGE = r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe"
CHROME = r"C:\Program Files\Google\Chrome\Application\chrome.exe"
CHROME_FOR_ONE_USER = r"C:\Users\Mme Dupont\AppData\Local\Google\Chrome\Application\chrome.exe"


def _disk(*files: str):
    """A fake file system holding ``files`` only."""
    return set(files).__contains__


def test_on_windows_edge_is_found_where_windows_installs_it() -> None:
    assert find_chromium("win32", WINDOWS, _disk(EDGE)) == EDGE
    assert find_chromium("win32", {}, _disk(EDGE)) == EDGE  # the variables unset: Windows' usual folders


def test_on_windows_chrome_comes_first_installed_for_all_users_or_for_one() -> None:
    assert find_chromium("win32", WINDOWS, _disk(EDGE, CHROME, CHROME_FOR_ONE_USER)) == CHROME
    assert find_chromium("win32", WINDOWS, _disk(EDGE, CHROME_FOR_ONE_USER)) == CHROME_FOR_ONE_USER
    other_drive = {**WINDOWS, "ProgramFiles": r"D:\Programmes"}  # Windows installed elsewhere than C:
    assert (find_chromium("win32", other_drive, _disk(r"D:\Programmes\Google\Chrome\Application\chrome.exe"))
            == r"D:\Programmes\Google\Chrome\Application\chrome.exe")
    assert find_chromium("win32", WINDOWS, _disk(r"C:\Windows\notepad.exe")) is None


def test_on_macos_the_applications_folder_then_the_users() -> None:
    chrome = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"
    edge = "/Users/dupont/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge"
    home = {"HOME": "/Users/dupont"}
    assert find_chromium("darwin", home, _disk(chrome, edge)) == chrome
    assert find_chromium("darwin", home, _disk(edge)) == edge
    assert find_chromium("linux", home, _disk(chrome)) is None


def test_on_linux_the_headless_shell_first_and_the_variable_before_all() -> None:
    both = _disk("/usr/bin/chromium", "/usr/bin/chromium-headless-shell")
    assert find_chromium("linux", {}, both) == "/usr/bin/chromium-headless-shell"
    assert find_chromium("linux", {}, _disk("/usr/bin/chromium")) == "/usr/bin/chromium"
    named = {**WINDOWS, "CAQES_CHROMIUM": r"E:\Navigateurs\Chrome portable\chrome.exe"}
    assert find_chromium("win32", named, _disk(EDGE)) == r"E:\Navigateurs\Chrome portable\chrome.exe"


def test_no_browser_says_where_it_was_looked_for_and_what_to_do() -> None:
    message = missing_message("win32", WINDOWS)
    assert f"cherché : {CHROME}, C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe, " \
           f"{CHROME_FOR_ONE_USER}, {EDGE}, C:\\Program Files\\Microsoft\\Edge\\Application\\msedge.exe" in message
    assert "installez Google Chrome ou Microsoft Edge" in message and "--formats html" in message
    assert "paquet Debian" in missing_message("linux", {})


def test_a_browser_named_where_there_is_none_is_a_french_error_naming_it(tmp_path: Path) -> None:
    named = r"C:\Programmes\Google Chrome\chrome.exe"  # on Linux, a file name that does not exist
    run = _caqes("reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "--out", str(tmp_path / "r"),
                 "--finess", "094869773", env={"CAQES_CHROMIUM": named})
    assert run.returncode == 1
    assert f"Erreur : Chromium, Chrome ou Edge introuvable (CAQES_CHROMIUM = {named} : aucun fichier ni commande " \
           "de ce nom) : corrigez la variable CAQES_CHROMIUM ou retirez-la" in plain_spaces(run.stderr)


# --- Windows paths, and a file another program holds open --------------------------------------------

def test_windows_paths_reach_the_report_notebook_unchanged() -> None:
    """Drive letters, backslashes (« \\N », « \\x », « \\u » included: escapes in a Python string),
    spaces, quotes and accents in the paths given to a report's notebook."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    data = r"C:\Users\Mme Dupont\Nouveau dossier\x2019\u00e9tudes\Données ARS"
    campaign = r"\\serveur-ars\partage\CAQES 2019\campagne « 2019 » \"validée\".yml"
    job = Job("094869773", 2019, data, campaign, r"D:\Rapports 2019\094869773", ("html",), "empreinte",
              campagne_precedente=r"C:\params\caqes-2018.yml")
    nb = parameterize_notebook(load_notebook_node(str(TEMPLATE)), job.parameters)  # as papermill does
    [cell] = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    namespace: dict[str, object] = {}
    exec(cell.source, namespace)
    assert (namespace["donnees"], namespace["campagne"], namespace["campagne_precedente"]) == (
        data, campaign, r"C:\params\caqes-2018.yml")


def _held_open(monkeypatch: pytest.MonkeyPatch, *held: str) -> None:
    """``os.replace`` onto a file whose path ends with ``held`` fails as on Windows when another
    program has it open (a sharing violation)."""
    replace = os.replace

    def windows_replace(src, dst) -> None:
        if Path(dst).parts[-len(held):] == held:
            error = PermissionError(errno.EACCES, "The process cannot access the file because it is being used "
                                    "by another process", src, None, dst)
            error.winerror = 32  # type: ignore[attr-defined]  # ERROR_SHARING_VIOLATION, as Windows' OSError has
            raise error
        replace(src, dst)

    monkeypatch.setattr(os, "replace", windows_replace)


def test_a_workbook_open_in_excel_is_a_french_error_naming_it(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "Mes sorties CAQES" / "scores.xlsx"
    command = ["score", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "--out", str(out)]
    assert runner.invoke(app, command).exit_code == 0
    before = out.read_bytes()
    _held_open(monkeypatch, "scores.xlsx")
    result = runner.invoke(app, command)
    assert result.exit_code == 1
    assert f"Erreur : {out} : {IN_USE}\n" in plain_spaces(result.output)
    assert "Traceback" not in result.output and "process" not in result.output
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == [".caqes-ecrits.json", "scores.xlsx"]  # no stray file


@pytest.mark.slow
def test_a_report_open_in_another_program_fails_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "rapports"
    _held_open(monkeypatch, "017462946", "rapport.html")
    result = runner.invoke(app, ["reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "--out", str(out),
                                 "--finess", "094869773,017462946", "--formats", "html", "--jobs", "1",
                                 "--notebook", str(stub_notebook(tmp_path / "rapport.ipynb"))])
    assert result.exit_code == 1, result.output
    assert "1 rapport produit, 0 déjà à jour, 1 échec" in result.output
    assert f"017462946 — hors cellule — rendu : {out / '017462946' / 'rapport.html'} : {IN_USE}" in plain_spaces(result.output)
    assert (out / "094869773" / "rapport.html").exists() and not (out / "017462946" / "rapport.html").exists()


def test_windows_access_denied_says_what_it_may_be() -> None:
    error = PermissionError(errno.EACCES, "Access is denied", r"C:\Rapports CAQES\094869773\rapport.pdf")
    error.winerror = 5  # type: ignore[attr-defined]
    assert describe_os_error(error) == (r"C:\Rapports CAQES\094869773\rapport.pdf : accès refusé par Windows : "
                                        "fichier ouvert dans un autre programme (Excel, un lecteur de PDF…), en "
                                        "lecture seule, ou dossier protégé")


# --- the same reports either way ----------------------------------------------------------------

@pytest.mark.slow
def test_spawned_workers_make_the_twenty_reports_of_the_default_path(tmp_path: Path) -> None:
    """Every report of the sample region, its scores and its text, the same whichever way the
    workers start (the notebook, whose metadata hold run times, aside)."""
    def reports(folder: str, start: str | None) -> Path:
        out = tmp_path / folder
        run = _caqes("reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-y", "2019", "--out", str(out),
                     "--formats", "html", "--jobs", "2", env={method.ENV: start}, encoding="utf-8")
        assert run.returncode == 0, run.stderr
        assert "20 rapports produits, 0 déjà à jour, 0 échec" in run.stdout
        return out

    default = reports("par-defaut", None)  # forkserver, here
    spawned = reports("spawn", "spawn")
    finess = sorted(p.name for p in default.iterdir() if p.is_dir())
    assert len(finess) == 20 and finess == sorted(p.name for p in spawned.iterdir() if p.is_dir())
    for code in finess:
        scores = json.loads((default / code / "scores.json").read_text(encoding="utf-8"))
        assert scores["finess"] == code and "score_global" in scores
        assert json.loads((spawned / code / "scores.json").read_text(encoding="utf-8")) == scores
        html = _without_cell_ids((default / code / "rapport.html").read_text(encoding="utf-8"))
        assert scores["raison_sociale"] in html
        assert _without_cell_ids((spawned / code / "rapport.html").read_text(encoding="utf-8")) == html, code


def _without_cell_ids(html: str) -> str:
    """The report without its cells' ids: papermill draws the injected parameters cell's at random."""
    return re.sub(r'id="cell-id=[0-9a-f-]+"', 'id="cell-id"', html)
