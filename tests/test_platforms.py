"""Windows and macOS, checked from Linux where they can be: the workers' start method (``spawn``, the
only one Windows has, forced by ``CAQES_START_METHOD``), the browser found at its usual place, Windows
paths, a file another program holds open, a console in Windows-1252."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from caqes_toolkit.cli import app
from caqes_toolkit.errors import CaqesError
from caqes_toolkit.run import start_method as method

from .conftest import CAMPAIGN_2019, SAMPLE

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
