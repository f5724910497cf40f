"""One establishment's report: the job (notebook parameters, outputs, fingerprint) and its run.

:func:`execute_job` executes the report notebook with papermill on this process's kernel
(:mod:`caqes_toolkit.run.execute`) and writes the executed notebook (the audit log) and
``scores.json``, the figures the notebook handed over through its declared output
(:mod:`caqes_toolkit.run.scores`); :func:`publish_report` writes ``rapport.html`` and ``rapport.pdf``
from that notebook, then ``.caqes-done.json`` holding the fingerprint of the inputs: a later run
skips the establishment while that fingerprint is unchanged: the files the loader read (their
SHA-256, as :attr:`Dataset.sources <caqes_toolkit.data.dataset.SourceFile>` lists them), the
campaigns, the notebook, the toolkit's own code (every module and template), the year and the
formats. With the Quarto renderer, the notebook is executed the same way, once, and Quarto renders
the executed notebook to each format. Every file is written atomically.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .. import __version__
from ..errors import CaqesError
from ..formats import agree
from ..outputs import describe_os_error, write_atomic
from ..resources import notebook

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from ..data.dataset import SourceFile
    from .render import PdfPrinter

__all__ = ["FORMATS", "TEMPLATE", "Job", "Outcome", "Status", "code_fingerprint", "execute_job", "make_jobs",
           "publish_report", "remove_stale"]

FORMATS = ("html", "pdf")
TEMPLATE = notebook("rapport_etablissement.ipynb")
DONE = ".caqes-done.json"
NOTEBOOK = "rapport.ipynb"


@dataclass(frozen=True)
class Job:
    """One establishment's report: the notebook parameters and where the outputs go."""

    finess: str
    annee: int
    donnees: str
    campagne: str
    out_dir: str
    formats: tuple[str, ...]
    fingerprint: str
    template: str = str(TEMPLATE)
    renderer: str = "nbclient"
    campagne_precedente: str = ""
    autre_annee: bool = False  # the year evaluated under another year's rules (--allow-other-year)
    phase: int = 2

    @property
    def parameters(self) -> dict[str, Any]:
        return {"finess": self.finess, "annee": self.annee, "donnees": self.donnees,
                "campagne": self.campagne, "campagne_precedente": self.campagne_precedente,
                **({"autre_annee": True} if self.autre_annee else {}), "phase": self.phase}

    def expected_files(self) -> list[Path]:
        folder = Path(self.out_dir)
        return [folder / NOTEBOOK, folder / "scores.json",
                *(folder / f"rapport.{fmt}" for fmt in self.formats)]

    def is_done(self) -> bool:
        """Outputs complete and made from the same inputs, campaign, notebook and toolkit."""
        marker = Path(self.out_dir) / DONE
        try:
            done = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return done.get("fingerprint") == self.fingerprint and all(p.exists() for p in self.expected_files())


#: What became of a job: made, already made (resumed), or failed.
Status = Literal["ok", "skipped", "failed"]


