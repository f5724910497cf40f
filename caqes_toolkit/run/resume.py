"""A fast answer to ``caqes reports`` when every report of the request is up to date already.

After a batch where no report failed, :func:`record` writes ``DIR/.caqes-lot.json``: a key of
the request (the toolkit's code and version, the options, the SHA-256 of every file of the data
folder or workbook, of the campaigns and of the notebooks) and the fingerprint of each report.
The data files are those the loader reads (:func:`~caqes_toolkit.data.names.input_files`).
A later identical request is answered by :func:`up_to_date` from that file, the reports'
``.caqes-done.json`` and the presence of their files, before any data is read, any worker or
Chromium is started or any notebook library imported. Any difference (a data file edited or
added, another option, a report deleted) sends the request down the normal path, which skips
each report whose own fingerprint still matches.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from .. import __version__
from ..data.names import input_files
from ..outputs import write_atomic
from .jobs import DONE, Job, code_fingerprint

__all__ = ["MARKER", "batch_key", "record", "recorded", "up_to_date"]

MARKER = ".caqes-lot.json"
#: Outputs of the whole batch, beside each report's folder.
BATCH_FILES = ("index.html", "scores.xlsx")


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "absent"


def batch_key(data: Path, campaigns: Sequence[Path], notebooks: Sequence[Path], **options: object) -> str:
    """SHA-256 of what a ``caqes reports`` request depends on: the toolkit, the ``options`` as
    given, and the content of the data, campaign and notebook files."""
    files = [*input_files(data), *campaigns, *notebooks]
    parts = {"version": __version__, "code": code_fingerprint(), "options": {k: repr(v) for k, v in options.items()},
             "files": [[str(p.resolve()), _digest(p)] for p in files]}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def record(out_dir: Path, key: str, jobs: Iterable[Job], *, notebook: Path, absent: dict[str, str]) -> None:
    """Remember that every report of ``jobs`` is up to date for the request ``key``, made with
    ``notebook``, and which establishments have no report (``absent``, each with why)."""
    reports = {Path(job.out_dir).name: {"fingerprint": job.fingerprint,
                                        "files": [p.name for p in job.expected_files()]} for job in jobs}
    write_atomic(out_dir / MARKER, json.dumps({"key": key, "reports": reports, "notebook": str(notebook),
                                               "absents": absent}, ensure_ascii=False))


def recorded(out_dir: Path) -> tuple[Path, dict[str, str]]:
    """The notebook and the establishments without report of the batch recorded in ``out_dir``."""
    try:
        marker = json.loads((out_dir / MARKER).read_text(encoding="utf-8"))
        return Path(marker["notebook"]), {str(k): str(v) for k, v in marker["absents"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return Path(), {}


def up_to_date(out_dir: Path, key: str) -> int | None:
    """How many reports the request ``key`` has, all up to date; ``None`` when any is not
    (or the batch was never recorded for that request)."""
    try:
        marker = json.loads((out_dir / MARKER).read_text(encoding="utf-8"))
        if marker.get("key") != key or not all((out_dir / name).is_file() for name in BATCH_FILES):
            return None
        for name, report in marker["reports"].items():
            folder = out_dir / name
            present = set(os.listdir(folder))  # one directory read rather than a stat per file
            if not present.issuperset(report["files"]):
                return None
            if json.loads((folder / DONE).read_bytes()).get("fingerprint") != report["fingerprint"]:
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return len(marker["reports"])
