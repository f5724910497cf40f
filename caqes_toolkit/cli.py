"""Command line ``caqes``: a thin layer over the package's functions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .campaign import Campaign, campaign_for_year, load_campaign
from .errors import CaqesError, DataError

app = typer.Typer(
    name="caqes",
    help="Évaluation des CAQES : validation des données, scores, rapports par établissement.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DataArg = Annotated[Path, typer.Argument(help="Dossier de CSV ou classeur .xlsx (contrat de données).")]
CampaignOpt = Annotated[Path, typer.Option("--campaign", "-c", help="Fichier de campagne YAML (params/).")]
CampaignsOpt = Annotated[list[Path], typer.Option(
    "--campaign", "-c", help="Fichier(s) de campagne YAML ; un par année si les règles diffèrent.")]
YearsOpt = Annotated[list[int], typer.Option("--year", "-y", help="Année(s) évaluée(s).")]
YearOpt = Annotated[int, typer.Option("--year", "-y", help="Année évaluée.")]
OutDirOpt = Annotated[Path, typer.Option("--out", "-o", help="Dossier de sortie.")]
PhaseOpt = Annotated[int, typer.Option(
    "--phase", min=1, max=2, help="1 : évaluation provisoire (indicateurs Assurance Maladie en attente) ; "
    "2 : définitive (défaut).")]


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]Erreur[/] : {message}", markup=True)
    return typer.Exit(1)


@contextmanager
def _user_errors() -> Iterator[None]:
    """Show the package's errors as clear messages (every data fault) and exit with status 1."""
    try:
        yield
    except DataError as exc:
        for fault in exc.faults:
            err.print(str(fault))
        raise _fail(f"{len(exc.faults)} anomalie(s) dans les données (détail : caqes validate).") from None
    except (CaqesError, ValueError) as exc:
        raise _fail(str(exc)) from None


def _campaigns(paths: list[Path], year: int) -> tuple[Campaign, Campaign | None]:
    """The campaign of ``year`` and, if given, the one of ``year − 1`` (to compare rules)."""
    campaigns = [load_campaign(p) for p in paths]
    previous = [c for c in campaigns if c.year == year - 1]
    return campaign_for_year(campaigns, year), (previous[0] if previous else None)


def _formats(text: str) -> tuple[str, ...]:
    return tuple(f.strip().lower() for f in text.split(",") if f.strip())


@app.command()
def validate(data: DataArg, campaign: CampaignOpt) -> None:
    """Vérifie les données et liste toutes les anomalies (code 0 : aucune erreur)."""
    from .validation import validate as check

    with _user_errors():
        faults = check(data, load_campaign(campaign))
    errors = [f for f in faults if f.severity == "erreur"]
    for fault in faults:
        out.print(str(fault))
    out.print(f"{data} : {len(errors)} erreur(s), {len(faults) - len(errors)} avertissement(s).")
    raise typer.Exit(1 if errors else 0)


@app.command()
def score(
    data: DataArg,
    campaign: CampaignsOpt,
    year: YearsOpt,
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Fichier de scores .csv ou .xlsx.")],
    detail: Annotated[Path | None, typer.Option(help="Scores par indicateur (.csv ou .xlsx).")] = None,
    phase: PhaseOpt = 2,
) -> None:
    """Calcule les scores de chaque établissement (une ligne par établissement et par année)."""
    from .load import load_dataset
    from .outputs import write_table
    from .present import LABELS, detail_table, score_table
    from .scoring import score_by_year

    with _user_errors():
        campaigns = [load_campaign(p) for p in campaign]
        dataset = load_dataset(data, campaign_for_year(campaigns, max(year)))
        by_year = score_by_year(dataset, campaigns, year, phase=phase)
        table = score_table(by_year)
        write_table({"scores": table}, out_file, LABELS)
        if detail is not None:
            write_table({"indicateurs": detail_table(by_year)}, detail, LABELS, decimals=2)
    for fault in dataset.warnings:
        err.print(str(fault))
    out.print(f"{len(table)} ligne(s) écrite(s) dans {out_file}.")


FinessOpt = Annotated[list[str] | None, typer.Option(
    "--finess", "-f", help="Établissement(s) à traiter (répéter l'option ou séparer par des virgules).")]


def _selection(dataset, year: int, finess: list[str] | None) -> list[str]:
    """FINESS with data in ``year`` (or the requested ones, which must exist)."""
    with_data = sorted(set(dataset.results.loc[dataset.results["annee"] == year, "finess"]))
    if not finess:
        return with_data
    wanted = [f.strip() for value in finess for f in value.replace(" ", ",").split(",") if f.strip()]
    unknown = [f for f in wanted if f not in with_data]
    if unknown:
        raise CaqesError(f"FINESS sans données pour {year} : {', '.join(unknown)}")
    return wanted


def _progress():
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("échecs : {task.fields[failed]}"), TextColumn("ignorés : {task.fields[skipped]}"),
        TimeElapsedColumn(), TextColumn("reste"), TimeRemainingColumn(),
        console=err, transient=False,
    )


