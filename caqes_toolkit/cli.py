"""Command line ``caqes``: a thin layer over the package's functions.

Exit statuses: 0 done; 1 an error in the data, the files or the request (French message, no
traceback); 2 a command line wrong in itself (unknown or missing option, invalid option value).
Values are printed as they are: never read as rich markup, control characters made visible.
Every text is French, click's and typer's own included (:mod:`caqes_toolkit.cli_fr`); French
aliases (``caqes rapports``…) run the same commands.

Each command imports what it needs when it runs (pandas, pydantic, openpyxl, the notebook
machinery): ``caqes --help`` loads typer and rich only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from .cli_fr import install
from .cli_interrupt import progress, run
from .errors import CaqesError, DataError
from .outputs import check_outputs, describe_os_error, output_lock, refuse_overwrite, remember_outputs

if TYPE_CHECKING:
    from .data.files import Prefetch
    from .rules.campaign import Campaign


def load_campaign(path: Path) -> Campaign:
    """:func:`caqes_toolkit.rules.campaign.load_campaign`, imported on first use (pydantic)."""
    from .rules.campaign import load_campaign as load

    return load(path)


def campaign_for_year(campaigns: list[Campaign], year: int, allow_other_year: bool = False) -> Campaign:
    """:func:`caqes_toolkit.rules.campaign.campaign_for_year`, imported on first use (pydantic)."""
    from .rules.campaign import campaign_for_year as for_year

    return for_year(campaigns, year, allow_other_year)


install()  # click's and typer's own texts (usage, help, errors) in French
#: French names an analyst types for a command (hidden from the list, named in the help).
ALIASES = {"valider": "validate", "scores": "score", "rapports": "reports", "plans": "plan",
           "grilles": "grille", "initialiser": "init"}
app = typer.Typer(
    name="caqes",
    help="Évaluation des CAQES : validation des données, scores, rapports par établissement.\n\n"
         "Noms français acceptés : " + ", ".join(f"{fr} ({en})" for fr, en in ALIASES.items()) + ".",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
#: Characters never echoed as they are: C0/C1 controls (escape sequences, CR) and bidi overrides.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def plain(text: str) -> str:
    """``text`` safe to echo: each control character shown as its escape (« \\x1b »)."""
    return CONTROL.sub(lambda m: ascii(m.group())[1:-1], text)


class _Console(Console):
    """A console that prints texts as they are: no markup, control characters made visible."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(plain(o) if isinstance(o, str) else o for o in objects), **kwargs)


out = _Console(highlight=False, soft_wrap=True, markup=False)
err = _Console(stderr=True, highlight=False, soft_wrap=True, markup=False)

DataArg = Annotated[Path, typer.Argument(help="Dossier de CSV ou classeur .xlsx ou .ods (contrat de données).")]
CampaignOpt = Annotated[Path, typer.Option("--campaign", "-c", help="Fichier de campagne YAML (params/).")]
CampaignsOpt = Annotated[list[Path], typer.Option(
    "--campaign", "-c", help="Fichier(s) de campagne YAML ; un par année si les règles diffèrent.")]
YearsOpt = Annotated[list[int] | None, typer.Option(
    "--year", "-y", help="Année(s) évaluée(s) (défaut : l'année « annee » de la campagne, s'il n'y en a qu'une).")]
YearOpt = Annotated[int | None, typer.Option(
    "--year", "-y", help="Année évaluée (défaut : l'année « annee » de la campagne, s'il n'y en a qu'une).")]
OutDirOpt = Annotated[Path, typer.Option("--out", "-o", help="Dossier de sortie.")]
OtherYearOpt = Annotated[bool, typer.Option(
    "--allow-other-year", help="Évaluer une année avec les règles d'une campagne d'une autre année "
    "(sinon refusé) ; les sorties le signalent.")]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="Remplacer aussi les fichiers de sortie qu'une personne a faits ou modifiés (grille remplie, "
    "plan complété…) : sans elle, la commande s'arrête sans rien remplacer.")]
PhaseOpt = Annotated[int, typer.Option(
    "--phase", min=1, max=2, help="1 : évaluation provisoire (indicateurs Assurance Maladie en attente) ; "
    "2 : définitive (défaut).")]


class UsageError(CaqesError):
    """An option value wrong in itself, whatever the data (exit status 2)."""


def _fail(message: str, status: int = 1, label: str = "Erreur") -> typer.Exit:
    err.print(Text.assemble((label, "bold red"), f" : {plain(message)}"))
    return typer.Exit(status)


