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

from .conftest import CAMPAIGN_2018, CAMPAIGN_2019, SAMPLE, plain_spaces

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
    assert "Utilisation :" in plain_spaces(proc.stdout) and "Commandes" in proc.stdout
    assert "Affiche cette aide et quitte." in proc.stdout and "Affiche la version et quitte." in proc.stdout
    sub = run("score", "--help")
    assert sub.exit_code == 0
    assert_french(sub.output)
    assert "Utilisation : caqes score" in plain_spaces(sub.output) and "caqes.toml" in sub.output  # its defaults
    assert french("required") == "obligatoire"  # no option of score is required any more: each has a default


@pytest.mark.parametrize("command", ["", *sorted(ALIASES.values()), "ciblage", "collecte", "methode", "synthese"])
def test_help_has_no_fragment_of_click(command: str) -> None:
    """The usage line, the options' values and the list of commands are the command line's own French:
    never click's « [OPTIONS] COMMAND [ARGS]... », typer's « <list[Path]> » or « {data} », nor a
    summary cut by « ... »; every colon has its no-break space."""
    text = run(*([command] if command else []), "--help").output
    for fragment in ("[OPTIONS]", "COMMAND ", "[ARGS]", "...", "<path>", "<int", "<str>", "<float", "<list[", "{",
                     "}", "x>=", " :", "Options:"):
        assert fragment not in text, f"{fragment!r} dans l'aide de « caqes {command} » :\n{text}"
    usage = text.splitlines()[0]
    assert usage.startswith("Utilisation\u202f: caqes") and "[options]" in usage


def test_the_list_of_commands_gives_each_whole_first_sentence() -> None:
    listing = " ".join(plain_spaces(run("--help").output).split())
    for name, command in ((c.name or c.callback.__name__, c) for c in app.registered_commands if not c.hidden):
        first = " ".join((command.callback.__doc__ or "").split()).split(". ")[0].rstrip(".") + "."
        assert f"{name} {first}" in listing, first


def test_options_name_their_value_in_french() -> None:
    text = " ".join(plain_spaces(run("reports", "--help").output).split())
    assert "Utilisation : caqes reports [options] [DONNÉES]" in text
    assert "-c, --campaign CHEMIN" in text and "-j, --jobs ENTIER" in text and "--timeout NOMBRE" in text
    assert "--formats TEXTE" in text and "[défaut : 2 ; au moins 1]" in text


@pytest.mark.parametrize("args, said", [
    (["score", str(SAMPLE), "--out", "x.csv"], "Option manquante : « --campaign » ou « -c » : donnez-la, ou lancez la commande dans un dossier de travail"),
    (["score"], "Argument manquant : « DONNÉES » (dossier ou classeur de données) : donnez-le, ou lancez"),
    (["rapport", str(SAMPLE)], "Commande inconnue : « rapport ». Vouliez-vous dire « rapports », « reports » ?"),
    (["score", str(SAMPLE), "--nope"], "Option inconnue : --nope"),
    (["reports", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-o", "x", "--jobs", "0"],
     "Valeur invalide pour « --jobs » ou « -j »"),
    (["score", str(SAMPLE), "-c", str(CAMPAIGN_2019), "-o", "x.csv", "--year", "deux"],
     "Valeur invalide pour « --year » ou « -y » : un nombre entier est attendu"),
])
def test_usage_errors_are_french_with_status_2(args: list[str], said: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert said in plain_spaces(result.output)
    assert "Erreur d'utilisation\u202f:" in result.output and "[OPTIONS]" not in result.output
    assert_french(result.output)


def test_english_messages_of_click_are_translated() -> None:
    assert french("Missing option '--out' / '-o'.") == "Option manquante : « --out » ou « -o »."
    assert french("No such option: --nope (Possible options: --phase)") == (
        "Option inconnue : --nope (options proches : --phase)")
    assert french("Got unexpected extra argument(s) (b)") == "Argument en trop : b"
    assert french("Got unexpected extra argument (b)") == "Argument en trop : b"
    assert french("Got unexpected extra arguments (b c)") == "Arguments en trop : b c"
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
    assert plain_spaces(run("rapports", "--help").output).startswith("Utilisation : caqes rapports")


def test_year_defaults_to_the_only_campaign_and_is_required_otherwise(tmp_path: Path) -> None:
    result = run("scores", SAMPLE, "-c", CAMPAIGN_2019, "-o", tmp_path / "s.csv")
    assert result.exit_code == 0, result.output
    assert set(pd.read_csv(tmp_path / "s.csv")["annee"]) == {2019}  # annee: 2019 in caqes-2019.yml
    result = run("score", SAMPLE, "-c", CAMPAIGN_2018, "-c", CAMPAIGN_2019, "-o", tmp_path / "t.csv")
    assert result.exit_code == 2 and "--year : année à préciser" in plain_spaces(result.output)
    assert not (tmp_path / "t.csv").exists()
    generic = tmp_path / "generique.yml"
    generic.write_text("\n".join(line for line in CAMPAIGN_2019.read_text(encoding="utf-8").splitlines()
                                 if not line.startswith("annee:")), encoding="utf-8")
    result = run("plan", SAMPLE, "-c", generic, "-o", tmp_path / "plans")
    assert result.exit_code == 2 and "n'a pas de clé « annee »" in plain_spaces(result.output)


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
    assert "2 erreurs, 1 avertissement dans les données" in plain_spaces(result.output)
    assert "(s)" not in result.output
