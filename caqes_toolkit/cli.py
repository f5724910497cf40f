"""Command line ``caqes``: each command reads its options into a request, calls the application
(:mod:`caqes_toolkit.app`) and prints what it returns; nothing else.

Exit statuses: 0 done; 1 an error in the data, the files or what they hold (French message, no
traceback); 2 a command line wrong in itself, the same in every command: an unknown or missing
option, an invalid option value, an output file of the wrong kind (« --out x.txt »), a year to
give, an option without meaning for the campaign (« --detail » of a second-generation one).
Values are printed as they are: never read as rich markup, control characters made visible.
Every text is French, click's and typer's own included (:mod:`caqes_toolkit.cli_fr`); French
aliases (``caqes rapports``…) run the same commands.

Each command imports what it needs when it runs (pandas, pydantic, openpyxl, the notebook
machinery): ``caqes --help`` loads typer and rich only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from .app.request import Listener, Request, UsageError
from .cli_fr import FrenchCommand, FrenchGroup
from .cli_interrupt import progress
from .errors import CaqesError, DataError
from .formats import french_spacing, plural
from .outputs import describe_os_error

if TYPE_CHECKING:
    from .app.etat import State

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
    cls=FrenchGroup,
)
#: Characters never echoed as they are: C0/C1 controls (escape sequences, CR) and bidi overrides.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def plain(text: str) -> str:
    """``text`` safe to echo: each control character shown as its escape (« \\x1b »)."""
    return CONTROL.sub(lambda m: ascii(m.group())[1:-1], text)


class _Console(Console):
    """A console that prints texts as they are: no markup, control characters made visible; French
    spacing (:func:`~caqes_toolkit.formats.french_spacing`)."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(plain(french_spacing(o)) if isinstance(o, str) else o for o in objects), **kwargs)


out = _Console(highlight=False, soft_wrap=True, markup=False)
err = _Console(stderr=True, highlight=False, soft_wrap=True, markup=False)

# --- options, each declared once ------------------------------------------------------------------
DataArg = Annotated[Path | None, typer.Argument(
    metavar="DONNÉES", help="Dossier de CSV ou classeur .xlsx ou .ods (contrat de données) ; défaut : donnees "
    "du fichier caqes.toml.")]
CampaignOpt = Annotated[Path | None, typer.Option(
    "--campaign", "-c", help="Fichier de campagne YAML (params/) ; défaut : celui de l'année, parmi les campagnes "
    "du fichier caqes.toml.")]
CampaignsOpt = Annotated[list[Path] | None, typer.Option(
    "--campaign", "-c", help="Fichiers de campagne YAML ; répéter l'option pour un fichier par année si les "
    "règles diffèrent ; défaut : campagnes du fichier caqes.toml.")]
ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", help="Fichier de travail caqes.toml dont la commande prend ses valeurs par défaut (défaut : celui "
    "du dossier courant, s'il existe).")]
YearsOpt = Annotated[list[int] | None, typer.Option(
    "--year", "-y", help="Année évaluée ; répéter l'option pour plusieurs années (défaut : l'année « annee » de la "
    "campagne, s'il n'y en a qu'une).")]
YearOpt = Annotated[int | None, typer.Option(
    "--year", "-y", help="Année évaluée (défaut : l'année « annee » de la campagne, s'il n'y en a qu'une).")]
OutDirOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Dossier de sortie ; défaut dans un dossier de travail : son nom fixe sous « sorties ».")]
OtherYearOpt = Annotated[bool, typer.Option(
    "--allow-other-year", help="Évaluer une année avec les règles d'une campagne d'une autre année "
    "(sinon refusé) ; les sorties le signalent.")]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="Remplacer aussi les fichiers de sortie qu'une personne a faits ou modifiés (grille remplie, "
    "plan complété…) : sans elle, la commande s'arrête sans rien remplacer.")]
PhaseOpt = Annotated[int | None, typer.Option(
    "--phase", min=1, max=2, help="1 : évaluation provisoire (indicateurs Assurance Maladie en attente) ; "
    "2 : définitive (défaut, ou phase du fichier caqes.toml).")]
FormatsOpt = Annotated[str, typer.Option("--formats", help="Formats : html, pdf (séparés par des virgules).")]
FinessOpt = Annotated[list[str] | None, typer.Option(
    "--finess", "-f", help="FINESS des établissements à traiter (répéter l'option ou séparer par des virgules).")]
ScoresFileOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Fichier de scores .csv ou .xlsx ; défaut dans un dossier de travail : "
    "sorties/scores-<année>.xlsx.")]
TargetingFileOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Liste de ciblage .csv ou .xlsx ; défaut dans un dossier de travail : "
    "sorties/ciblage-<année>.xlsx.")]
TrajectoriesFileOpt = Annotated[Path, typer.Option(
    "--out", "-o", help="Cibles proposées : .csv (la table cibles, à négocier puis à rendre) ou .xlsx (à lire).")]
HorizonOpt = Annotated[int, typer.Option(
    "--horizon", min=1, max=20, help="Années de T0 à la cible de la campagne (défaut : 5, la cible à cinq ans).")]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", min=1, help="Processus de travail en parallèle.")]
SchedulerOpt = Annotated[str | None, typer.Option(help="Adresse d'un ordonnanceur Dask (tcp://hôte:port).")]
ReportsForceOpt = Annotated[bool, typer.Option("--force", help="Refaire aussi les rapports à jour, et remplacer "
                                               "scores.xlsx et index.html même modifiés depuis leur écriture.")]
RendererOpt = Annotated[str, typer.Option(help="Moteur : nbclient (défaut) ou quarto.")]
_FOUND = ("(défaut : celui de la génération de la campagne, pris dans notebooks/ du dossier de travail ou du "
          "dossier courant, sinon celui du paquet).")
NotebookOpt = Annotated[Path | None, typer.Option(help=f"Notebook de rapport à utiliser {_FOUND}")]
SynthesisNotebookOpt = Annotated[Path | None, typer.Option(
    "--notebook", help=f"Notebook de synthèse régionale à utiliser {_FOUND}")]
TimeoutOpt = Annotated[float, typer.Option(
    "--timeout", min=1, help="Durée maximale d'un rapport, en secondes : au-delà, le rapport est "
    "arrêté et compté en échec (délai dépassé), les autres continuent.")]
RegionOpt = Annotated[str, typer.Option(help="Région (si les données en couvrent plusieurs ; sans elle, une "
                                        "synthèse par région dans DOSSIER/<région>/ et une synthèse nationale).")]
AnomaliesOpt = Annotated[Path | None, typer.Option(
    "--anomalies", help="Écrit la liste complète des anomalies dans ce fichier : .csv pour les programmes, "
    ".xlsx pour un tableur (aucune valeur n'y devient une formule).")]
DetailOpt = Annotated[Path | None, typer.Option(help="Scores par indicateur (.csv ou .xlsx).")]
VoletsOpt = Annotated[Path | None, typer.Option(
    help="Volets additionnels (.csv ou .xlsx) : une ligne par contrat en vigueur et par dépense, "
         "plus une ligne de total par contrat.")]
GridsArg = Annotated[Path | None, typer.Argument(
    metavar="GRILLES", help="Dossier des grilles retournées par les établissements ; défaut dans un dossier de "
    "travail : retours-<année>/.")]
CollectDataOpt = Annotated[Path | None, typer.Option(
    "--data", help="Données de départ (dossier de CSV ou classeur .xlsx ou .ods) ; défaut : donnees du fichier "
    "caqes.toml.")]
CollectOutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Dossier de données à écrire (CSV) ; défaut dans un dossier de travail : "
    "sorties/donnees-<année>/.")]
SuiviOpt = Annotated[Path | None, typer.Option(
    help="Tableau de suivi des retours (.xlsx ou .csv) ; défaut dans un dossier de travail : "
    "sorties/suivi-<année>.xlsx.")]
FolderArg = Annotated[Path, typer.Argument(metavar="DOSSIER", help="Dossier de travail à créer (absent ou vide).")]


# --- what every command shares -------------------------------------------------------------------
class _Bar(Listener):
    """Warnings on the error stream, a progress bar per task; ``done``: what an interrupted task
    has done (for the line Ctrl-C prints), given the steps done and their total."""

    def __init__(self, done: Callable[[int, int], str] | None = None) -> None:
        self.done = done

    def warn(self, text: str) -> None:
        err.print(text)

    def note(self, text: str) -> None:
        err.print(text, style="dim")

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[Callable[..., None]]:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TextColumn(french_spacing("échecs : {task.fields[failed]}")),
                      TextColumn(french_spacing("ignorés : {task.fields[skipped]}")),
                      TimeElapsedColumn(), TextColumn("reste"), TimeRemainingColumn(),
                      console=err, transient=False) as bar:
            task = bar.add_task(description, total=total, failed=0, skipped=0)
            if self.done is not None:
                progress(self.done(0, total))

            def advance(failed: int = 0, skipped: int = 0) -> None:
                bar.update(task, advance=1, failed=failed, skipped=skipped)
                if self.done is not None:
                    progress(self.done(int(bar.tasks[0].completed) - failed, total))

            yield advance