def _read_early(data: Path) -> Prefetch | None:
    """Start reading the folder's files in the background: first thing in a command that loads
    data, so that they are read while pandas and the package are imported."""
    from .data.files import prefetch

    return prefetch(data)


@contextmanager
def _user_errors() -> Iterator[None]:
    """Show the package's errors as clear messages (every data fault) and exit with status 1."""
    try:
        yield
    except DataError as exc:
        from .errors import summarise

        for line in summarise(exc.faults):  # a value is never read as rich markup
            err.print(line, markup=False, emoji=False)
        errors = sum(f.severity == "erreur" for f in exc.faults)
        raise _fail(f"{errors} erreur(s), {len(exc.faults) - errors} avertissement(s) dans les données "
                    "(détail : caqes validate).") from None
    except UsageError as exc:
        raise _fail(str(exc), 2, "Erreur d'utilisation") from None
    except (CaqesError, ValueError) as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(describe_os_error(exc)) from None


def _load_campaigns(paths: list[Path]) -> list[Campaign]:
    """Read the campaign files and print their warnings (weights that do not sum to 100)."""
    campaigns = [load_campaign(p) for p in paths]
    for c in campaigns:
        for warning in c.warnings:
            err.print(f"avertissement — {c.path} : {warning}")
    return campaigns


def _year(year: int | None, paths: list[Path]) -> int:
    """The year asked for, or the ``annee`` of the only campaign given."""
    if year is not None:
        return year
    if len(paths) != 1:
        raise UsageError(f"--year : année à préciser ({len(paths)} fichiers de campagne donnés : "
                         "l'année par défaut est celle d'une campagne unique)")
    campaign = load_campaign(paths[0])
    if campaign.year is None:
        raise UsageError(f"--year : année à préciser (la campagne {paths[0]} n'a pas de clé « annee »)")
    return campaign.year


def _campaigns(paths: list[Path], year: int, allow_other_year: bool = False) -> tuple[Campaign, Campaign | None]:
    """The campaign of ``year`` and, if given, the one of ``year − 1`` (to compare rules)."""
    campaigns = _load_campaigns(paths)
    previous = [c for c in campaigns if c.year == year - 1]
    return campaign_for_year(campaigns, year, allow_other_year), (previous[0] if previous else None)


def _formats(text: str) -> tuple[str, ...]:
    """The formats asked for, each once; at least one, all known."""
    from .run.batch import FORMATS

    fmts = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in fmts if f not in FORMATS]
    if unknown or not fmts:
        got = f"format(s) inconnu(s) : {', '.join(unknown)}" if unknown else "aucun format"
        raise UsageError(f"--formats : {got} ; formats possibles : {', '.join(FORMATS)}")
    return fmts


def _years_with_data(dataset, years: list[int]) -> None:
    """Refuse a year without any result: a command never ends having done nothing."""
    missing = sorted(set(years) - set(dataset.years))
    if missing:
        present = ", ".join(map(str, dataset.years)) or "aucune"
        raise CaqesError(f"aucun résultat pour {', '.join(map(str, missing))} dans les données "
                         f"(années présentes : {present})")


@app.command()
def init(folder: Annotated[Path, typer.Argument(
        metavar="DOSSIER", help="Dossier de travail à créer (absent ou vide).")]) -> None:
    """Crée un dossier de travail : fichiers de campagne à adapter, notebooks, données d'exemple, README."""
    from .workspace import create_workspace

    with _user_errors():
        written = create_workspace(folder)
    out.print(f"Dossier de travail créé : {folder} ({len(written)} fichiers ; lisez {folder / 'README.md'}). "
              "Pour commencer :")
    out.print(f"  cd {folder}")
    out.print("  caqes validate data/exemple --campaign params/caqes-2019.yml")


@app.command()
def validate(
    data: DataArg,
    campaign: CampaignOpt,
    anomalies: Annotated[Path | None, typer.Option(
        "--anomalies", help="Écrit la liste complète des anomalies dans ce fichier : .csv pour les programmes, "
        ".xlsx pour un tableur (aucune valeur n'y devient une formule).")] = None,
    force: ForceOpt = False,
) -> None:
    """Vérifie les données et liste les anomalies, les systématiques regroupées (code 0 : aucune erreur)."""
    early = _read_early(data)
    from .data.validation import validate as check
    from .data.validation import write_faults
    from .errors import summarise

    with _user_errors():
        if anomalies is not None:
            if anomalies.suffix.lower() not in (".csv", ".xlsx"):
                raise UsageError(f"--anomalies : un fichier .csv ou .xlsx est attendu ({anomalies})")
            check_outputs([data, campaign], files=[anomalies])
            refuse_overwrite([anomalies], force)
        faults = check(data, load_campaign(campaign), early)
        if anomalies is not None:
            write_faults(faults, anomalies)
            remember_outputs([anomalies])
    errors = [f for f in faults if f.severity == "erreur"]
    for line in summarise(faults):
        out.print(line, markup=False, emoji=False)
    if anomalies is not None:
        out.print(f"liste complète : {anomalies}", markup=False, emoji=False)
    out.print(f"{data} : {len(errors)} erreur(s), {len(faults) - len(errors)} avertissement(s).",
              markup=False, emoji=False)
    raise typer.Exit(1 if errors else 0)