@dataclass(frozen=True)
class Outcome:
    """What became of one job. ``error`` names the failing cell and the exception."""

    finess: str
    status: Status
    seconds: float = 0.0
    cell: int | None = None
    error: str | None = None
    scores: dict[str, Any] = field(default_factory=dict)
    notebook: NotebookNode | None = field(default=None, repr=False)  # executed, for the pool to render


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def code_fingerprint() -> str:
    """SHA-256 of the toolkit's own code (modules and templates), computed once per process."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted([*package.rglob("*.py"), *(package / "documents" / "templates").rglob("*")]):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(f"{path.relative_to(package).as_posix()}:{_sha(path)}".encode() + b"\0")
    return digest.hexdigest()


def _error_text(exc: Exception) -> str:
    """What an outcome says of an exception (a file-system error in French, naming the path)."""
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    return str(exc) if isinstance(exc, CaqesError) else f"{type(exc).__name__}: {exc}"


def make_jobs(donnees: str | Path, campagne: str | Path, annee: int, out_dir: str | Path,
              finess: Iterable[str], formats: Sequence[str] = FORMATS,
              template: str | Path = TEMPLATE, renderer: str = "nbclient",
              campagne_precedente: str | Path | None = None, autre_annee: bool = False,
              sources: Iterable[SourceFile] | None = None, phase: int = 2) -> list[Job]:
    """One job per FINESS (each once); paths made absolute, output folders checked to stay inside
    ``out_dir``.

    ``sources``: the files the loader read (``Dataset.sources``), which the fingerprint covers;
    read again from ``donnees`` when not given.
    """
    root = Path(out_dir).resolve()
    donnees, campagne, template = Path(donnees).resolve(), Path(campagne).resolve(), Path(template).resolve()
    previous = Path(campagne_precedente).resolve() if campagne_precedente else None
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise CaqesError(f"{agree(len(unknown), 'format inconnu')} : {', '.join(unknown)} ; attendus : "
                         f"{', '.join(FORMATS)}")
    if sources is None:
        from ..data.load import read_source

        sources = read_source(donnees).sources
    common = hashlib.sha256()
    for part in [__version__, code_fingerprint(), str(annee), str(phase), ",".join(formats), renderer,
                 _sha(campagne), _sha(template), _sha(previous) if previous else "",
                 *sorted(f"{s.name}:{s.sha256}" for s in sources)]:
        common.update(part.encode() + b"\0")
    jobs = []
    for code in dict.fromkeys(finess):
        folder = (root / code).resolve()
        if folder.parent != root:
            raise CaqesError(f"FINESS {code!r} : le dossier de sortie sortirait de {root}")
        fingerprint = hashlib.sha256(common.digest() + code.encode()).hexdigest()
        jobs.append(Job(code, annee, str(donnees), str(campagne), str(folder), tuple(formats),
                        fingerprint, str(template), renderer, str(previous or ""), autre_annee, phase))
    return jobs


def _outcome(job: Job, start: float, status: Status = "ok", **fields: Any) -> Outcome:
    return Outcome(job.finess, status, time.perf_counter() - start, **fields)


def execute_job(job: Job) -> Outcome:
    """Execute one report notebook on this process's kernel and write the notebook and
    ``scores.json``; the outcome carries the executed notebook, for the caller to publish.
    Never raises for a failing report (the outcome says it)."""
    from .execute import ReportExecutionError, execute
    from .scores import scores_from_notebook

    start = time.perf_counter()
    folder = Path(job.out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / DONE).unlink(missing_ok=True)
        remove_stale(folder)
        nb = execute(job.template, job.parameters, output_path=folder / NOTEBOOK, cwd=Path(job.template).parent)
    except ReportExecutionError as exc:
        try:
            _write_notebook(folder / NOTEBOOK, exc.nb)
        except OSError as write_error:
            return _outcome(job, start, "failed", error=_error_text(write_error))
        return _outcome(job, start, "failed", cell=exc.exec_count, error=f"{exc.ename}: {exc.evalue}")
    except Exception as exc:
        return _outcome(job, start, "failed", error=_error_text(exc))
    try:
        _write_notebook(folder / NOTEBOOK, nb)
        scores = scores_from_notebook(nb)  # the figures the notebook displayed, read from its outputs
        write_atomic(folder / "scores.json", json.dumps(scores, ensure_ascii=False, indent=2))
    except Exception as exc:
        return _outcome(job, start, "failed", error=_error_text(exc))
    done = _outcome(job, start, scores=scores, notebook=nb)
    return _render_with_quarto(job, done) if job.renderer == "quarto" else done


def remove_stale(folder: Path) -> None:
    """Remove the temporary files of writes a killed worker left in a report's folder."""
    for stale in folder.glob(".*.tmp"):
        stale.unlink(missing_ok=True)


def _mark_done(job: Job) -> None:
    """Written last: the job's outputs are complete for this fingerprint."""
    write_atomic(Path(job.out_dir) / DONE, json.dumps({"fingerprint": job.fingerprint, "version": __version__}))


def publish_report(job: Job, outcome: Outcome, printer: PdfPrinter | None) -> Outcome:
    """Publish (HTML, PDF) the report an :func:`execute_job` outcome carries, then mark the job
    done; the outcome returned no longer carries the notebook."""
    from .publish import publish

    if outcome.notebook is None:
        return outcome
    start = time.perf_counter()
    title = f"Rapport CAQES {job.annee} — {outcome.scores.get('raison_sociale', '')} ({job.finess})"
    try:
        publish(outcome.notebook, Path(job.out_dir) / "rapport", job.formats, title=title, printer=printer,
                footer=f"CAQES {job.annee} — FINESS {job.finess}")
        _mark_done(job)
    except Exception as exc:
        return replace(outcome, status="failed", notebook=None, error=f"rendu : {_error_text(exc)}")
    return replace(outcome, notebook=None, seconds=outcome.seconds + time.perf_counter() - start)


def _write_notebook(path: Path, nb: NotebookNode) -> None:
    import nbformat

    write_atomic(path, nbformat.writes(nb))


def _render_with_quarto(job: Job, outcome: Outcome) -> Outcome:
    """Quarto renders the executed notebook (``rapport.ipynb``, not executed again) to each format,
    for users who have it; then the job is done."""
    quarto = shutil.which("quarto")
    if quarto is None:
        return replace(outcome, status="failed", notebook=None,
                       error="quarto introuvable sur le PATH : installez Quarto (conda-forge) ou utilisez le "
                             "moteur par défaut")
    folder = Path(job.out_dir)
    for fmt in job.formats:
        proc = subprocess.run([quarto, "render", NOTEBOOK, "--to", fmt, "--output", f"rapport.{fmt}"],
                              capture_output=True, text=True, cwd=folder)
        if proc.returncode != 0:
            return replace(outcome, status="failed", notebook=None,
                           error=f"quarto ({fmt}) : {proc.stderr.strip()[-500:]}")
    _mark_done(job)
    return replace(outcome, notebook=None)
