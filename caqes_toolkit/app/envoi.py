"""``caqes envoi``: what the ARS mails each establishment, one pack per establishment evaluated,
``sorties/envoi-<année>/<finess>.zip``: its report (PDF), its action plan and its self-evaluation
grid (when the campaign's generation has them) and a cover letter (PDF) made from the workspace's
model (:mod:`caqes_toolkit.documents.letter`); and ``destinataires.csv`` (``finess,
raison_sociale, courriel, fichier``) for a mail merge. No e-mail is sent.

What is up to date is reused: the reports (the batch skips those whose inputs did not change), the
plans and grids written after the last change of the data and campaigns. What is missing or older
is made. A plan or a grid that a person changed since it was written is joined as it is (said).
An establishment whose report failed gets no pack (said, the others are made).
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..outputs import atomic_path, check_outputs, made_by_people, output_lock, refuse_overwrite, remember_outputs
from .commands import grille, plan
from .documents import Reports, ReportsOptions, reports
from .request import OpenRequest, Request, UsageError, open_request, with_years

if TYPE_CHECKING:
    from ..documents.letter import Letter, LetterValues

__all__ = ["Sent", "envoi"]

RECIPIENTS = "destinataires.csv"
RECIPIENT_COLUMNS = ("finess", "raison_sociale", "courriel", "fichier")


@dataclass(frozen=True)
class Sent:
    """What ``caqes envoi`` made: the packs (in ``folder``), the recipients' list, the letter's model,
    the reports' batch, the establishments left without pack (FINESS → why), those without e-mail,
    and the plans or grids joined as a person left them."""

    folder: Path
    packs: list[Path]
    recipients: Path
    model: Path
    reports: Reports
    without_pack: dict[str, str]
    without_email: list[str]
    as_left: list[Path]


def envoi(req: Request, options: ReportsOptions) -> Sent:
    """``caqes envoi`` (see the module docstring); the workspace gives every path."""
    from ..documents.letter import Letter, find_model

    workspace = req.need_workspace("caqes envoi")
    req = with_years(req)
    if "pdf" not in req.formats:
        raise UsageError("--formats : le dossier d'envoi joint le rapport en PDF ; gardez pdf dans --formats")
    folder = req.out(None, "envoi")
    letter = Letter(find_model(workspace.folder))  # a model that cannot be used stops before anything is made
    check_outputs(req.inputs, folders=[folder])
    batch = reports(req, None, options)
    opened = open_request(req, folders=[folder])
    assert opened.dataset is not None
    wanted = list(req.finess) if req.finess is not None else None
    evaluated = opened.generation.evaluated(opened.dataset, opened.campaign, opened.year, wanted)
    failed = {o.finess: f"rapport en échec ({o.error})" for o in batch.failures}
    ready = [f for f in evaluated if f not in failed and (batch.folder / f / "rapport.pdf").is_file()]
    without_pack = {**failed, **{f: "rapport PDF absent" for f in evaluated if f not in ready and f not in failed}}
    documents, as_left = _documents(req, opened, ready)
    _warn_past_deadline(req, opened)
    packs = [folder / f"{f}.zip" for f in ready]
    letters = [folder / "courriers" / f"courrier_{f}_{opened.year}.pdf" for f in ready]
    refuse_overwrite([*packs, *letters, folder / RECIPIENTS], req.force)
    with output_lock(folder):
        _write_packs(req, opened, letter, ready, documents, packs, letters, batch.folder)
        recipients, without_email = _recipients(opened, ready, folder)
    return Sent(folder, packs, recipients, letter.model, batch, without_pack, without_email, as_left)


def _documents(req: Request, opened: OpenRequest, ready: list[str]) -> tuple[dict[str, list[Path]], list[Path]]:
    """Each establishment's plan and grid (when the generation has them), made when missing or older
    than the inputs; and those a person changed, joined as they are."""
    from ..documents.grid import grid_path
    from ..documents.plan import plan_path

    year, generation = opened.year, opened.generation
    kinds: list[tuple[str, Callable[[Path, str, int], Path], Callable[[Request, Path | None], object]]] = []
    if generation.without_plans is None:
        kinds.append(("plans", plan_path, plan))
    if generation.without_grids is None:
        kinds.append(("grilles", grid_path, grille))
    documents: dict[str, list[Path]] = {f: [] for f in ready}
    as_left: list[Path] = []
    newest = _newest_input(req)
    for kind, path_of, make in kinds:
        folder = req.out(None, kind)
        paths = {f: path_of(folder, f, year) for f in ready}
        people = set(made_by_people(paths.values()))
        stale = [f for f, p in paths.items() if p not in people and (not p.is_file() or p.stat().st_mtime < newest)]
        if stale:
            make(replace(req, finess=tuple(stale)), None)
        as_left += sorted(people)
        for f, p in paths.items():
            documents[f].append(p)
    return documents, as_left


def _warn_past_deadline(req: Request, opened: OpenRequest) -> None:
    """Warn when the letters would ask for something by a day already past."""
    from ..documents.fragments import french_date

    assert req.workspace is not None
    deadline = req.workspace.ars.deadline or opened.campaign.grid_deadline
    if isinstance(deadline, dt.date) and deadline < dt.date.today():
        req.listener.warn(f"avertissement — la date limite de retour ({french_date(deadline)}) est passée : les "
                          f"courriers la citent ; changez [ars] date_limite_grille dans {req.workspace.file} ou le "
                          "modèle de courrier (modeles/)")


def _newest_input(req: Request) -> float:
    """When the data or a campaign last changed."""
    from ..data.names import input_files

    inputs = [*(input_files(req.data) if req.data is not None else []), *req.campaigns]
    return max((p.stat().st_mtime for p in inputs if p.exists()), default=0.0)


def _write_packs(req: Request, opened: OpenRequest, letter: Letter, ready: list[str],
                 documents: dict[str, list[Path]], packs: list[Path], letters: list[Path], reports_dir: Path) -> None:
    """Each establishment's letter (PDF) and pack (zip), written atomically, recorded as written."""
    from ..run.publish import publish
    from ..run.render import PdfPrinter

    names = dict(zip(opened.dataset.establishments["finess"], opened.dataset.establishments["raison_sociale"],
                     strict=True)) if opened.dataset is not None else {}
    written: list[Path] = []
    try:
        with PdfPrinter() as printer, req.listener.task(f"Dossiers d'envoi {opened.year}", len(ready)) as advance:
            for finess, pack, letter_path in zip(ready, packs, letters, strict=True):
                report = reports_dir / finess / "rapport.pdf"
                joined = [(report, f"rapport_{finess}_{opened.year}.pdf"),
                          *((p, p.name) for p in documents[finess])]
                values = _values(req, opened, finess, names.get(finess, ""), [name for _, name in joined],
                                 reports_dir / finess / "scores.json")
                letter_path.parent.mkdir(parents=True, exist_ok=True)
                written += publish(letter.html(values), letter_path.with_suffix(""), ("pdf",), printer=printer,
                                   title=f"Courrier — {finess}")
                with atomic_path(pack) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
                    for path, name in [*joined, (letter_path, letter_path.name)]:
                        archive.write(path, name)
                written.append(pack)
                advance()
    finally:
        remember_outputs(written)


