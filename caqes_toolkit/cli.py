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
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from .app.request import Listener, Request, UsageError
from .cli_fr import FrenchCommand, FrenchGroup
from .cli_interrupt import progress
from .errors import CaqesError, DataError
from .formats import french_spacing, plural
from .outputs import describe_os_error

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
DataArg = Annotated[Path, typer.Argument(metavar="DONNÉES", help="Dossier de CSV ou classeur .xlsx ou .ods "
                                         "(contrat de données).")]
CampaignOpt = Annotated[Path, typer.Option("--campaign", "-c", help="Fichier de campagne YAML (params/).")]
CampaignsOpt = Annotated[list[Path], typer.Option(
    "--campaign", "-c", help="Fichier de campagne YAML ; répéter l'option pour donner un fichier par année si "
    "les règles diffèrent.")]
YearsOpt = Annotated[list[int] | None, typer.Option(
    "--year", "-y", help="Année évaluée ; répéter l'option pour plusieurs années (défaut : l'année « annee » de la "
    "campagne, s'il n'y en a qu'une).")]
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
FormatsOpt = Annotated[str, typer.Option("--formats", help="Formats : html, pdf (séparés par des virgules).")]
FinessOpt = Annotated[list[str] | None, typer.Option(
    "--finess", "-f", help="FINESS des établissements à traiter (répéter l'option ou séparer par des virgules).")]
ScoresFileOpt = Annotated[Path, typer.Option("--out", "-o", help="Fichier de scores .csv ou .xlsx.")]
TargetingFileOpt = Annotated[Path, typer.Option("--out", "-o", help="Liste de ciblage .csv ou .xlsx.")]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", min=1, help="Processus de travail en parallèle.")]
SchedulerOpt = Annotated[str | None, typer.Option(help="Adresse d'un ordonnanceur Dask (tcp://hôte:port).")]
ReportsForceOpt = Annotated[bool, typer.Option("--force", help="Refaire aussi les rapports à jour, et remplacer "
                                               "scores.xlsx et index.html même modifiés depuis leur écriture.")]
RendererOpt = Annotated[str, typer.Option(help="Moteur : nbclient (défaut) ou quarto.")]
NotebookOpt = Annotated[Path | None, typer.Option(
    help="Notebook de rapport à utiliser (défaut : notebooks/rapport_etablissement.ipynb).")]
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
GridsArg = Annotated[Path, typer.Argument(metavar="GRILLES", help="Dossier des grilles retournées par les "
                                          "établissements.")]
CollectDataOpt = Annotated[Path, typer.Option(
    "--data", help="Données de départ (dossier de CSV ou classeur .xlsx ou .ods).")]
CollectOutOpt = Annotated[Path, typer.Option("--out", "-o", help="Dossier de données à écrire (CSV).")]
SuiviOpt = Annotated[Path | None, typer.Option(help="Tableau de suivi des retours (.xlsx ou .csv).")]
FolderArg = Annotated[Path, typer.Argument(metavar="DOSSIER", help="Dossier de travail à créer (absent ou vide).")]


# --- what every command shares -------------------------------------------------------------------
class _Bar(Listener):
    """Warnings on the error stream, a progress bar per task; ``done``: what an interrupted task
    has done (for the line Ctrl-C prints), given the steps done and their total."""

    def __init__(self, done: Callable[[int, int], str] | None = None) -> None:
        self.done = done

    def warn(self, text: str) -> None:
        err.print(text)

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


# --- the commands ----------------------------------------------------------------------------------
@app.command(cls=FrenchCommand)
def init(folder: FolderArg) -> None:
    """Crée un dossier de travail : fichiers de campagne à adapter, notebooks, données d'exemple, README."""
    from .app.commands import init as create

    with _user_errors():
        written = create(folder)
    out.print(f"Dossier de travail créé : {folder} ({len(written)} fichiers ; lisez {folder / 'README.md'}). "
              "Pour commencer :")
    out.print(f"  cd {folder}")
    out.print("  caqes validate data/exemple --campaign params/caqes-2019.yml")