def _fail(message: str, status: int = 1, label: str = "Erreur") -> typer.Exit:
    err.print(Text.assemble((label, "bold red"), french_spacing(f" : {plain(message)}")))
    return typer.Exit(status)


@contextmanager
def _user_errors() -> Iterator[None]:
    """Show the package's errors as clear messages (every data fault): exit status 2 for a usage
    error, 1 for any other."""
    try:
        yield
    except DataError as exc:
        from .errors import summarise

        for line in summarise(exc.faults):  # a value is never read as rich markup
            err.print(line, markup=False, emoji=False)
        errors = sum(f.severity == "erreur" for f in exc.faults)
        raise _fail(f"{plural(errors, 'erreur')}, {plural(len(exc.faults) - errors, 'avertissement')} dans les "
                    "données (détail : caqes validate).") from None
    except UsageError as exc:
        raise _fail(str(exc), 2, "Erreur d'utilisation") from None
    except (CaqesError, ValueError) as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(describe_os_error(exc)) from None


def _request(listener: Listener | None = None, **options: Any) -> Request:
    """The command's request (:func:`caqes_toolkit.app.request.request`), a listener that prints."""
    from .app.request import request

    return request(listener=listener or _Bar(), **options)


def _warnings(faults: Sequence[object]) -> None:
    for fault in faults:
        err.print(str(fault))


def _shown(path: Path) -> Path:
    """``path`` as a person reads it: relative to the current folder when it lies inside it."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd())
    except ValueError:
        return path


def _written(paths: list[Path]) -> None:
    for path in paths:
        out.print(f"écrit : {_shown(path)}")


def _n(count: int, one: str, many: str) -> str:
    """« 1 grille », « 3 grilles »: a count with the word in the right number."""
    return f"{count} {one if count < 2 else many}"


def _notebook(path: Path) -> None:
    out.print(f"notebook : {path}")


# --- the commands ----------------------------------------------------------------------------------
@app.command(cls=FrenchCommand)
def init(folder: FolderArg) -> None:
    """Crée un dossier de travail : fichier caqes.toml, campagnes à adapter, notebooks, modèle de courrier,
    données d'exemple, README."""
    from .app.commands import init as create

    with _user_errors():
        written = create(folder)
    out.print(f"Dossier de travail créé : {folder} ({len(written)} fichiers ; lisez {folder / 'README.md'}). "
              "Pour commencer :")
    out.print(f"  cd {folder}")
    out.print("  caqes etat")


@app.command(cls=FrenchCommand)
def validate(data: DataArg = None, campaign: CampaignOpt = None, anomalies: AnomaliesOpt = None,
             force: ForceOpt = False, config: ConfigOpt = None) -> None:
    """Vérifie les données et liste les anomalies, les systématiques regroupées (code 0 : aucune erreur)."""
    from .app.commands import validate as check
    from .errors import summarise

    with _user_errors():
        req = _request(data=data, campaigns=[campaign] if campaign else None, force=force, config=config)
        found = check(req, anomalies)
    for line in summarise(found.faults):
        out.print(line, markup=False, emoji=False)
    if anomalies is not None:
        out.print(f"liste complète : {anomalies}", markup=False, emoji=False)
    warnings = plural(len(found.faults) - found.errors, "avertissement")
    out.print(f"{req.data} : {plural(found.errors, 'erreur')}, {warnings}.", markup=False, emoji=False)
    raise typer.Exit(1 if found.errors else 0)


@app.command(cls=FrenchCommand)
def score(data: DataArg = None, campaign: CampaignsOpt = None, out_file: ScoresFileOpt = None, year: YearsOpt = None,
          detail: DetailOpt = None, allow_other_year: OtherYearOpt = False, volets: VoletsOpt = None,
          phase: PhaseOpt = None, force: ForceOpt = False, config: ConfigOpt = None) -> None:
    """Calcule les scores de chaque établissement (une ligne par établissement et par année)."""
    from .app.commands import score as compute

    with _user_errors():
        req = _request(data=data, campaigns=campaign, years=year, allow_other_year=allow_other_year,
                       phase=phase, force=force, config=config)
        scored = compute(req, out_file, detail, volets)
    _warnings(scored.warnings)
    out.print(f"{plural(scored.rows, 'ligne écrite')} dans {_shown(scored.file)}.")