def _values(req: Request, opened: OpenRequest, finess: str, name: str, pieces: list[str],
            scores: Path) -> LetterValues:
    """What the letter of ``finess`` says: the ARS (workspace, else campaign), the figures of its report."""
    from ..documents.letter import LetterValues

    workspace = req.workspace
    assert workspace is not None
    figures = json.loads(scores.read_text(encoding="utf-8"))
    deadline = workspace.ars.deadline or opened.campaign.grid_deadline
    return LetterValues(
        ars_name=workspace.ars.name or "Agence régionale de santé",
        ars_contact=workspace.ars.contact or opened.campaign.ars_contact or "",
        deadline=deadline if isinstance(deadline, dt.date) else None, finess=finess,
        name=name or str(figures.get("raison_sociale", "")), year=opened.year,
        campaign=opened.campaign.label_for(opened.year), score=figures.get("score_global"),
        classe=figures.get("classe"), incentive=figures.get("interessement_total"),
        pieces=tuple(_piece(p, opened.year) for p in pieces), today=dt.date.today())


#: How the letter names each document of the pack, by the start of its file name.
PIECES = {"rapport_": "Rapport d'évaluation {annee}", "plan_actions_": "Plan d'actions {annee}, à compléter",
          "grille_": "Grille d'auto-évaluation {annee}"}


def _piece(file_name: str, year: int) -> str:
    label = next((text for start, text in PIECES.items() if file_name.startswith(start)), "Document")
    return f"{label.format(annee=year)} ({file_name})"


def _recipients(opened: OpenRequest, ready: list[str], folder: Path) -> tuple[Path, list[str]]:
    """``destinataires.csv``: one row per pack, the establishment's e-mail from its optional
    ``courriel`` column (empty when it has none); and the FINESS without one."""
    import pandas as pd

    from ..outputs import csv_text

    assert opened.dataset is not None
    es = opened.dataset.establishments.set_index("finess")
    emails = es["courriel"].fillna("") if "courriel" in es else pd.Series("", index=es.index)
    table = pd.DataFrame({"finess": ready, "raison_sociale": [str(es.at[f, "raison_sociale"]) for f in ready],
                          "courriel": [str(emails.get(f, "")) for f in ready],
                          "fichier": [f"{f}.zip" for f in ready]}, columns=list(RECIPIENT_COLUMNS))
    path = folder / RECIPIENTS
    with atomic_path(path) as tmp:
        tmp.write_bytes(csv_text(table).encode("utf-8"))
    remember_outputs([path])
    return path, [f for f, mail in zip(table["finess"], table["courriel"], strict=True) if not mail.strip()]
