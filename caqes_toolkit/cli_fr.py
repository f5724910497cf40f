"""The command line's own texts in French: click's and typer's help and error messages.

click and typer write their texts in English (marked for ``gettext`` in the process-wide default
domain, or not at all in the copy of click that typer 0.29 carries): a translation catalogue would
depend on the user's locale and on a domain shared with every other library. Instead the command
line's group and commands (:class:`FrenchGroup`, :class:`FrenchCommand`) go through click's public
extension points: their context's ``formatter_class`` writes « Utilisation : », the section titles
and the ``[défaut : …]`` of options in French, with French spacing
(:func:`~caqes_toolkit.formats.french_spacing`); the usage line, the options' values and the
command list are the commands' own (``collect_usage_pieces``, ``format_options``,
``format_commands``): « caqes reports [options] DONNÉES », « --out CHEMIN », each command's whole
first sentence, never click's « [OPTIONS] COMMAND [ARGS]... », « <list[Path]> » nor a summary cut by
« ... »; ``get_help_option`` gives the help option its French text; and a usage error met while
reading the command line is raised again as a :class:`FrenchUsageError` (a ``typer.BadParameter``)
whose message :func:`french` translates and whose ``show`` writes French. Deterministic whatever
the locale; nothing of typer or click is changed. A text missing from :data:`FRENCH` and
:data:`PATTERNS` stays in English; tests check the ones a user meets (usage, options, help, missing
option, unknown command or option, invalid value).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from .formats import agree, french_spacing

__all__ = ["FRENCH", "PATTERNS", "FrenchCommand", "FrenchGroup", "FrenchUsageError", "french"]

FRENCH: dict[str, str] = {
    # help pages
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Arguments": "Arguments",
    "Commands": "Commandes",
    "Positional arguments": "Arguments positionnels",
    "Show this message and exit.": "Affiche cette aide et quitte.",
    "Show the version and exit.": "Affiche la version et quitte.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "required": "obligatoire",
    "default: {default}": "défaut : {default}",
    "env var: {var}": "variable d'environnement : {var}",
    "deprecated": "obsolète",
    "(dynamic)": "(dynamique)",
    # errors
    "Error: {message}": "Erreur d'utilisation : {message}",
    "Try '{command} {option}' for help.": "Aide : « {command} {option} ».",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing {param_type}": "{param_type} manquant",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "Missing command.": "Commande manquante.",
    "No such command {name!r}.": "Commande inconnue : {name!r}.",
    "No such option {name!r}.": "Option inconnue : {name!r}.",
    "No such option: {name}": "Option inconnue : {name}",
    "Option {name!r} does not take a value.": "L'option {name!r} ne prend pas de valeur.",
    "Option {name!r} requires an argument.": "L'option {name!r} attend une valeur.",
    "Option {name!r} requires {nargs} arguments.": "L'option {name!r} attend {nargs} valeurs.",
    "Got unexpected extra argument ({args})": "Argument en trop : {args}",
    "Got unexpected extra arguments ({args})": "Arguments en trop : {args}",
    "Did you mean {possibility}?": "Vouliez-vous dire {possibility} ?",
    "(Did you mean one of: {possibilities}?)": "(Vouliez-vous dire l'une de : {possibilities} ?)",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un nombre valide.",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "{value!r} is not {choice}.": "{value!r} n'est pas {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} n'est pas l'une des valeurs {choices}.",
    "{value!r} is not a valid boolean.": "{value!r} n'est pas un booléen valide (oui/non : true/false).",
    "{value!r} does not match the format {format}.": "{value!r} ne suit pas le format {format}.",
    "{value!r} does not match the formats {formats}.": "{value!r} ne suit aucun des formats {formats}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} introuvable.",
    "{name} {filename!r} is a file.": "{name} {filename!r} est un fichier.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} est un dossier.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} illisible.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} protégé en écriture.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} non exécutable.",
    "Could not open file {filename!r}: {message}": "Impossible d'ouvrir {filename!r} : {message}",
    "file": "Fichier",
    "directory": "Dossier",
    "path": "Chemin",
    "Aborted!": "Interrompu.",
    "unknown error": "erreur inconnue",
}

_KINDS = {"option": "Option manquante", "argument": "Argument manquant", "parameter": "Paramètre manquant"}


def _names(text: str) -> str:
    """click's « '--out' / '-o' » as French writes it: « --out » ou « -o »."""
    return re.sub(r"'([^']*)'", r"« \1 »", text).replace(" / ", " ou ")