def reports_done(done: int, total: int) -> str:
    """What an interrupted ``caqes reports`` has done, for its last line."""
    left = total - done
    rest = ("terminer" if left == 0 else "faire le rapport restant" if left == 1
            else f"faire les {left} rapports restants")
    made = f"{plural(done, 'rapport')} à jour sur {total}, aucun fichier à moitié écrit"
    return f"{made} ; relancez la même commande pour {rest} (ceux qui sont à jour ne sont pas refaits)"


def _absent(absent: dict[str, str], year: int | None) -> None:
    """Say how many establishments of the data have no report, and why (they are listed in the index)."""
    if absent:
        reasons = sorted(set(absent.values()))
        out.print(f"{_n(len(absent), 'établissement', 'établissements')} sans rapport"
                  + (f" en {year}" if year else "") + f" : {' ; '.join(reasons)} ({', '.join(sorted(absent))}) ; "
                  "listés, grisés, dans l'index.")


@app.command(cls=FrenchCommand)
def reports(data: DataArg = None, campaign: CampaignsOpt = None, out_dir: OutDirOpt = None, year: YearOpt = None,
            formats: FormatsOpt = "html,pdf", jobs: JobsOpt = 2, finess: FinessOpt = None,
            scheduler: SchedulerOpt = None, force: ReportsForceOpt = False, renderer: RendererOpt = "nbclient",
            notebook: NotebookOpt = None, allow_other_year: OtherYearOpt = False, phase: PhaseOpt = None,
            timeout: TimeoutOpt = 600, config: ConfigOpt = None) -> None:
    """Rapports d'évaluation (notebook exécuté, HTML, PDF, scores.json) de chaque établissement."""
    from .app.documents import ReportsOptions
    from .app.documents import reports as make

    with _user_errors():
        req = _request(_Bar(reports_done), data=data, campaigns=campaign, years=year, formats=formats,
                       finess=finess, force=force, allow_other_year=allow_other_year, phase=phase, config=config)
        done = make(req, out_dir, ReportsOptions(jobs, scheduler, renderer, notebook, timeout))
    index = done.folder / "index.html"
    _notebook(done.notebook)
    _absent(done.absent, done.year)
    if done.up_to_date is not None:
        out.print(f"0 rapport produit, {done.up_to_date} déjà à jour, 0 échec — index : {_shown(index)}")
        return
    out.print(f"{plural(done.count('ok'), 'rapport produit')}, {done.count('skipped')} déjà à jour, "
              f"{plural(done.count('failed'), 'échec')} — index : {_shown(index)}")
    if done.failures:
        err.print(Text.assemble(("Échecs", "bold red"), french_spacing(" :")))
        for o in done.failures:
            cell = f"cellule [{o.cell}]" if o.cell is not None else "hors cellule"
            nb = done.folder / o.finess / "rapport.ipynb"
            where = f"notebook : {_shown(nb)}" if nb.exists() else "pas de notebook"
            err.print(f"  {o.finess} — {cell} — {o.error} ({where})")
        raise typer.Exit(1)


@app.command(cls=FrenchCommand)
def plan(data: DataArg = None, campaign: CampaignsOpt = None, out_dir: OutDirOpt = None, year: YearOpt = None,
         finess: FinessOpt = None, allow_other_year: OtherYearOpt = False, force: ForceOpt = False,
         config: ConfigOpt = None) -> None:
    """Plans d'actions (.xlsx) pré-remplis avec les priorités, à compléter par chaque établissement."""
    from .app.commands import plan as make

    with _user_errors():
        req = _request(data=data, campaigns=campaign, years=year, finess=finess,
                       allow_other_year=allow_other_year, force=force, config=config)
        written = make(req, out_dir)
    plans = plural(len(written.paths), "plan d'actions écrit", "plans d'actions écrits")
    out.print(f"{plans} dans {_shown(written.folder)}.")


@app.command(cls=FrenchCommand)
def methode(campaign: CampaignOpt = None, out_dir: OutDirOpt = None, formats: FormatsOpt = "html,pdf",
            force: ForceOpt = False, config: ConfigOpt = None) -> None:
    """Document de méthode (HTML, PDF) généré depuis le fichier de campagne, publiable par l'ARS."""
    from .app.commands import methode as make

    with _user_errors():
        req = _request(campaigns=[campaign] if campaign else None, formats=formats, force=force, config=config)
        written = make(req, out_dir)
    _written(written)


