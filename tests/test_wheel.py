"""The package as a user installs it: a wheel in a fresh virtual environment, run from another folder.

The wheel is built from a copy of the files a clone holds (no build artefact in the repository),
installed without ``-e`` in a new environment (its dependencies from the package index, at the
versions of the test environment, which pip's cache holds), and every command runs in a folder
that has no link to the source tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from caqes_toolkit.run.render import chromium_available

from .conftest import ROOT

pytestmark = pytest.mark.slow

SOURCES = ("pyproject.toml", "README.md", "caqes_toolkit", "notebooks", "params", "data")
FINESS = "094869773"


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str], Path]:
    """(the environment's bin folder, its environment variables, the wheel)."""
    base = tmp_path_factory.mktemp("roue")
    source = base / "source"
    source.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        else:
            shutil.copy2(path, source / name)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
                  "-w", str(base / "dist"), str(source)], base, env)
    assert built.returncode == 0, built.stderr
    wheel = next((base / "dist").glob("caqes_toolkit-*.whl"))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    # Pinned to the versions this test environment runs: pip's cache holds them, nothing to backtrack.
    frozen = _run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"], base, env).stdout.splitlines()
    versions = base / "versions.txt"
    versions.write_text("\n".join(p for p in frozen if "==" in p and not p.lower().startswith("caqes")),
                        encoding="utf-8")
    done = _run([sys.executable, "-m", "pip", "--python", str(bin_dir / "python"), "install", "--quiet",
                 "--disable-pip-version-check", "--no-compile", "-c", str(versions), str(wheel)],
                base, env, timeout=900)  # --no-compile: modules are compiled when first imported
    assert done.returncode == 0, done.stderr
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return bin_dir, env, wheel


def test_wheel_ships_notebooks_campaigns_sample_data_and_templates(installed) -> None:
    names = set(zipfile.ZipFile(installed[2]).namelist())
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        assert f"caqes_toolkit/notebooks/{notebook.name}" in names
    for campaign in [*(ROOT / "params").glob("*.yml"), ROOT / "params" / "README.md"]:
        assert f"caqes_toolkit/params/{campaign.name}" in names
    for sample in ("exemple", "exemple-2022"):
        for path in (ROOT / "data" / sample).iterdir():
            assert f"caqes_toolkit/exemples/{sample}/{path.name}" in names
    for template in (ROOT / "caqes_toolkit" / "documents" / "templates").iterdir():
        assert f"caqes_toolkit/documents/templates/{template.name}" in names
    assert not any(n.startswith(("tests/", "notebooks/", "params/", "data/")) for n in names)


def test_installed_commands_work_from_another_folder(installed, tmp_path: Path) -> None:
    bin_dir, env, _ = installed
    where = _run([str(bin_dir / "python"), "-c", "import caqes_toolkit, sys; print(caqes_toolkit.__file__); "
                  "print(*sys.path, sep='\\n')"], tmp_path, env)
    module, *path = where.stdout.splitlines()
    assert "site-packages" in module and not Path(module).is_relative_to(ROOT)
    assert not any(p and Path(p).resolve().is_relative_to(ROOT) for p in path)

    caqes = str(bin_dir / "caqes")
    version = _run([caqes, "--version"], tmp_path, env)
    assert version.returncode == 0 and version.stdout.startswith("caqes-toolkit 0.1.0"), version

    assert _run([caqes, "init", "travail"], tmp_path, env).returncode == 0
    work = tmp_path / "travail"
    campaign = ["--campaign", "params/caqes-2019.yml"]
    valid = _run([caqes, "validate", "data/exemple", *campaign], work, env)
    assert valid.returncode == 0 and "0 erreur, 0 avertissement" in valid.stdout, valid

    scored = _run([caqes, "score", "data/exemple", *campaign, "--out", "sorties/scores.csv"], work, env)
    assert scored.returncode == 0, scored
    assert len((work / "sorties" / "scores.csv").read_text(encoding="utf-8").splitlines()) == 1 + 20

    formats = "html,pdf" if chromium_available() else "html"
    reports = _run([caqes, "rapports", "data/exemple", *campaign, "--out", "sorties/rapports", "--finess", FINESS,
                    "--formats", formats, "--jobs", "1"], work, env)
    assert reports.returncode == 0, reports
    folder = work / "sorties" / "rapports" / FINESS
    html = (folder / "rapport.html").read_text(encoding="utf-8")
    assert FINESS in html and "Traceback" not in html
    if "pdf" in formats:
        assert (folder / "rapport.pdf").read_bytes().startswith(b"%PDF")

    method = _run([caqes, "methode", *campaign, "--out", "sorties/methode", "--formats", formats], work, env)
    assert method.returncode == 0, method
    assert any((work / "sorties" / "methode").glob("*.html"))