@app.command()
def reports(
    data: DataArg,
    campaign: CampaignsOpt,
    year: YearOpt,
    out_dir: OutDirOpt,
    formats: Annotated[str, typer.Option(
        "--formats", help="Formats : html, pdf (séparés par des virgules).")] = "html,pdf",
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Processus de travail en parallèle.")] = 2,
    finess: FinessOpt = None,
    scheduler: Annotated[str | None, typer.Option(help="Adresse d'un ordonnanceur Dask (tcp://hôte:port).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Refaire aussi les rapports à jour.")] = False,
    renderer: Annotated[str, typer.Option(help="Moteur : nbclient (défaut) ou quarto.")] = "nbclient",
    notebook: Annotated[Path | None, typer.Option(
        help="Notebook de rapport à utiliser (défaut : notebooks/rapport_etablissement.ipynb).")] = None,
    phase: PhaseOpt = 2,
) -> None:
    """Rapports d'évaluation (notebook exécuté, HTML, PDF, scores.json) de chaque établissement."""
    import shutil

    from .batch import TEMPLATE, ReportPool, make_jobs, run_jobs
    from .render import chromium_available

    with ExitStack() as stack:
        with _user_errors():
            if renderer not in ("nbclient", "quarto"):
                raise CaqesError(f"moteur inconnu : {renderer} (attendu : nbclient ou quarto)")
            if renderer == "quarto" and shutil.which("quarto") is None:
                raise CaqesError("quarto introuvable sur le PATH : installez Quarto (par exemple "
                                 "« conda install -c conda-forge quarto ») ou utilisez --renderer nbclient")
            fmts = _formats(formats)
            if "pdf" in fmts and renderer == "nbclient" and not chromium_available():
                raise CaqesError("Chromium introuvable (/usr/bin/chromium-headless-shell, /usr/bin/chromium ou "
                                 "CAQES_CHROMIUM) : installez le paquet Debian « chromium-headless-shell » ou "
                                 "« chromium » (make sysdeps) ou demandez --formats html")
            # The local workers' forkserver starts now and loads its modules while the data are read.
            pool = None if scheduler else stack.enter_context(ReportPool(jobs))
            from .index import write_index
            from .load import load_dataset
            from .outputs import write_table
            from .present import LABELS, score_table
            from .scoring import score_by_year

            camp, previous = _campaigns(campaign, year)
            dataset = load_dataset(data, camp)
            selected = _selection(dataset, year, finess)
            job_list = make_jobs(data, camp.path, year, out_dir, selected, fmts,
                                 template=notebook or TEMPLATE, renderer=renderer,
                                 campagne_precedente=previous.path if previous else None, phase=phase)
            table = score_table(score_by_year(dataset, [camp], [year], phase=phase))
            write_table({"scores": table[table["finess"].isin(selected)]}, out_dir / "scores.xlsx", LABELS)

        counts = {"failed": 0, "skipped": 0}
        with _progress() as progress:
            task = progress.add_task(f"Rapports {year}", total=len(job_list), **counts)

            def advance(outcome) -> None:
                if outcome.status in counts:
                    counts[outcome.status] += 1
                progress.update(task, advance=1, **counts)

            outcomes = run_jobs(job_list, workers=jobs, scheduler=scheduler, force=force, on_outcome=advance,
                                pool=pool)
    write_index(out_dir, outcomes, campaign=camp.name, year=year, formats=fmts, workbook="scores.xlsx")
    done = sum(o.status == "ok" for o in outcomes)
    out.print(f"{done} rapport(s) produit(s), {counts['skipped']} déjà à jour, {counts['failed']} échec(s) "
              f"— index : {out_dir / 'index.html'}")
    failures = [o for o in outcomes if o.status == "failed"]
    if failures:
        err.print("[bold red]Échecs[/] :", markup=True)
        for o in sorted(failures, key=lambda o: o.finess):
            cell = f"cellule [{o.cell}]" if o.cell is not None else "hors cellule"
            notebook = out_dir / o.finess / "rapport.ipynb"
            where = f"notebook : {notebook}" if notebook.exists() else "pas de notebook"
            err.print(f"  {o.finess} — {cell} — {o.error} ({where})")
        raise typer.Exit(1)


@app.command()
def plan(
    data: DataArg,
    campaign: CampaignsOpt,
    year: YearOpt,
    out_dir: OutDirOpt,
    finess: FinessOpt = None,
) -> None:
    """Plans d'actions (.xlsx) pré-remplis avec les priorités, à compléter par chaque établissement."""
    from .load import load_dataset
    from .plan import write_plans
    from .scoring import score_by_year

    with _user_errors():
        camp, _ = _campaigns(campaign, year)
        dataset = load_dataset(data, camp)
        selected = _selection(dataset, year, finess)
        scores = score_by_year(dataset, [camp], [year])[year]
        with _progress() as progress:
            task = progress.add_task(f"Plans d'actions {year}", total=len(selected), failed=0, skipped=0)
            written = write_plans(scores, year, out_dir, selected,
                                  progress=lambda _finess: progress.update(task, advance=1))
    out.print(f"{len(written)} plan(s) d'actions écrit(s) dans {out_dir}.")