@app.command(cls=FrenchCommand)
def validate(data: DataArg, campaign: CampaignOpt, anomalies: AnomaliesOpt = None, force: ForceOpt = False) -> None:
    """Vérifie les données et liste les anomalies, les systématiques regroupées (code 0 : aucune erreur)."""
    from .app.commands import validate as check
    from .errors import summarise

    with _user_errors():
        found = check(_request(data=data, campaigns=[campaign], force=force), anomalies)
    for line in summarise(found.faults):
        out.print(line, markup=False, emoji=False)
    if anomalies is not None:
        out.print(f"liste complète : {anomalies}", markup=False, emoji=False)
    warnings = plural(len(found.faults) - found.errors, "avertissement")
    out.print(f"{data} : {plural(found.errors, 'erreur')}, {warnings}.", markup=False, emoji=False)
    raise typer.Exit(1 if found.errors else 0)


@app.command(cls=FrenchCommand)
def score(data: DataArg, campaign: CampaignsOpt, out_file: ScoresFileOpt, year: YearsOpt = None,
          detail: DetailOpt = None, allow_other_year: OtherYearOpt = False, volets: VoletsOpt = None,
          phase: PhaseOpt = 2, force: ForceOpt = False) -> None:
    """Calcule les scores de chaque établissement (une ligne par établissement et par année)."""
    from .app.commands import score as compute

    with _user_errors():
        req = _request(data=data, campaigns=campaign, years=year, allow_other_year=allow_other_year,
                       phase=phase, force=force)
        scored = compute(req, out_file, detail, volets)
    _warnings(scored.warnings)
    out.print(f"{plural(scored.rows, 'ligne écrite')} dans {_shown(out_file)}.")


def reports_done(done: int, total: int) -> str:
    """What an interrupted ``caqes reports`` has done, for its last line."""
    left = total - done
    rest = ("terminer" if left == 0 else "faire le rapport restant" if left == 1
            else f"faire les {left} rapports restants")
    made = f"{plural(done, 'rapport')} à jour sur {total}, aucun fichier à moitié écrit"
    return f"{made} ; relancez la même commande pour {rest} (ceux qui sont à jour ne sont pas refaits)"


@app.command(cls=FrenchCommand)
def reports(data: DataArg, campaign: CampaignsOpt, out_dir: OutDirOpt, year: YearOpt = None,
            formats: FormatsOpt = "html,pdf", jobs: JobsOpt = 2, finess: FinessOpt = None,
            scheduler: SchedulerOpt = None, force: ReportsForceOpt = False, renderer: RendererOpt = "nbclient",
            notebook: NotebookOpt = None, allow_other_year: OtherYearOpt = False, phase: PhaseOpt = 2,
            timeout: TimeoutOpt = 600) -> None:
    """Rapports d'évaluation (notebook exécuté, HTML, PDF, scores.json) de chaque établissement."""
    from .app.documents import ReportsOptions
    from .app.documents import reports as make

    with _user_errors():
        req = _request(_Bar(reports_done), data=data, campaigns=campaign, years=year, formats=formats,
                       finess=finess, force=force, allow_other_year=allow_other_year, phase=phase)
        done = make(req, out_dir, ReportsOptions(jobs, scheduler, renderer, notebook, timeout))
    index = out_dir / "index.html"
    if done.up_to_date is not None:
        out.print(f"0 rapport produit, {done.up_to_date} déjà à jour, 0 échec — index : {_shown(index)}")
        return
    out.print(f"{plural(done.count('ok'), 'rapport produit')}, {done.count('skipped')} déjà à jour, "
              f"{plural(done.count('failed'), 'échec')} — index : {_shown(index)}")
    if done.failures:
        err.print(Text.assemble(("Échecs", "bold red"), french_spacing(" :")))
        for o in done.failures:
            cell = f"cellule [{o.cell}]" if o.cell is not None else "hors cellule"
            nb = out_dir / o.finess / "rapport.ipynb"
            where = f"notebook : {_shown(nb)}" if nb.exists() else "pas de notebook"
            err.print(f"  {o.finess} — {cell} — {o.error} ({where})")
        raise typer.Exit(1)


@app.command(cls=FrenchCommand)
def plan(data: DataArg, campaign: CampaignsOpt, out_dir: OutDirOpt, year: YearOpt = None, finess: FinessOpt = None,
         allow_other_year: OtherYearOpt = False, force: ForceOpt = False) -> None:
    """Plans d'actions (.xlsx) pré-remplis avec les priorités, à compléter par chaque établissement."""
    from .app.commands import plan as make

    with _user_errors():
        req = _request(data=data, campaigns=campaign, years=year, finess=finess,
                       allow_other_year=allow_other_year, force=force)
        written = make(req, out_dir)
    plans = plural(len(written), "plan d'actions écrit", "plans d'actions écrits")
    out.print(f"{plans} dans {_shown(out_dir)}.")