@app.command(cls=FrenchCommand)
def synthese(data: DataArg = None, campaign: CampaignsOpt = None, out_dir: OutDirOpt = None, year: YearOpt = None,
             formats: FormatsOpt = "html,pdf", region: RegionOpt = "", allow_other_year: OtherYearOpt = False,
             phase: PhaseOpt = None, force: ForceOpt = False, notebook: SynthesisNotebookOpt = None,
             config: ConfigOpt = None) -> None:
    """Synthèse régionale pour l'ARS (document interne : nomme les établissements), avec son classeur
    (listes complètes) ; données de plusieurs régions : une synthèse par région et une synthèse nationale."""
    from .app.documents import synthese as make

    with _user_errors():
        req = _request(data=data, campaigns=campaign, years=year, formats=formats,
                       allow_other_year=allow_other_year, phase=phase, force=force, config=config)
        made = make(req, out_dir, region, notebook)
    for used in made.notebooks:
        _notebook(used)
    _written(made.written)


@app.command(cls=FrenchCommand)
def grille(data: DataArg = None, campaign: CampaignOpt = None, out_dir: OutDirOpt = None, year: YearOpt = None,
           finess: FinessOpt = None, force: ForceOpt = False, config: ConfigOpt = None) -> None:
    """Grilles d'auto-évaluation pré-remplies, une par établissement (fichier grille_FINESS_ANNÉE.xlsx)."""
    from .app.commands import grille as make

    with _user_errors():
        req = _request(data=data, campaigns=[campaign] if campaign else None, years=year, finess=finess, force=force,
                       config=config)
        written = make(req, out_dir)
    out.print(f"{plural(len(written.paths), 'grille écrite')} dans {_shown(written.folder)}.")


@app.command(cls=FrenchCommand)
def collecte(grids: GridsArg = None, campaign: CampaignOpt = None, data: CollectDataOpt = None,
             out_dir: CollectOutOpt = None, year: YearOpt = None, suivi: SuiviOpt = None, force: ForceOpt = False,
             config: ConfigOpt = None) -> None:
    """Collecte des grilles retournées : contrôle des valeurs, nouveau dossier de données, tableau de suivi."""
    from .app.commands import collecte as collect
    from .documents.follow_up import STATUSES
    from .documents.vocabulary import return_status

    with _user_errors():
        req = _request(data=data, campaigns=[campaign] if campaign else None, years=year, force=force, config=config)
        done = collect(req, grids, out_dir, suivi)
    result = done.collection
    _warnings(result.faults)
    counts = result.follow_up["statut"].value_counts()
    summary = ", ".join(f"{n} {return_status(s, n)}" for s in STATUSES if (n := int(counts.get(s, 0))))
    out.print(f"{plural(len(result.follow_up), 'établissement')}" + (f" : {summary}." if summary else "."))
    for row in result.follow_up.itertuples():
        if row.statut in ("invalide", "incomplète"):
            detail = (plural(row.anomalies, "anomalie") if row.statut == "invalide"
                      else plural(row.valeurs_manquantes, "valeur manquante"))
            out.print(f"  {row.finess} {row.raison_sociale} : {return_status(row.statut)} — {detail} ({row.fichier})")
    out.print(f"Données écrites dans {_shown(done.data)}."
              + (f" Suivi : {_shown(done.board)}." if done.board is not None else ""))
    raise typer.Exit(0 if result.ok else 1)


@app.command(cls=FrenchCommand)
def ciblage(data: DataArg = None, campaign: CampaignsOpt = None, out_file: TargetingFileOpt = None,
            year: YearOpt = None, allow_other_year: OtherYearOpt = False, force: ForceOpt = False,
            config: ConfigOpt = None) -> None:
    """Ciblage : établissements désignés par chaque référentiel (ciblé, non ciblé, à vérifier) et motif."""
    from .app.commands import ciblage as target

    with _user_errors():
        req = _request(data=data, campaigns=campaign, years=year, allow_other_year=allow_other_year, force=force,
                       config=config)
        result = target(req, out_file)
    _warnings(result.warnings)
    counts = result.table["cible"].value_counts()
    out.print(f"{plural(len(result.table), 'ligne écrite')} dans {_shown(result.file)} : "
              f"{plural(counts.get('oui', 0), 'ciblé')}, {counts.get('a_verifier', 0)} à vérifier, "
              f"{plural(counts.get('non', 0), 'non ciblé')}.")