_TYPES = {"integer": "un nombre entier", "int": "un nombre entier", "float": "un nombre",
          "boolean": "oui ou non (true/false)", "bool": "oui ou non (true/false)"}
_PATHS = {"File": "Fichier", "Directory": "Dossier", "Path": "Chemin"}
#: English messages of typer's click copy, and their French (the first match applies).
PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = tuple(
    (re.compile(pattern, re.S), replace) for pattern, replace in (
        (r"(.*)\. Did you mean (.*)\?", lambda m: f"{french(m[1])}. Vouliez-vous dire {_names(m[2])} ?"),
        (r"(.*) \(Possible options: (.*)\)", lambda m: f"{french(m[1])} (options proches : {m[2]})"),
        (r"Missing (option|argument|parameter) (.*?)(\.?)", lambda m: f"{_KINDS[m[1]]} : {_names(m[2])}{m[3]}"),
        (r"Missing parameter: (.*)", lambda m: f"Paramètre manquant : {m[1]}"),
        (r"No such option: (.*)", lambda m: f"Option inconnue : {m[1]}"),
        (r"No such command (.*)\.", lambda m: f"Commande inconnue : {_names(m[1])}."),
        (r"No such command (.*)", lambda m: f"Commande inconnue : {_names(m[1])}"),
        (r"Invalid value for (.*?): (.*)", lambda m: f"Valeur invalide pour {_names(m[1])} : {french(m[2])}"),
        (r"Invalid value: (.*)", lambda m: f"Valeur invalide : {french(m[1])}"),
        (r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)",
         lambda m: f"{agree(len(m[1].split()), 'Argument')} en trop : {m[1]}"),
        (r"Option (.*) does not take a value\.", lambda m: f"L'option {m[1]} ne prend pas de valeur."),
        (r"Option (.*) requires .*arguments?\.", lambda m: f"L'option {m[1]} attend une valeur."),
        (r"Value (.*) is not a valid (.*)\.", lambda m: f"{m[1]} n'est pas {_TYPES.get(m[2], m[2])}."),
        (r"(.*) is not a valid (.*)\.", lambda m: f"{m[1]} n'est pas {_TYPES.get(m[2], m[2])}."),
        (r"(.*) is not one of (.*)\.", lambda m: f"{m[1]} n'est pas l'une des valeurs {m[2]}."),
        (r"(.*) is not in the range (.*)\.", lambda m: f"{m[1]} n'est pas dans l'intervalle {m[2]}."),
        (r"Input should be a valid integer.*", lambda m: "un nombre entier est attendu"),
        (r"Input should be a valid number.*", lambda m: "un nombre est attendu"),
        (r"Input should be a valid boolean.*", lambda m: "oui ou non (true/false) est attendu"),
        (r"Input should be greater than or equal to (.*)", lambda m: f"un nombre ≥ {m[1]} est attendu"),
        (r"Input should be less than or equal to (.*)", lambda m: f"un nombre ≤ {m[1]} est attendu"),
        (r"(File|Directory|Path) (.*) does not exist\.", lambda m: f"{_PATHS[m[1]]} {m[2]} introuvable."),
        (r"(File|Directory|Path) (.*) is a (file|directory)\.",
         lambda m: f"{_PATHS[m[1]]} {m[2]} : c'est un {'fichier' if m[3] == 'file' else 'dossier'}."),
    ))


def french(message: str) -> str:
    """An English message of click as French (:data:`PATTERNS`, then :data:`FRENCH`)."""
    for pattern, replace in PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            return replace(found)
    return FRENCH.get(message, message)


#: An option's notes as click writes them in its help (« [default: 2; required] »), item by item.
_NOTES = re.compile(r"\[([^\[\]]*)\]$")
_NOTE_ITEMS = ((re.compile(r"default: (.*)"), lambda m: f"défaut : {FRENCH.get(m[1], m[1])}"),
               (re.compile(r"env var: (.*)"), lambda m: f"variable d'environnement : {m[1]}"),
               (re.compile(r"required"), lambda m: "obligatoire"),
               (re.compile(r"x>=(.*)"), lambda m: f"au moins {m[1]}"),
               (re.compile(r"x<=(.*)"), lambda m: f"au plus {m[1]}"),
               (re.compile(r"(.*)<=x<=(.*)"), lambda m: f"de {m[1]} à {m[2]}"))


def _note(item: str) -> str:
    for pattern, replace in _NOTE_ITEMS:
        found = pattern.fullmatch(item)
        if found:
            return replace(found)
    return item