@app.command(cls=FrenchCommand)
def methode(campaign: CampaignOpt, out_dir: OutDirOpt, formats: FormatsOpt = "html,pdf",
            force: ForceOpt = False) -> None:
    """Document de méthode (HTML, PDF) généré depuis le fichier de campagne, publiable par l'ARS."""
    from .app.commands import methode as make

    with _user_errors():
        written = make(_request(campaigns=[campaign], formats=formats, force=force), out_dir)
    _written(written)


@app.command(cls=FrenchCommand)
def synthese(data: DataArg, campaign: CampaignsOpt, out_dir: OutDirOpt, year: YearOpt = None,
             formats: FormatsOpt = "html,pdf", region: RegionOpt = "", allow_other_year: OtherYearOpt = False,
             phase: PhaseOpt = 2, force: ForceOpt = False) -> None:
    """Synthèse régionale pour l'ARS (document interne : nomme les établissements), avec son classeur
    (listes complètes) ; données de plusieurs régions : une synthèse par région et une synthèse nationale."""
    from .app.documents import synthese as make

    with _user_errors():
        req = _request(data=data, campaigns=campaign, years=year, formats=formats,
                       allow_other_year=allow_other_year, phase=phase, force=force)
        written = make(req, out_dir, region)
    _written(written)


@app.command(cls=FrenchCommand)
def grille(data: DataArg, campaign: CampaignOpt, out_dir: OutDirOpt, year: YearOpt = None,
           finess: FinessOpt = None, force: ForceOpt = False) -> None:
    """Grilles d'auto-évaluation pré-remplies, une par établissement (fichier grille_FINESS_ANNÉE.xlsx)."""
    from .app.commands import grille as make

    with _user_errors():
        written = make(_request(data=data, campaigns=[campaign], years=year, finess=finess, force=force), out_dir)
    out.print(f"{plural(len(written), 'grille écrite')} dans {_shown(out_dir)}.")


@app.command(cls=FrenchCommand)
def collecte(grids: GridsArg, campaign: CampaignOpt, data: CollectDataOpt, out_dir: CollectOutOpt,
             year: YearOpt = None, suivi: SuiviOpt = None, force: ForceOpt = False) -> None:
    """Collecte des grilles retournées : contrôle des valeurs, nouveau dossier de données, suivi."""
    from .app.commands import collecte as collect
    from .documents.collect import STATUSES
    from .documents.vocabulary import return_status

    with _user_errors():
        result = collect(_request(data=data, campaigns=[campaign], years=year, force=force), grids, out_dir, suivi)
    _warnings(result.faults)
    counts = result.follow_up["statut"].value_counts()
    summary = ", ".join(f"{n} {return_status(s, n)}" for s in STATUSES if (n := int(counts.get(s, 0))))
    out.print(f"{plural(len(result.follow_up), 'établissement')}" + (f" : {summary}." if summary else "."))
    for row in result.follow_up.itertuples():
        if row.statut in ("invalide", "incomplete"):
            detail = (plural(row.anomalies, "anomalie") if row.statut == "invalide"
                      else plural(row.valeurs_manquantes, "valeur manquante"))
            out.print(f"  {row.finess} {row.raison_sociale} : {return_status(row.statut)} — {detail} ({row.fichier})")
    out.print(f"Données écrites dans {_shown(out_dir)}." + (f" Suivi : {_shown(suivi)}." if suivi is not None else ""))
    raise typer.Exit(0 if result.ok else 1)


@app.command(cls=FrenchCommand)
def ciblage(data: DataArg, campaign: CampaignsOpt, out_file: TargetingFileOpt, year: YearOpt = None,
            allow_other_year: OtherYearOpt = False, force: ForceOpt = False) -> None:
    """Ciblage : établissements désignés par chaque référentiel (ciblé, non ciblé, à vérifier) et motif."""
    from .app.commands import ciblage as target

    with _user_errors():
        req = _request(data=data, campaigns=campaign, years=year, allow_other_year=allow_other_year, force=force)
        result = target(req, out_file)
    _warnings(result.warnings)
    counts = result.table["cible"].value_counts()
    out.print(f"{plural(len(result.table), 'ligne écrite')} dans {_shown(out_file)} : "
              f"{plural(counts.get('oui', 0), 'ciblé')}, {counts.get('a_verifier', 0)} à vérifier, "
              f"{plural(counts.get('non', 0), 'non ciblé')}.")


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
