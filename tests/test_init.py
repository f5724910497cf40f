"""``caqes init``: a working folder for an ARS team, copied from the files the package ships."""

from __future__ import annotations

import ast
import errno
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caqes_toolkit import workspace
from caqes_toolkit.cli import app

from .conftest import ROOT

runner = CliRunner()


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _expected_copies() -> dict[str, Path]:
    """What a working folder copies, listed from the repository (not from the package)."""
    plan = {"caqes.toml": ROOT / "caqes_toolkit" / "workspace_caqes.toml",
            "modeles/courrier.md": ROOT / "caqes_toolkit" / "documents" / "templates" / "courrier.md"}
    plan |= {f"params/{p.name}": p for p in (ROOT / "params").glob("*.yml")}
    plan["params/README.md"] = ROOT / "params" / "README.md"
    plan |= {f"notebooks/{p.name}": p for p in (ROOT / "notebooks").glob("*.ipynb")}
    for name in ("exemple", "exemple-2022"):
        plan |= {f"data/{name}/{p.name}": p for p in (ROOT / "data" / name).iterdir() if p.is_file()}
    return plan


def test_init_copies_campaigns_notebooks_sample_data_and_a_readme(tmp_path: Path) -> None:
    folder = tmp_path / "ars" / "caqes"  # the parent does not exist yet
    res = runner.invoke(app, ["init", str(folder)])
    assert res.exit_code == 0, res.output
    tree = _tree(folder)
    expected = _expected_copies()
    assert set(tree) == {"README.md", *expected}
    assert all(tree[name] == source.read_bytes() for name, source in expected.items())
    assert len([n for n in tree if n.startswith("notebooks/")]) == len(list((ROOT / "notebooks").glob("*.ipynb")))
    readme = tree["README.md"].decode("utf-8")
    assert "caqes validate data/exemple --campaign params/caqes-2019.yml" in readme
    assert "$" not in readme.replace("$version", "")  # every placeholder filled
    assert "README.md" in res.output and "caqes etat" in res.output
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_init_folder_works_with_the_commands_it_suggests(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "travail"
    assert runner.invoke(app, ["initialiser", str(folder)]).exit_code == 0  # French alias
    monkeypatch.chdir(folder)
    res = runner.invoke(app, ["validate", "data/exemple", "--campaign", "params/caqes-2019.yml"])
    assert res.exit_code == 0, res.output
    assert res.output == "dossier de travail\u202f: caqes.toml\ndata/exemple\u202f: 0 erreur, 0 avertissement.\n"
    res = runner.invoke(app, ["score", "data/exemple", "-c", "params/caqes-2019.yml", "--out", "sorties/scores.csv"])
    assert res.exit_code == 0, res.output
    assert res.output.endswith("20 lignes écrites dans sorties/scores.csv.\n")  # the 20 of the sample region, 2019


def test_notebooks_default_paths_lead_to_the_copied_files(tmp_path: Path) -> None:
    """Each notebook's default ``donnees`` and ``campagne``, read from notebooks/, exist in the folder."""
    import papermill

    folder = tmp_path / "travail"
    workspace.create_workspace(folder)
    for nb in sorted((folder / "notebooks").glob("*.ipynb")):
        params = papermill.inspect_notebook(str(nb))
        for name in ("donnees", "campagne"):
            default = ast.literal_eval(params[name]["default"])
            assert (folder / "notebooks" / default).exists(), (nb.name, name, default)


@pytest.mark.parametrize("existing", ["mes-notes.txt", ".cache/x"])
def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path, existing: str) -> None:
    folder = tmp_path / "travail"
    (folder / existing).parent.mkdir(parents=True)
    (folder / existing).write_text("à garder", encoding="utf-8")
    before = _tree(folder)
    res = runner.invoke(app, ["init", str(folder)])
    assert res.exit_code == 1
    assert "n'est pas vide" in res.output and str(folder) in res.output
    assert "Traceback" not in res.output
    assert _tree(folder) == before


def test_init_accepts_an_empty_folder_and_refuses_a_file(tmp_path: Path) -> None:
    empty = tmp_path / "vide"
    empty.mkdir()
    assert runner.invoke(app, ["init", str(empty)]).exit_code == 0
    assert (empty / "params" / "caqes-2019.yml").is_file()
    a_file = tmp_path / "fichier.txt"
    a_file.write_text("x", encoding="utf-8")
    res = runner.invoke(app, ["init", str(a_file)])
    assert res.exit_code == 1 and "c'est un fichier" in res.output
    assert a_file.read_text(encoding="utf-8") == "x"


def test_an_interrupted_init_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    calls = {"n": 0}
    copy = shutil.copyfile

    def disk_full_at_the_third_file(src, dst, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return copy(src, dst, *args, **kwargs)

    monkeypatch.setattr(workspace.shutil, "copyfile", disk_full_at_the_third_file)
    res = runner.invoke(app, ["init", str(tmp_path / "travail")])
    assert res.exit_code == 1
    assert "Traceback" not in res.output and "disque plein" in res.output
    assert list(tmp_path.iterdir()) == []