@app.command()
def score(
    data: DataArg,
    campaign: CampaignsOpt,
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Fichier de scores .csv ou .xlsx.")],
    year: YearsOpt = None,
    detail: Annotated[Path | None, typer.Option(help="Scores par indicateur (.csv ou .xlsx).")] = None,
    allow_other_year: OtherYearOpt = False,
    volets: Annotated[Path | None, typer.Option(
        help="Volets additionnels (.csv ou .xlsx) : une ligne par contrat en vigueur et par dépense, "
             "plus une ligne de total par contrat.")] = None,
    phase: PhaseOpt = 2,
    force: ForceOpt = False,
) -> None:
    """Calcule les scores de chaque établissement (une ligne par établissement et par année)."""
    early = _read_early(data)
    from .data.load import load_dataset
    from .documents.present import LABELS, detail_table, score_table
    from .evaluation.money import evaluate_volets, with_volet_totals, write_volets
    from .evaluation.scoring import score_by_year
    from .outputs import write_table

    with _user_errors():
        year = year or [_year(None, campaign)]
        outputs = [out_file, *(p for p in (detail, volets) if p is not None)]
        check_outputs([data, *campaign], files=outputs)
        refuse_overwrite(outputs, force)
        campaigns = _load_campaigns(campaign)
        dataset = load_dataset(data, campaign_for_year(campaigns, max(year), allow_other_year), early)
        if _second_generation(campaigns, year, allow_other_year, detail):
            money, table = _score_second_generation(dataset, campaigns, year, allow_other_year, out_file, volets)
        else:
            _years_with_data(dataset, year)
            by_year = score_by_year(dataset, campaigns, year, allow_other_year, phase=phase)
            money = [evaluate_volets(dataset, campaign_for_year(campaigns, y, allow_other_year), y)
                     for y in sorted(set(year))]
            table = with_volet_totals(score_table(by_year, phase), money)
            write_table({"scores": table}, out_file, LABELS)
            remember_outputs([out_file])
            if detail is not None:
                write_table({"indicateurs": detail_table(by_year, phase)}, detail, LABELS, decimals=2)
                remember_outputs([detail])
            if volets is not None:
                write_volets(money, volets)
                remember_outputs([volets])
    for fault in dict.fromkeys((*dataset.warnings, *(w for m in money for w in m.warnings))):
        err.print(str(fault))
    out.print(f"{len(table)} ligne(s) écrite(s) dans {out_file}.")


def _reports_done(done: int, total: int) -> str:
    """What an interrupted ``caqes reports`` has done, for its last line."""
    left = total - done
    rest = "le rapport restant" if left == 1 else f"les {left} rapports restants"
    made = f"{done} rapport{'s' if done > 1 else ''} à jour sur {total}, aucun fichier à moitié écrit"
    return f"{made} ; relancez la même commande pour faire {rest} (ceux qui sont à jour ne sont pas refaits)"


FinessOpt = Annotated[list[str] | None, typer.Option(
    "--finess", "-f", help="Établissement(s) à traiter (répéter l'option ou séparer par des virgules).")]


def _finess(finess: list[str] | None) -> list[str] | None:
    """The FINESS asked for, each once in the order given; ``None``: every establishment."""
    if finess is None:
        return None
    wanted = list(dict.fromkeys(f for value in finess for f in value.replace(" ", ",").split(",") if f))
    if not wanted:
        raise UsageError("--finess : aucun FINESS indiqué (valeur vide)")
    return wanted


