"""Same outputs as before the execution layer's redesign: reports of the sample regions compared
with references made by the code of commit 34a3233 (tests/data/reference/, see its README).

What may change between two runs is normalised: the edition date, the toolkit's version and
the SHA-256 fingerprints of the input files listed in the provenance section."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from .conftest import CAMPAIGN_2018, CAMPAIGN_2019, ROOT, SAMPLE

pytestmark = pytest.mark.slow
REFERENCE = Path(__file__).parent / "data" / "reference"
SAMPLE_2022 = ROOT / "data" / "exemple-2022"
CASES = {  # folder -> (caqes reports arguments, FINESS)
    "2019": ([str(SAMPLE), "--campaign", str(CAMPAIGN_2018), "--campaign", str(CAMPAIGN_2019), "--year", "2019"],
             ["2A5477391", "692873086"]),
    "2023": ([str(SAMPLE_2022), "--campaign", str(SAMPLE_2022 / "caqes-2022-region-fictive.yml"), "--year", "2023"],
             ["380001016"]),
}
_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
_DATE = re.compile(rf"\b\d{{1,2}}(?:er)? (?:{_MONTHS}) \d{{4}}\b")
_SHA = re.compile(r"\b[0-9a-f]{64}\b")
_VERSION = re.compile(r"caqes-toolkit \S+")


def visible_text(html: str) -> str:
    """The text a reader sees in a report's HTML, one non-blank line per text node, with the
    edition date, the toolkit's version and the file fingerprints replaced by placeholders."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["style", "script"]):
        tag.decompose()
    lines = (line.strip() for line in soup.get_text("\n").splitlines())
    text = "\n".join(line for line in lines if line)
    text = _VERSION.sub("caqes-toolkit <VERSION>", _SHA.sub("<SHA-256>", _DATE.sub("<DATE>", text)))
    return text + "\n"


def comparable_scores(scores: dict) -> dict:
    """``scores.json`` without the toolkit's version."""
    return {k: v for k, v in scores.items() if k != "version_outil"}


def make_references(out: Path, folder: str) -> dict[str, tuple[dict, str]]:
    """Run ``caqes reports`` (HTML only) for one case; scores and visible text by FINESS."""
    import subprocess

    args, finess = CASES[folder]
    caqes = str(Path(sys.executable).with_name("caqes"))
    proc = subprocess.run([caqes, "reports", *args, "--finess", ",".join(finess), "--formats", "html",
                           "--out", str(out), "--jobs", "2"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {code: (json.loads((out / code / "scores.json").read_text(encoding="utf-8")),
                   visible_text((out / code / "rapport.html").read_text(encoding="utf-8")))
            for code in finess}


@pytest.mark.parametrize("folder", sorted(CASES))
def test_reports_are_the_same_as_before(tmp_path: Path, folder: str) -> None:
    made = make_references(tmp_path / folder, folder)
    for code, (scores, text) in made.items():
        reference = REFERENCE / f"{folder}-{code}"
        expected_scores = json.loads((reference / "scores.json").read_text(encoding="utf-8"))
        assert comparable_scores(scores) == comparable_scores(expected_scores), code
        assert text == (reference / "texte.txt").read_text(encoding="utf-8"), code


def test_the_normalisation_hides_only_what_changes_between_runs() -> None:
    html = ("<html><style>p{}</style><p>Édité le</p><p>1er janvier 2027</p>"
            f"<p>Rapport généré par caqes-toolkit 0.2.0 : {'ab' * 32}</p><p> 99,7 % </p></html>")
    assert visible_text(html) == ("Édité le\n<DATE>\nRapport généré par caqes-toolkit <VERSION> : <SHA-256>\n"
                                  "99,7 %\n")
