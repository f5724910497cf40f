"""Windows and macOS, checked from Linux where they can be: the workers' start method (``spawn``, the
only one Windows has, forced by ``CAQES_START_METHOD``), the browser found at its usual place, Windows
paths, a file another program holds open, a console in Windows-1252."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.errors import CaqesError
from caqes_toolkit.run import start_method as method
from caqes_toolkit.run.browser import find_chromium, missing_message

from .conftest import CAMPAIGN_2019, ROOT, SAMPLE

runner = CliRunner()


# --- the start method ------------------------------------------------------------------------------

def test_the_start_method_follows_the_system_unless_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(method.ENV, raising=False)
    assert method.start_method() == "forkserver"  # Linux
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
            "attendu : forkserver ou spawn") in result.output


# --- a console in Windows-1252 ---------------------------------------------------------------------

def _caqes(*args: str, env: dict[str, str | None], encoding: str = "cp1252") -> subprocess.CompletedProcess[str]:
    """A command as a console in ``encoding`` runs it (``PYTHONIOENCODING``), with ``env`` (``None``:
    unset); its output decoded strictly, so that a byte of another encoding fails."""
    variables = {**os.environ, "PYTHONIOENCODING": encoding, **env}
    run = subprocess.run([sys.executable, "-m", "caqes_toolkit", *args], capture_output=True, cwd=ROOT, check=False,
                         env={name: value for name, value in variables.items() if value is not None})
    return subprocess.CompletedProcess(run.args, run.returncode, run.stdout.decode(encoding),
                                       run.stderr.decode(encoding))


def test_numbers_in_a_windows_1252_console_keep_their_no_break_space(tmp_path: Path) -> None:
    data = tmp_path / "donnees"
    shutil.copytree(ROOT / "data" / "exemple-2022", data)
    text = (data / "depenses.csv").read_text(encoding="utf-8")
    assert "380001016,2022,ipp,200 000\n" in text  # 2 10¹⁵ € below: beyond the ceiling of amounts
    (data / "depenses.csv").write_text(text.replace("380001016,2022,ipp,200 000\n",
                                                    "380001016,2022,ipp,2000000 000 000 000\n"), encoding="utf-8")
    run = _caqes("validate", str(data), "-c", str(data / "caqes-2022-region-fictive.yml"), env={})
    assert run.returncode == 1, run.stderr
    assert ("colonne « montant » : valeur « 2000000 000 000 000 » ; attendu : un montant positif ou nul en euros, "
            "10¹²\xa0€ au plus (ex. « 1 250 000,00 »)") in run.stdout  # U+202F → U+00A0, the rest as it is
    assert f"{data} : 1 erreur(s), 0 avertissement(s)." in run.stdout
    assert "Traceback" not in run.stderr and "?" not in run.stdout


def test_messages_in_a_windows_1252_console_write_what_it_lacks_as_its_nearest() -> None:
    run = _caqes("reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "--out", "x", "--jobs", "0", env={})
    assert run.returncode == 2
    assert "Valeur invalide pour '--jobs' / '-j' : un nombre >= 1 est attendu" in run.stderr  # ≥
    assert "Aide : « python -m caqes_toolkit reports --help »." in run.stderr and "\\u" not in run.stderr
    program = ("from caqes_toolkit.console import fit_streams\nfrom caqes_toolkit.formats import fmt_num\n"
               "fit_streams()\nprint(fmt_num(-1234.5, unit='%'), '→', 'Σ')")
    shown = subprocess.run([sys.executable, "-c", program], capture_output=True, check=True,
                           env={**os.environ, "PYTHONIOENCODING": "cp1252"})
    assert shown.stdout == "-1\xa0234,5\xa0% -> \\u03a3\n".encode("cp1252")  # U+2212, U+202F, →; Σ escaped


def test_windows_paths_and_spaces_are_printed_as_they_are_in_a_windows_1252_console(tmp_path: Path) -> None:
    data = tmp_path / r"C:\Users\Mme Dupont\Données ARS"  # on Linux, one folder of that name
    shutil.copytree(SAMPLE, data)
    run = _caqes("validate", str(data), "-c", str(CAMPAIGN_2019), env={})
    assert run.returncode == 0, run.stderr
    assert f"{data} : 0 erreur(s)" in run.stdout and r"\Users\Mme Dupont\Données ARS : " in run.stdout
    folder = tmp_path / "Mon dossier CAQES (région)"
    run = _caqes("init", str(folder), env={})
    assert run.returncode == 0, run.stderr
    assert f"Dossier de travail créé : {folder} (" in run.stdout and f"  cd {folder}\n" in run.stdout


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
           "de ce nom)" in run.stderr