def _selection(dataset, year: int, wanted: list[str] | None) -> list[str]:
    """FINESS with data in ``year`` (or the ``wanted`` ones, which must have some)."""
    _years_with_data(dataset, [year])
    with_data = sorted(set(dataset.results.loc[dataset.results["annee"] == year, "finess"]))
    if wanted is None:
        return with_data
    unknown = [f for f in wanted if f not in set(with_data)]
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
    out_dir: OutDirOpt,
    year: YearOpt = None,
    formats: Annotated[str, typer.Option(
        "--formats", help="Formats : html, pdf (séparés par des virgules).")] = "html,pdf",
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Processus de travail en parallèle.")] = 2,
    finess: FinessOpt = None,
    scheduler: Annotated[str | None, typer.Option(help="Adresse d'un ordonnanceur Dask (tcp://hôte:port).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Refaire aussi les rapports à jour, et remplacer scores.xlsx "
                                        "et index.html même modifiés depuis leur écriture.")] = False,
    renderer: Annotated[str, typer.Option(help="Moteur : nbclient (défaut) ou quarto.")] = "nbclient",
    notebook: Annotated[Path | None, typer.Option(
        help="Notebook de rapport à utiliser (défaut : notebooks/rapport_etablissement.ipynb).")] = None,
    allow_other_year: OtherYearOpt = False,
    phase: PhaseOpt = 2,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=1, help="Durée maximale d'un rapport, en secondes : au-delà, le rapport est "
        "arrêté et compté en échec (délai dépassé), les autres continuent.")] = 600,
) -> None:
    """Rapports d'évaluation (notebook exécuté, HTML, PDF, scores.json) de chaque établissement."""
    import shutil

    from .resources import notebook as shipped_notebook
    from .run.batch import TEMPLATE
    from .run.resume import batch_key, up_to_date

    with _user_errors(), ExitStack() as stack:
        if renderer not in ("nbclient", "quarto"):
            raise UsageError(f"--renderer : moteur inconnu : {renderer} (attendu : nbclient ou quarto)")
        fmts, wanted = _formats(formats), _finess(finess)
        # Every report of this very request up to date: answered before anything is read or started.
        shipped = [TEMPLATE, shipped_notebook("rapport_contrat.ipynb")]
        request = batch_key(data, campaign, [notebook] if notebook else shipped,
                            year=year, formats=fmts, finess=wanted, renderer=renderer,
                            allow_other_year=allow_other_year, phase=phase)
        if not force and (count := up_to_date(out_dir, request)) is not None:
            out.print(f"0 rapport(s) produit(s), {count} déjà à jour, 0 échec(s) — index : {out_dir / 'index.html'}")
            return
        from .run.batch import ReportPool, make_jobs, run_jobs
        from .run.browser import missing_message
        from .run.pool import available_cpus
        from .run.render import chromium_available
        from .run.resume import MARKER, record

        year = _year(year, campaign)
        if renderer == "quarto" and shutil.which("quarto") is None:
            raise CaqesError("quarto introuvable sur le PATH : installez Quarto (par exemple "
                             "« conda install -c conda-forge quarto ») ou utilisez --renderer nbclient")
        if "pdf" in fmts and renderer == "nbclient" and not chromium_available():
            raise CaqesError(missing_message())
        batch_files = [out_dir / "scores.xlsx", out_dir / "index.html"]
        check_outputs([data, *campaign, notebook or TEMPLATE], folders=[out_dir], files=batch_files)
        refuse_overwrite(batch_files, force)
        camp, previous = _campaigns(campaign, year, allow_other_year)
        if camp.second_generation and notebook is None:  # the contract report: volets incitatifs only
            notebook = shipped[1]
        if scheduler is None and jobs > (cpus := available_cpus()):
            err.print(f"avertissement — --jobs {jobs} ramené à {cpus} : processeurs disponibles sur cette machine "
                      "(plus de processus de travail n'iraient pas plus vite)")
            jobs = cpus
        # The local workers start now (forkserver or spawn) and load their modules while the data are read.
        pool = None if scheduler else stack.enter_context(ReportPool(jobs, timeout=timeout))
        early = _read_early(data)
        from .data.load import load_dataset
        from .documents.present import LABELS, score_table
        from .evaluation.money import evaluate_volets, with_volet_totals
        from .evaluation.scoring import score_by_year
        from .outputs import write_table
        from .run.index import write_index

        dataset = load_dataset(data, camp, early)
        selected = (_contracted(dataset, camp, year, wanted) if camp.second_generation
                    else _selection(dataset, year, wanted))
        stack.enter_context(output_lock(out_dir))  # taken once the inputs are known good: a refusal creates nothing
        (out_dir / MARKER).unlink(missing_ok=True)  # the request is answered anew
        job_list = make_jobs(data, str(camp.path), year, out_dir, selected, fmts,
                             template=notebook or TEMPLATE, renderer=renderer,
                             campagne_precedente=previous.path if previous else None,
                             autre_annee=allow_other_year, sources=dataset.sources, phase=phase)
        if camp.second_generation:
            from .evaluation.money import incentive_table
            table = incentive_table([evaluate_volets(dataset, camp, year)], dataset)
        else:
            table = score_table(score_by_year(dataset, [camp], [year], allow_other_year, phase=phase), phase)
            table = with_volet_totals(table, [evaluate_volets(dataset, camp, year)])
        write_table({"scores": table[table["finess"].isin(selected)]}, out_dir / "scores.xlsx", LABELS)
        remember_outputs([out_dir / "scores.xlsx"])

        counts = {"failed": 0, "skipped": 0}
        progress(_reports_done(0, len(job_list)))
        with _progress() as bar:
            task = bar.add_task(f"Rapports {year}", total=len(job_list), **counts)

            def advance(outcome) -> None:
                if outcome.status in counts:
                    counts[outcome.status] += 1
                bar.update(task, advance=1, **counts)
                progress(_reports_done(int(bar.tasks[0].completed) - counts["failed"], len(job_list)))

            outcomes = run_jobs(job_list, workers=jobs, scheduler=scheduler, force=force, on_outcome=advance,
                                pool=pool)
        remember_outputs([write_index(out_dir, outcomes, campaign=camp.label_for(year), year=year, formats=fmts,
                                      workbook="scores.xlsx", establishments=dataset.establishments,
                                      classes=list(camp.classes))])
        if not any(o.status == "failed" for o in outcomes):
            record(out_dir, request, job_list)
    done = sum(o.status == "ok" for o in outcomes)
    out.print(f"{done} rapport(s) produit(s), {counts['skipped']} déjà à jour, {counts['failed']} échec(s) "
              f"— index : {out_dir / 'index.html'}")
    failures = [o for o in outcomes if o.status == "failed"]
    if failures:
        err.print(Text.assemble(("Échecs", "bold red"), " :"))
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
    out_dir: OutDirOpt,
    year: YearOpt = None,
    finess: FinessOpt = None,
    allow_other_year: OtherYearOpt = False,
    force: ForceOpt = False,
) -> None:
    """Plans d'actions (.xlsx) pré-remplis avec les priorités, à compléter par chaque établissement."""
    early = _read_early(data)
    from .data.load import load_dataset
    from .documents.plan import write_plans
    from .evaluation.money import evaluate_volets
    from .evaluation.scoring import score_by_year

    with _user_errors():
        year = _year(year, campaign)
        wanted = _finess(finess)
        check_outputs([data, *campaign], folders=[out_dir])
        camp, _ = _campaigns(campaign, year, allow_other_year)
        dataset = load_dataset(data, camp, early)
        selected = _selection(dataset, year, wanted)
        scores = score_by_year(dataset, [camp], [year], allow_other_year)[year]
        volets = evaluate_volets(dataset, camp, year) if camp.volets else None
        with output_lock(out_dir), _progress() as progress:
            task = progress.add_task(f"Plans d'actions {year}", total=len(selected), failed=0, skipped=0)
            written = write_plans(scores, year, out_dir, selected, volets=volets, force=force,
                                  progress=lambda _finess: progress.update(task, advance=1))
    out.print(f"{len(written)} plan(s) d'actions écrit(s) dans {out_dir}.")