@app.command(cls=FrenchCommand)
def trajectoires(out_file: TrajectoriesFileOpt, data: DataArg = None, campaign: CampaignOpt = None,
                 horizon: HorizonOpt = 5, force: ForceOpt = False, config: ConfigOpt = None) -> None:
    """Trajectoires proposées pour rédiger les avenants : une cible par année, de T0 à la cible de la campagne."""
    from .app.commands import trajectoires as draft

    with _user_errors():
        req = _request(data=data, campaigns=[campaign] if campaign is not None else None, force=force, config=config)
        result = draft(req, out_file, horizon)
    _warnings(result.warnings)
    rows, count = len(result.table), result.establishments
    out.print(f"{rows} cible{'s' if rows > 1 else ''} proposée{'s' if rows > 1 else ''} pour {count} "
              f"établissement{'s' if count > 1 else ''}, écrite{'s' if rows > 1 else ''} dans {out_file}.")


def _print_state(state: State) -> None:
    """The year of a workspace, step by step: state, detail, the command of a step left to do."""
    ars = f" — {state.workspace.ars.name}" if state.workspace.ars.name else ""
    out.print(f"Campagne {state.campaign}, année {state.year}, phase {state.phase}{ars} ({state.workspace.file})")
    for number, step in enumerate(state.steps, start=1):
        out.print(f"{number:>2}. {step.title} " + "." * max(2, 44 - len(step.title)) + f" {step.state}")
        out.print(f"    {step.detail}")
        if step.command:
            out.print(f"    → {step.command}")
    following, waiting = state.next, [s.title.lower() for s in state.steps if s.state == "en attente"]
    if following is not None:
        out.print(f"Étape suivante : {following.command} ({following.title.lower()}).")
    else:
        out.print("Rien à faire pour l'instant" + (f" ; en attente : {', '.join(waiting)}." if waiting else
                                                   " : toutes les étapes de l'année sont faites."))


@app.command(cls=FrenchCommand)
def etat(config: ConfigOpt = None, year: YearOpt = None) -> None:
    """L'année CAQES du dossier de travail, étape par étape : état de chaque étape et commande de la suivante."""
    from .app.etat import etat as read

    with _user_errors():
        state = read(_request(data=None, campaigns=None, years=year, config=config, workspace_of="caqes etat"), config)
    _print_state(state)


def _envoi_done(done: int, total: int) -> str:
    """What an interrupted ``caqes envoi`` has done (in its reports, then in its packs)."""
    return (f"{done} sur {total} faits dans l'étape en cours, aucun fichier à moitié écrit ; relancez la même "
            "commande : ce qui est à jour est repris")


@app.command(cls=FrenchCommand)
def envoi(year: YearOpt = None, finess: FinessOpt = None, jobs: JobsOpt = 2, force: ForceOpt = False,
          timeout: TimeoutOpt = 600, config: ConfigOpt = None) -> None:
    """Dossiers d'envoi : un .zip par établissement (rapport PDF, plan d'actions, grille, courrier) et la
    liste des destinataires (destinataires.csv) ; aucun courriel n'est envoyé."""
    from .app.documents import ReportsOptions
    from .app.envoi import envoi as send

    with _user_errors():
        req = _request(_Bar(_envoi_done), data=None, campaigns=None, years=year, finess=finess, force=force,
                       config=config, workspace_of="caqes envoi")
        sent = send(req, ReportsOptions(jobs=jobs, timeout=timeout))
    _notebook(sent.reports.notebook)
    out.print(f"modèle de courrier : {sent.model}")
    for path in sent.as_left:
        err.print(f"avertissement — {path} : modifié depuis son écriture, joint tel quel")
    if sent.without_email:
        err.print(f"avertissement — {_n(len(sent.without_email), 'établissement', 'établissements')} sans courriel "
                  f"(colonne courriel de la table etablissements) : {', '.join(sent.without_email)}")
    for code, why in sent.without_pack.items():
        err.print(f"sans dossier d'envoi : {code} — {why}")
    out.print(f"{_n(len(sent.packs), 'dossier', 'dossiers')} d'envoi dans {sent.folder} ; destinataires : "
              f"{sent.recipients} (aucun courriel n'est envoyé).")
    raise typer.Exit(1 if sent.without_pack else 0)


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
    app.command(_french, hidden=True, cls=FrenchCommand)(globals()[_command])
