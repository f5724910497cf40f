"""The command line's own texts in French: click's and typer's help and error messages.

click (and typer's own module) mark their texts with ``gettext`` in the process-wide default
domain, so a translation catalogue would depend on the user's locale and on a domain shared with
every other library. Instead :func:`install` gives those modules' ``_`` and ``ngettext`` a French
catalogue of their own: deterministic whatever the locale, and scoped to click and typer.

typer 0.29 and later carry their own copy of click (``typer._click``) whose texts are written
without ``gettext``: for it, :func:`install` goes through click's extension points instead — the
context's ``formatter_class`` (« Utilisation : »), the help option's text, and the ``show``
method of usage errors, whose English message is translated by :data:`PATTERNS`. A text missing
from both stays in English; tests check the ones a user meets (usage, options, help, missing
option, unknown command or option, invalid value).
"""

from __future__ import annotations

import gettext
import re
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["FRENCH", "PATTERNS", "french", "install"]

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

_MODULES = ("click.core", "click.decorators", "click.exceptions", "click.formatting", "click.parser",
            "click.types", "click.termui", "click.utils", "typer.core", "typer.rich_utils")
_KINDS = {"option": "Option manquante", "argument": "Argument manquant", "parameter": "Paramètre manquant"}
_TYPES = {"integer": "un nombre entier", "int": "un nombre entier", "float": "un nombre",
          "boolean": "oui ou non (true/false)", "bool": "oui ou non (true/false)"}
_PATHS = {"File": "Fichier", "Directory": "Dossier", "Path": "Chemin"}
#: English messages of typer's click copy, and their French (the first match applies).
PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = tuple(
    (re.compile(pattern, re.S), replace) for pattern, replace in (
        (r"(.*)\. Did you mean (.*)\?", lambda m: f"{french(m[1])}. Vouliez-vous dire {m[2]} ?"),
        (r"(.*) \(Possible options: (.*)\)", lambda m: f"{french(m[1])} (options proches : {m[2]})"),
        (r"Missing (option|argument|parameter)(.*)", lambda m: f"{_KINDS[m[1]]}{m[2]}"),
        (r"Missing parameter: (.*)", lambda m: f"Paramètre manquant : {m[1]}"),
        (r"No such option: (.*)", lambda m: f"Option inconnue : {m[1]}"),
        (r"No such command (.*)\.", lambda m: f"Commande inconnue : {m[1]}."),
        (r"Invalid value for (.*?): (.*)", lambda m: f"Valeur invalide pour {m[1]} : {french(m[2])}"),
        (r"Invalid value: (.*)", lambda m: f"Valeur invalide : {french(m[1])}"),
        (r"Got unexpected extra arguments?(?:\(s\))? \((.*)\)", lambda m: f"Argument(s) en trop : {m[1]}"),
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


class _Catalogue(gettext.NullTranslations):
    """Translations from :data:`FRENCH`; a text absent from it is returned unchanged."""

    def gettext(self, message: str) -> str:
        return FRENCH.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


def install() -> None:
    """Give click's and typer's modules the French catalogue, and typer's click copy its French
    help and errors (idempotent)."""
    catalogue = _Catalogue()
    for name in _MODULES:
        # only the modules already loaded: typer imports the click it uses, and typer.rich_utils
        # (0.3 s of rich's markdown and traceback) serves only rich markup, which the app turns off
        module = sys.modules.get(name)
        if module is None:
            continue
        if hasattr(module, "_"):
            setattr(module, "_", catalogue.gettext)  # noqa: B010 (a module's private name)
        if hasattr(module, "ngettext"):
            module.ngettext = catalogue.ngettext  # type: ignore[attr-defined]
    try:
        from typer._click import core, exceptions, formatting, utils
    except ImportError:  # typer before 0.29 uses click itself: the catalogue is enough
        return
    _install_vendored(core, exceptions, formatting, utils)


def _install_vendored(core: Any, exceptions: Any, formatting: Any, utils: Any) -> None:
    class FrenchFormatter(formatting.HelpFormatter):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            super().write_usage(prog, args, "Utilisation : " if prefix is None else prefix)

    core.Context.formatter_class = FrenchFormatter
    if not getattr(core.Command.get_help_option, "french", False):
        english = core.Command.get_help_option

        def get_help_option(self: Any, ctx: Any) -> Any:
            option = english(self, ctx)
            if option is not None:
                option.help = FRENCH["Show this message and exit."]
            return option

        get_help_option.french = True  # type: ignore[attr-defined]
        core.Command.get_help_option = get_help_option

    def show_click(self: Any, file: Any = None) -> None:
        utils.echo(f"Erreur : {french(self.format_message())}", file=file or exceptions.get_text_stderr(),
                   color=self.show_color)

    def show_usage(self: Any, file: Any = None) -> None:
        file = file or exceptions.get_text_stderr()
        color = None
        if self.ctx is not None:
            color = self.ctx.color
            hint = ""
            if self.ctx.command.get_help_option(self.ctx) is not None:
                hint = f"Aide : « {self.ctx.command_path} {self.ctx.help_option_names[0]} ».\n"
            utils.echo(f"{self.ctx.get_usage()}\n{hint}", file=file, color=color)
        utils.echo(f"Erreur d'utilisation : {french(self.format_message())}", file=file, color=color)

    exceptions.ClickException.show = show_click
    exceptions.UsageError.show = show_usage
