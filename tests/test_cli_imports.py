"""The command line loads only what a command needs: ``caqes --help`` none of the heavy libraries, a
command's help none of the data libraries (typer itself loads pydantic to read options), ``caqes score``
none of the notebook, chart or template machinery (nor openpyxl for CSV files)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "numpy", "pyarrow", "pydantic", "yaml", "openpyxl", "matplotlib", "nbconvert", "nbclient",
         "papermill", "jinja2", "importlib.metadata")
PROGRAM = f"""
import json, sys
from caqes_toolkit.__main__ import main
sys.argv = ["caqes", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({{"code": code, "loaded": [m for m in {HEAVY!r} if m in sys.modules]}}), file=sys.stderr)
"""


def _loaded(*args: str) -> tuple[int, set[str]]:
    proc = subprocess.run([sys.executable, "-c", PROGRAM, *args], capture_output=True, text=True, cwd=ROOT,
                          check=False)
    result = json.loads(proc.stderr.strip().splitlines()[-1])
    return result["code"], set(result["loaded"])


def test_help_loads_no_heavy_library():
    assert _loaded("--help") == (0, set())


@pytest.mark.parametrize("command", ["score", "reports", "synthese", "validate"])
def test_command_help_loads_no_data_library(command):
    code, loaded = _loaded(command, "--help")
    assert code == 0 and loaded <= {"pydantic", "importlib.metadata"}


def test_score_loads_no_notebook_machinery(tmp_path):
    code, loaded = _loaded("score", "data/exemple", "--campaign", "params/caqes-2019.yml",
                           "--out", str(tmp_path / "scores.csv"))
    assert code is None or code == 0
    assert (tmp_path / "scores.csv").exists()
    assert not loaded & {"matplotlib", "nbconvert", "nbclient", "papermill", "jinja2"}
    assert "openpyxl" not in loaded  # a folder of CSV files read and a .csv written without it


def test_files_are_read_before_pandas_is_loaded():
    """The background reading starts before pandas is imported: its module stays free of it."""
    proc = subprocess.run([sys.executable, "-c", "import sys, caqes_toolkit.data.files; print('pandas' in sys.modules)"],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    assert proc.stdout.strip() == "False"
