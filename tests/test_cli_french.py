"""The command line speaks French: its own help and usage errors (click/typer texts), the
version, French command names, the year taken from the campaign, score's fault counts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from caqes_toolkit import __version__
from caqes_toolkit.cli import ALIASES, app
from caqes_toolkit.cli_fr import french

from .conftest import CAMPAIGN_2018, CAMPAIGN_2019, SAMPLE

runner = CliRunner()
ENGLISH = ("Usage:", "Show this message", "Missing option", "Missing argument", "No such", "Invalid value",
           "Error:", "Try '", "Did you mean", "Input should", "Possible options")


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def assert_french(text: str) -> None:
    found = [word for word in ENGLISH if word in text]
    assert not found, f"texte anglais {found} dans :\n{text}"


def test_help_is_french_whatever_the_locale(tmp_path: Path) -> None:
    env = {**os.environ, "LANG": "C", "LC_ALL": "C", "LANGUAGE": "en"}
    proc = subprocess.run([sys.executable, "-m", "caqes_toolkit", "--help"], capture_output=True, text=True,
                          env=env, check=False)
    assert proc.returncode == 0
    assert_french(proc.stdout)
    assert "Utilisation :" in proc.stdout and "Commandes" in proc.stdout
    assert "Affiche cette aide et quitte." in proc.stdout and "Affiche la version et quitte." in proc.stdout
    sub = run("score", "--help")
    assert sub.exit_code == 0
    assert_french(sub.output)
    assert "Utilisation : caqes score" in sub.output and "caqes.toml" in sub.output  # its defaults
    assert french("required") == "obligatoire"  # no option of score is required any more: each has a default


@pytest.mark.parametrize("args, said", [
    (["score", str(SAMPLE), "--out", "x.csv"], "Option manquante '--campaign'"),
    (["score"], "Argument manquant 'data'"),
    (["rapport", str(SAMPLE)], "Commande inconnue : 'rapport'. Vouliez-vous dire 'rapports'"),
    (["score", str(SAMPLE), "--nope"], "Option inconnue : --nope"),
    (["reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-o", "x", "--jobs", "0"], "Valeur invalide pour '--jobs'"),
    (["score", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-o", "x.csv", "--year", "deux"],
     "Valeur invalide pour '--year' / '-y' : un nombre entier est attendu"),
])
def test_usage_errors_are_french_with_status_2(args: list[str], said: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert said in result.output
    assert "Erreur d'utilisation :" in result.output
    assert_french(result.output)


def test_english_messages_of_click_are_translated() -> None:
    assert french("Missing option '--out' / '-o'.") == "Option manquante '--out' / '-o'."
    assert french("No such option: --nope (Possible options: --phase)") == (
        "Option inconnue : --nope (options proches : --phase)")
    assert french("Got unexpected extra argument(s) (b)") == "Argument(s) en trop : b"
    assert french("Got unexpected extra argument (b)") == "Argument(s) en trop : b"
    assert french("un texte sans équivalent") == "un texte sans équivalent"


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"caqes-toolkit {__version__}"


def test_french_aliases_run_the_same_command_and_are_named_in_the_help(tmp_path: Path) -> None:
    english = run("validate", SAMPLE, "--campaign", CAMPAIGN_2019)
    alias = run("valider", SAMPLE, "--campaign", CAMPAIGN_2019)
    assert alias.exit_code == english.exit_code == 0 and alias.output == english.output
    listing = " ".join(run("--help").output.split())
    commands = listing.split("Commandes")[1]
    assert "rapports" not in commands and "reports" in commands  # hidden from the list…
    for french_name, command in ALIASES.items():                  # …but named above it
        assert f"{french_name} ({command})" in listing
    assert run("rapports", "--help").output.startswith("Utilisation : caqes rapports")


def test_year_defaults_to_the_only_campaign_and_is_required_otherwise(tmp_path: Path) -> None:
    result = run("scores", SAMPLE, "-c", CAMPAIGN_2019, "-o", tmp_path / "s.csv")
    assert result.exit_code == 0, result.output
    assert set(pd.read_csv(tmp_path / "s.csv")["annee"]) == {2019}  # annee: 2019 in caqes-2019.yml
    result = run("score", SAMPLE, "-c", CAMPAIGN_2018, "-c", CAMPAIGN_2019, "-o", tmp_path / "t.csv")
    assert result.exit_code == 2 and "--year : année à préciser" in result.output
    assert not (tmp_path / "t.csv").exists()
    generic = tmp_path / "generique.yml"
    generic.write_text("\n".join(line for line in CAMPAIGN_2019.read_text(encoding="utf-8").splitlines()
                                 if not line.startswith("annee:")), encoding="utf-8")
    result = run("plan", SAMPLE, "-c", generic, "-o", tmp_path / "plans")
    assert result.exit_code == 2 and "n'a pas de clé « annee »" in result.output


def test_score_counts_errors_and_warnings_apart(tmp_path: Path) -> None:
    data = tmp_path / "region"
    data.mkdir()
    (data / "etablissements.csv").write_text(
        "finess;raison_sociale;region;activites;liste_en_sus\n"
        "750712184;AP-HP;IDF;MCO;oui\n750712185;Clé fausse;IDF;MCO;non\n", encoding="utf-8")
    (data / "resultats.csv").write_text("finess;annee;indicateur;valeur\n750712184;2018;ZZ9;oui\n"
                                        "750712184;2018;ZZ8;oui\n", encoding="utf-8")

    result = run("score", data, "-c", CAMPAIGN_2018, "-y", "2018", "-o", tmp_path / "s.csv")

    assert result.exit_code == 1
    assert "2 erreur(s), 1 avertissement(s) dans les données" in result.output
    assert "anomalie(s)" not in result.output