@app.command()
def methode(
    campaign: CampaignOpt,
    out_dir: OutDirOpt,
    formats: Annotated[str, typer.Option("--formats", help="Formats : html, pdf.")] = "html,pdf",
    force: ForceOpt = False,
) -> None:
    """Document de méthode (HTML, PDF) généré depuis le fichier de campagne, publiable par l'ARS."""
    from .documents.method import method_document
    from .run.publish import publish

    with _user_errors():
        fmts = _formats(formats)
        check_outputs([campaign], folders=[out_dir])
        camp = load_campaign(campaign)
        with output_lock(out_dir), _progress() as progress:
            task = progress.add_task("Méthode", total=1, failed=0, skipped=0)
            document = method_document(camp)
            refuse_overwrite([out_dir / f"{document.name}.{fmt}" for fmt in fmts], force)
            written = publish(document.html, out_dir.resolve() / document.name, fmts,
                              header=document.header, footer=document.footer)
            remember_outputs(written)
            progress.update(task, advance=1)
    for path in written:
        out.print(f"écrit : {path}")


#: Characters a folder name cannot hold on Windows, macOS or Linux (a region becomes a folder).
_NOT_IN_FOLDER_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def _region_folder(region: str) -> str:
    """The folder of a region's synthesis: its name, without the characters a folder cannot hold."""
    return _NOT_IN_FOLDER_NAMES.sub("-", region).strip(" .") or "region"