@app.command()
def methode(
    campaign: CampaignOpt,
    out_dir: OutDirOpt,
    formats: Annotated[str, typer.Option("--formats", help="Formats : html, pdf.")] = "html,pdf",
) -> None:
    """Document de méthode (HTML, PDF) généré depuis le fichier de campagne, publiable par l'ARS."""
    from .method import write_method

    with _user_errors(), _progress() as progress:
        task = progress.add_task("Méthode", total=1, failed=0, skipped=0)
        written = write_method(load_campaign(campaign), out_dir, _formats(formats))
        progress.update(task, advance=1)
    for path in written:
        out.print(f"écrit : {path}")


@app.command()
def synthese(
    data: DataArg,
    campaign: CampaignsOpt,
    year: YearOpt,
    out_dir: OutDirOpt,
    formats: Annotated[str, typer.Option("--formats", help="Formats : html, pdf.")] = "html,pdf",
    region: Annotated[str, typer.Option(help="Région (si les données en couvrent plusieurs).")] = "",
    phase: PhaseOpt = 2,
) -> None:
    """Synthèse régionale pour l'ARS (document interne : nomme les établissements)."""
    from .batch import SYNTHESIS_TEMPLATE, render_notebook
    from .execute import ReportExecutionError
    from .load import load_dataset

    base = out_dir / f"synthese_regionale_{year}"
    with _user_errors():
        camp, previous = _campaigns(campaign, year)
        load_dataset(data, camp)  # every data fault shown before any kernel starts
        params = {"annee": year, "donnees": str(data.resolve()), "campagne": str(Path(camp.path).resolve()),
                  "campagne_precedente": str(Path(previous.path).resolve()) if previous else "",
                  "region": region, "phase": phase}
        with _progress() as progress:
            task = progress.add_task(f"Synthèse {year}", total=1, failed=0, skipped=0)
            try:
                written = render_notebook(SYNTHESIS_TEMPLATE, params, base, _formats(formats),
                                          title=f"Synthèse régionale CAQES {year}")
            except ReportExecutionError as exc:
                raise CaqesError(f"cellule [{exc.exec_count}] : {exc.ename}: {exc.evalue} "
                                 f"(notebook : {base.with_suffix('.ipynb')})") from None
            progress.update(task, advance=1)
    for path in written:
        out.print(f"écrit : {path}")


@app.command()
def grille(
    data: DataArg,
    campaign: CampaignOpt,
    year: YearOpt,
    out_dir: OutDirOpt,
    finess: FinessOpt = None,
) -> None:
    """Grilles d'auto-évaluation pré-remplies, une par établissement (grille_<finess>_<année>.xlsx)."""
    from .grid import write_grids
    from .load import load_dataset

    with _user_errors():
        camp = load_campaign(campaign)
        dataset = load_dataset(data, camp)
        wanted = ([f.strip() for value in finess for f in value.replace(" ", ",").split(",") if f.strip()]
                  if finess else None)
        with _progress() as progress:
            total = len(wanted) if wanted is not None else len(dataset.establishments)
            task = progress.add_task(f"Grilles {year}", total=total, failed=0, skipped=0)
            written = write_grids(dataset, camp, year, out_dir, wanted,
                                  progress=lambda _finess: progress.update(task, advance=1))
    out.print(f"{len(written)} grille(s) écrite(s) dans {out_dir}.")


@app.command()
def collecte(
    grids: Annotated[Path, typer.Argument(help="Dossier des grilles retournées par les établissements.")],
    campaign: CampaignOpt,
    year: YearOpt,
    data: Annotated[Path, typer.Option("--data", help="Données de départ (dossier de CSV ou classeur .xlsx).")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Dossier de données à écrire (CSV).")],
    suivi: Annotated[Path | None, typer.Option(help="Tableau de suivi des retours (.xlsx ou .csv).")] = None,
) -> None:
    """Collecte des grilles retournées : contrôle des valeurs, nouveau dossier de données, suivi."""
    from .collect import STATUSES, collect, write_follow_up

    with _user_errors():
        if suivi is not None and suivi.suffix.lower() not in (".csv", ".xlsx"):
            raise CaqesError(f"{suivi} : extension attendue .csv ou .xlsx pour le tableau de suivi")
        result = collect(grids, load_campaign(campaign), year, data, out_dir)
        if suivi is not None:
            write_follow_up(result.follow_up, suivi)
    for fault in result.faults:
        err.print(str(fault))
    counts = result.follow_up["statut"].value_counts()
    summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES)
    out.print(f"{len(result.follow_up)} établissement(s) : {summary}.")
    for row in result.follow_up.itertuples():
        if row.statut in ("invalide", "incomplete"):
            detail = (f"{row.anomalies} anomalie(s)" if row.statut == "invalide"
                      else f"{row.valeurs_manquantes} valeur(s) manquante(s)")
            out.print(f"  {row.finess} {row.raison_sociale} : {row.statut} — {detail} ({row.fichier})")
    out.print(f"Données écrites dans {out_dir}." + (f" Suivi : {suivi}." if suivi is not None else ""))
    raise typer.Exit(0 if result.ok else 1)


def main() -> None:
    """Console entry point."""
    app()