def _french_help(text: str) -> str:
    """An option's help with its notes (« [default: 2; required] ») in French, French spacing."""
    return french_spacing(_NOTES.sub(lambda m: "[" + " ; ".join(_note(i) for i in m[1].split("; ")) + "]", text))


#: The value of an option as typer names it in the help (« <list[Path]> », « <int range> »), and the
#: French word shown instead, by what the name holds.
_TYPE_NAME = re.compile(r"\s*<([^<>]*)>$")
_VALUE_WORDS = (("path", "CHEMIN"), ("int", "ENTIER"), ("float", "NOMBRE"), ("bool", "OUI|NON"), ("str", "TEXTE"))


def _value_word(type_name: str) -> str:
    """The French word for an option's value, from the type typer names (« list[Path] » → CHEMIN)."""
    name = type_name.lower()
    return next((word for key, word in _VALUE_WORDS if key in name), "VALEUR")


def _argument_name(param: Any) -> str:
    """An argument as the usage line and the help name it: its metavar, else its name in capitals."""
    return str(param.metavar or param.name or "").upper()


#: click's help formatter, as typer's public context names it.
_HelpFormatter: Any = typer.Context.formatter_class


class FrenchFormatter(_HelpFormatter):
    """click's help formatter, writing its own words in French."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, french_spacing(FRENCH["Usage:"] + " " if prefix is None else prefix))

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{french_spacing(heading + ' :')}\n")

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        with super().section(FRENCH.get(name, name)):
            yield

    def write_text(self, text: str) -> None:
        super().write_text(french_spacing(text))

    def write_dl(self, rows: Sequence[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().write_dl([(term, _french_help(text)) for term, text in rows], *args, **kwargs)


class FrenchContext(typer.Context):
    """typer's context with the French help formatter."""

    formatter_class = FrenchFormatter


#: click's usage error, named through the public ``typer.BadParameter`` that derives from it (typer
#: and click export no other name of it): what a command line wrong in itself raises.
_USAGE_ERROR: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


class FrenchUsageError(typer.BadParameter):
    """A usage error of the command line, said in French (exit status 2)."""

    def format_message(self) -> str:
        return self.message

    def show(self, file: Any = None) -> None:
        hint = ""
        if self.ctx is not None and self.ctx.command.get_help_option(self.ctx) is not None:
            hint = french_spacing(f"Aide : « {self.ctx.command_path} {self.ctx.help_option_names[0]} ».\n")
        if self.ctx is not None:
            typer.echo(f"{self.ctx.get_usage()}\n{hint}", err=True, color=self.ctx.color)
        typer.echo(french_spacing(f"Erreur d'utilisation : {self.message}"), err=True,
                   color=self.ctx.color if self.ctx else None)


@contextmanager
def _in_french() -> Iterator[None]:
    """A usage error raised inside, raised again in French (the help shown for a group called
    without a command is left as it is)."""
    try:
        yield
    except FrenchUsageError:
        raise
    except _USAGE_ERROR as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            raise
        ctx = getattr(exc, "ctx", None)
        raise FrenchUsageError(french(exc.format_message()), ctx=ctx) from None  # type: ignore[attr-defined]


class _French:
    """What the French group and commands share: their help option and usage errors."""

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = FRENCH["Show this message and exit."]
        return option

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        with _in_french():
            return super().make_context(info_name, args, parent, **extra)  # type: ignore[misc]


class FrenchCommand(_French, TyperCommand):
    """A typer command whose help and usage errors are French."""

    context_class = FrenchContext

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        """« [options] DONNÉES »: the arguments by their French name, an optional one in brackets."""
        arguments = [p for p in self.get_params(ctx) if p.param_type_name == "argument"]
        return ["[options]", *(_argument_name(p) if p.required else f"[{_argument_name(p)}]" for p in arguments)]

    def format_options(self, ctx: Any, formatter: Any) -> None:
        """The arguments by their French name, each option with the French word for its value
        (« --out CHEMIN »), not typer's type names."""
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            term, text = record
            if param.param_type_name == "argument":
                arguments.append((_argument_name(param), text))
            else:
                options.append((_TYPE_NAME.sub(lambda m: " " + _value_word(m[1]), term), text))
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


class FrenchGroup(_French, TyperGroup):
    """The typer group of the command line, its help and usage errors in French."""

    context_class = FrenchContext

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return ["[options]", "COMMANDE [ARGUMENTS]…"]

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """Each command with the whole first sentence of its help (wrapped, never cut by « ... »)."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        with _in_french():
            return super().resolve_command(ctx, args)