def _synthesis_plan(out_dir: Path, year: int, covered: list[str], region: str, second_generation: bool,
                    params: dict[str, Any]) -> list[tuple[str, Path, Path, dict[str, Any], str]]:
    """(kind, notebook, output base, parameters, title) of each document: one synthesis for one
    region (in ``out_dir``), or one per region (``out_dir/<région>/``) and the national overview."""
    from .documents.synthesis_workbook import synthesis_stem
    from .resources import notebook

    if region and region not in covered:
        raise CaqesError(f"--region : région {region!r} absente des données ; régions présentes : "
                         + ", ".join(covered))
    template = notebook("synthese_contrats.ipynb" if second_generation else "synthese_regionale.ipynb")
    stem, title = synthesis_stem(year), f"Synthèse régionale CAQES {year}"
    if region or len(covered) == 1:
        return [("region", template, out_dir / stem, {**params, "region": region or covered[0]}, title)]
    folders = {r: _region_folder(r) for r in covered}
    same = [r for r in covered if list(folders.values()).count(folders[r]) > 1]
    if same:
        raise CaqesError(f"régions {', '.join(map(repr, same))} : même nom de dossier ({folders[same[0]]}) ; "
                         "choisissez-en une avec --region")
    plan = [("region", template, out_dir / folders[r] / stem, {**params, "region": r}, f"{title} — {r}")
            for r in covered]
    if not second_generation:  # the overview compares classes, scores and sanctions
        national = {k: v for k, v in params.items() if k not in ("campagne_precedente", "region")}
        plan.append(("national", notebook("synthese_nationale.ipynb"), out_dir / f"synthese_nationale_{year}",
                     national, f"Synthèse nationale CAQES {year}"))
    return plan


@contextmanager
def _remembered(written: list[Path]) -> Iterator[None]:
    """Record the files of ``written`` as the command's own, when it ends or stops."""
    try:
        yield
    finally:
        remember_outputs(written)


def _synthesis_workbook(params: dict[str, Any], second_generation: bool, path: Path) -> Path:
    """Write the workbook that accompanies a regional synthesis (every row of its long lists)."""
    from .documents import synthesis_workbook as wb

    args = (params["annee"], params["donnees"], params["campagne"], params["region"])
    if second_generation:
        from .documents.contract_synthesis import build_contract_synthesis

        sheets = wb.contract_sheets(build_contract_synthesis(*args, autre_annee=params.get("autre_annee", False)))
    else:
        from .documents.synthesis import build_synthesis

        sheets = wb.regional_sheets(build_synthesis(*args, params["campagne_precedente"] or None,
                                                    autre_annee=params.get("autre_annee", False),
                                                    phase=params["phase"]))
    return wb.write_workbook(sheets, path)


@app.command()
def synthese(
    data: DataArg,
    campaign: CampaignsOpt,
    out_dir: OutDirOpt,
    year: YearOpt = None,
    formats: Annotated[str, typer.Option("--formats", help="Formats : html, pdf.")] = "html,pdf",
    region: Annotated[str, typer.Option(
        help="Région (si les données en couvrent plusieurs ; sans elle, une synthèse par région dans "
             "DOSSIER/<région>/ et une synthèse nationale).")] = "",
    allow_other_year: OtherYearOpt = False,
    phase: PhaseOpt = 2,
    force: ForceOpt = False,
) -> None:
    """Synthèse régionale pour l'ARS (document interne : nomme les établissements), avec son classeur
    (listes complètes) ; données de plusieurs régions : une synthèse par région et une synthèse nationale."""
    early = _read_early(data)
    from .data.load import load_dataset
    from .evaluation.region import regions
    from .run.batch import render_notebook
    from .run.execute import ReportExecutionError

    with _user_errors():
        year = _year(year, campaign)
        fmts = _formats(formats)
        check_outputs([data, *campaign], folders=[out_dir])
        camp, previous = _campaigns(campaign, year, allow_other_year)
        dataset = load_dataset(data, camp, early)  # every data fault shown before any kernel starts
        if camp.second_generation:  # contracts, intéressement and targeting: no socle
            _years_with_contracts(dataset, [year])
        else:
            _years_with_data(dataset, [year])
        params = {"annee": year, "donnees": str(data.resolve()), "campagne": str(Path(str(camp.path)).resolve()),
                  "campagne_precedente": str(Path(str(previous.path)).resolve()) if previous else "",
                  **({"autre_annee": True} if allow_other_year else {}), "phase": phase}
        plan = _synthesis_plan(out_dir, year, regions(dataset), region, camp.second_generation, params)
        files = [base.with_suffix(f".{fmt}") for kind, _, base, _, _ in plan
                 for fmt in ("ipynb", *fmts, *(["xlsx"] if kind == "region" else []))]
        check_outputs([data, *campaign], folders=[out_dir, *{base.parent for _, _, base, _, _ in plan}], files=files)
        refuse_overwrite(files, force)
        written: list[Path] = []
        with output_lock(out_dir), _progress() as progress, _remembered(written):
            task = progress.add_task(f"Synthèse {year}", total=len(plan), failed=0, skipped=0)
            for kind, template, base, values, title in plan:
                if kind == "region":  # first: the document names it
                    written.append(_synthesis_workbook(values, camp.second_generation, base.with_suffix(".xlsx")))
                try:
                    written += render_notebook(template, values, base, fmts, title=title)
                except ReportExecutionError as exc:
                    written.append(base.with_suffix(".ipynb"))  # the failed notebook, with its error: ours too
                    raise CaqesError(f"cellule [{exc.exec_count}] : {exc.ename}: {exc.evalue} "
                                     f"(notebook : {base.with_suffix('.ipynb')})") from None
                progress.update(task, advance=1)
    for path in written:
        out.print(f"écrit : {path}")


@app.command()
def grille(
    data: DataArg,
    campaign: CampaignOpt,
    out_dir: OutDirOpt,
    year: YearOpt = None,
    finess: FinessOpt = None,
    force: ForceOpt = False,
) -> None:
    """Grilles d'auto-évaluation pré-remplies, une par établissement (grille_<finess>_<année>.xlsx)."""
    early = _read_early(data)
    from .data.load import load_dataset
    from .documents.grid import write_grids

    with _user_errors():
        year = _year(year, [campaign])
        wanted = _finess(finess)
        check_outputs([data, campaign], folders=[out_dir])
        camp, _ = _campaigns([campaign], year)
        dataset = load_dataset(data, camp, early)
        with output_lock(out_dir), _progress() as progress:
            total = len(wanted) if wanted is not None else len(dataset.establishments)
            task = progress.add_task(f"Grilles {year}", total=total, failed=0, skipped=0)
            written = write_grids(dataset, camp, year, out_dir, wanted, force=force,
                                  progress=lambda _finess: progress.update(task, advance=1))
    out.print(f"{len(written)} grille(s) écrite(s) dans {out_dir}.")


@app.command()
def collecte(
    grids: Annotated[Path, typer.Argument(help="Dossier des grilles retournées par les établissements.")],
    campaign: CampaignOpt,
    data: Annotated[Path, typer.Option("--data", help="Données de départ (dossier de CSV ou classeur .xlsx ou .ods).")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Dossier de données à écrire (CSV).")],
    year: YearOpt = None,
    suivi: Annotated[Path | None, typer.Option(help="Tableau de suivi des retours (.xlsx ou .csv).")] = None,
    force: ForceOpt = False,
) -> None:
    """Collecte des grilles retournées : contrôle des valeurs, nouveau dossier de données, suivi."""
    from .documents.collect import STATUSES, check_out, collect, write_follow_up

    with _user_errors():
        check_out(out_dir, data, force)  # before anything is read
        year = _year(year, [campaign])
        if suivi is not None and suivi.suffix.lower() not in (".csv", ".xlsx"):
            raise CaqesError(f"{suivi} : extension attendue .csv ou .xlsx pour le tableau de suivi")
        check_outputs([data, campaign, grids], folders=[out_dir], files=[suivi] if suivi is not None else [])
        refuse_overwrite([suivi] if suivi is not None else [], force)
        if suivi is not None and out_dir.resolve() in suivi.resolve().parents:
            raise CaqesError(f"{suivi} : le tableau de suivi ne s'écrit pas dans le dossier de données produit "
                             f"({out_dir}), qui est remplacé en entier")
        camp, _ = _campaigns([campaign], year)
        result = collect(grids, camp, year, data, out_dir, force)
        if suivi is not None:
            write_follow_up(result.follow_up, suivi)
            remember_outputs([suivi])
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


def _second_generation(campaigns: list[Campaign], years: list[int], allow_other_year: bool,
                       detail: Path | None) -> bool:
    """Whether the years are evaluated by second-generation campaigns (never mixed with the first)."""
    generations = {campaign_for_year(campaigns, y, allow_other_year).generation for y in set(years)}
    if len(generations) > 1:
        raise CaqesError("années évaluées avec des campagnes de première et de deuxième génération : "
                         "lancez une commande par génération")
    if generations == {2} and detail is not None:
        raise UsageError("--detail : sans objet avec une campagne de deuxième génération (pas de socle ni "
                         "de score par indicateur) ; utilisez --volets")
    return generations == {2}


def _years_with_contracts(dataset, years: list[int]) -> None:
    """Refuse a year without any data (results or expenses): a command never ends having done nothing."""
    present = set(dataset.years) | set(dataset.expenses["annee"].astype(int))
    missing = sorted(set(years) - present)
    if missing:
        shown = ", ".join(map(str, sorted(present))) or "aucune"
        raise CaqesError(f"aucune donnée (résultats ou dépenses) pour {', '.join(map(str, missing))} "
                         f"(années présentes : {shown})")


def _contracted(dataset, campaign: Campaign, year: int, wanted: list[str] | None) -> list[str]:
    """Second generation: the FINESS with a contract in force in ``year`` (or the ``wanted`` ones,
    which must be in the etablissements table)."""
    from .evaluation.money import contracts_in_force

    if wanted is None:
        found = sorted(set(contracts_in_force(dataset, campaign, year)["finess"]))
        if not found:
            raise CaqesError(f"aucun contrat de la campagne {campaign.name} en vigueur en {year} (table contrats)")
        return found
    unknown = [f for f in wanted if f not in set(dataset.establishments["finess"])]
    if unknown:
        raise CaqesError(f"FINESS absent(s) de la table etablissements : {', '.join(unknown)}")
    return wanted


def _score_second_generation(dataset, campaigns: list[Campaign], years: list[int], allow_other_year: bool,
                             out_file: Path, volets: Path | None):
    """``caqes score`` with a second-generation campaign: the contracts' intéressement, no socle."""
    from .evaluation.money import evaluate_volets, incentive_table, write_volets
    from .outputs import write_table

    _years_with_contracts(dataset, years)
    money = [evaluate_volets(dataset, campaign_for_year(campaigns, y, allow_other_year), y)
             for y in sorted(set(years))]
    table = incentive_table(money, dataset)
    write_table({"interessement": table}, out_file, decimals=2)
    remember_outputs([out_file])
    if volets is not None:
        write_volets(money, volets)
        remember_outputs([volets])
    return money, table


@app.command()
def ciblage(
    data: DataArg,
    campaign: CampaignsOpt,
    out_file: Annotated[Path, typer.Option("--out", "-o", help="Liste de ciblage .csv ou .xlsx.")],
    year: YearOpt = None,
    allow_other_year: OtherYearOpt = False,
    force: ForceOpt = False,
) -> None:
    """Ciblage : établissements désignés par chaque référentiel (oui, non, a_verifier) et motif."""
    early = _read_early(data)
    from .data.load import load_dataset
    from .evaluation.targeting import targeting_table, write_targeting

    with _user_errors():
        year = _year(year, campaign)
        check_outputs([data, *campaign], files=[out_file])
        refuse_overwrite([out_file], force)
        camp, _ = _campaigns(campaign, year, allow_other_year)
        dataset = load_dataset(data, camp, early)
        _years_with_contracts(dataset, [year])
        table = targeting_table(dataset, camp, year)
        if table.empty:
            raise CaqesError(f"la campagne {camp.name} ne définit aucun référentiel de ciblage (clé "
                             "« referentiel ») ni aucun seuil de ciblage (« seuil_ciblage ») : rien à cibler")
        write_targeting(table, out_file)
        remember_outputs([out_file])
    for fault in dataset.warnings:
        err.print(str(fault))
    counts = table["cible"].value_counts()
    out.print(f"{len(table)} ligne(s) écrite(s) dans {out_file} : {counts.get('oui', 0)} ciblé(s), "
              f"{counts.get('a_verifier', 0)} à vérifier, {counts.get('non', 0)} non ciblé(s).")


def _version(shown: bool) -> None:
    if shown:
        from . import __version__

        out.print(f"caqes-toolkit {__version__}")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Affiche la version et quitte.")] = False) -> None:
    """Évaluation des CAQES : validation des données, scores, rapports par établissement."""


for _french, _command in ALIASES.items():
    app.command(_french, hidden=True)(globals()[_command])


def main() -> None:
    """The command line, Ctrl-C said in one French line (:mod:`caqes_toolkit.cli_interrupt`, whose
    ``main`` is the console entry point)."""
    run(app)
