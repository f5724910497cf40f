"""Reading a campaign file: its YAML refused with every fault of its structure (duplicated keys,
control characters, too deep nesting, a byte that does not decode), and the checks of its keys
said in French, each with its key path (``volets[0] (code X).indicateurs[2] (code Y).cible``),
« (racine) » for the file's top level.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import CampaignError

__all__ = ["MAX_DEPTH", "MAX_LISTED", "ROOT", "messages", "read_yaml"]

#: Deepest nesting a campaign file may have (the schema needs 5 levels).
MAX_DEPTH = 20
#: Structural faults listed in one message (a machine-made file may have thousands).
MAX_LISTED = 20
#: Control characters refused in any text of a campaign (tab, line feed and carriage return are allowed).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_MERGE = "tag:yaml.org,2002:merge"
#: Where a fault of the file as a whole (no key of its own) is said to be.
ROOT = "(racine)"
_KEY = r"[a-z_][a-z0-9_]*(?:\[[0-9]+\](?: \(code [^)]*\))?)?"
#: A message of a check across the campaign that names its keys itself (« volets[0] (code X).plafond : … »).
_KEYED = re.compile(rf"{_KEY}(?:\.{_KEY})* : ")
#: PyYAML's most frequent problems (the start of its text), said in French; others are quoted.
_YAML_PROBLEMS: tuple[tuple[str, str], ...] = (
    ("found character '\\t'", "tabulation : un fichier YAML s'indente avec des espaces"),
    ("could not find expected ':'", "« : » attendu après une clé (ou guillemet manquant)"),
    ("mapping values are not allowed here", "« : » inattendu ici (une valeur qui contient « : » "
     "s'écrit entre guillemets)"),
    ("expected <block end>", "indentation qui ne suit pas celle des lignes au-dessus"),
    ("found unexpected end of stream", "fin du fichier avant le guillemet qui ferme le texte"),
    ("expected ',' or ']'", "« ] » manquant : liste entre crochets non fermée"),
    ("expected ',' or '}'", "« } » manquant : dictionnaire entre accolades non fermé"),
)
#: libyaml's safe loader, when PyYAML was built with it.
_C_LOADER: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)


def _is_union_member(key: object) -> bool:
    """Whether a location part names a member of a union type (``float``, ``literal['x']``)."""
    return isinstance(key, str) and (key in ("float", "int", "str", "bool", "date") or "[" in key)


def _describe(error: Mapping[str, Any], raw: dict) -> tuple[str, str, str]:
    """Key path, French message and received value of one validation error."""
    loc = [key for key in error["loc"] if not _is_union_member(key)]
    parts: list[str] = []
    node: Any = raw  # the raw value at the current location (names list items by their code)
    for key in loc:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            node = None
        if isinstance(key, int) and parts and parts[-1] in ("indicateurs", "volets"):
            code = f" (code {node.get('code', '?')})" if isinstance(node, dict) else ""
            parts[-1] = f"{parts[-1]}[{key}]{code}"
        else:
            parts.append(str(key))
    where = ".".join(parts) or ROOT
    ctx = error.get("ctx") or {}
    messages = {
        "extra_forbidden": "clé inconnue (faute de frappe ?)",
        "missing": "clé obligatoire absente",
        "literal_error": f"valeur attendue parmi {ctx.get('expected', '')}".replace(" or ", " ou "),
        "int_parsing": "un entier est attendu",
        "float_parsing": "un nombre est attendu",
        "finite_number": "un nombre fini est attendu (ni .inf ni .nan)",
        "bool_parsing": "true ou false est attendu",
        "less_than_equal": f"valeur attendue ≤ {ctx.get('le', '')}",
        "greater_than_equal": f"valeur attendue ≥ {ctx.get('ge', '')}",
        "greater_than": f"valeur attendue > {ctx.get('gt', '')}",
        "too_short": "au moins un élément est attendu",
        "float_type": "un nombre est attendu",
        "string_type": "un texte est attendu",
        "bool_type": "true ou false est attendu",
        "date_type": "une date est attendue (AAAA-MM-JJ)",
        "tuple_type": "une liste est attendue",
        "dict_type": "un dictionnaire YAML (des clés et leurs valeurs) est attendu",
        "model_type": "un dictionnaire YAML (des clés et leurs valeurs) est attendu",
    }
    message = messages.get(error["type"], error["msg"].removeprefix("Value error, "))
    got = f" (reçu : {error['input']!r})" if error["type"] not in ("missing",) and not isinstance(
        error.get("input"), dict | list) else ""
    return where, message, got


def messages(exc: ValidationError, raw: dict) -> list[str]:
    """One line per faulty key; the alternatives of a union (a number or a keyword) on one line. A
    check across the campaign that names its own keys is said as it is, not under « (racine) »."""
    by_key: dict[str, tuple[list[str], str]] = {}
    for error in exc.errors():
        where, message, got = _describe(error, raw)
        by_key.setdefault(where, ([], got))[0].append(message)
    return [messages[0] if where == ROOT and _KEYED.match(messages[0]) else
            f"{where} : {' ; ou '.join(messages)}{got}" for where, (messages, got) in by_key.items()]


def _tree_faults(root: yaml.Node) -> list[str]:
    """Duplicated keys, control characters and too deep nesting, each with its key path and line.

    Walks the composed YAML nodes without recursion; a node shared by aliases is visited once.
    """
    faults: list[str] = []
    keys = yaml.constructor.SafeConstructor()  # resolves keys as the loader would (1, 01 and 1.0 are one key)
    stack: list[tuple[yaml.Node, str, int]] = [(root, "", 0)]
    seen: set[int] = set()
    while stack:
        node, path, depth = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        where = f"{path or ROOT} (ligne {node.start_mark.line + 1})"
        if depth > MAX_DEPTH:
            faults.append(f"{where} : imbrication trop profonde (plus de {MAX_DEPTH} niveaux)")
        elif isinstance(node, yaml.ScalarNode):
            bad = _CONTROL.search(node.value)
            if bad:
                faults.append(f"{where} : caractère de contrôle U+{ord(bad.group()):04X} interdit dans un texte")
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in reversed(list(enumerate(node.value))))
        elif isinstance(node, yaml.MappingNode):
            first: dict[object, int] = {}
            children = []
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else "?"
                child = f"{path}.{name}" if path else name
                if isinstance(key, yaml.ScalarNode) and key.tag != _MERGE:
                    try:
                        resolved = keys.construct_object(key)
                        hash(resolved)
                    except (yaml.YAMLError, TypeError):
                        resolved = (key.tag, key.value)
                    line = key.start_mark.line + 1
                    if resolved in first:
                        faults.append(f"{child} (ligne {line}) : clé en double (déjà donnée ligne "
                                      f"{first[resolved]}) ; YAML garderait la dernière valeur sans le dire")
                    first.setdefault(resolved, line)
                children += [(key, child, depth + 1), (value, child, depth + 1)]
            stack.extend(reversed(children))
    return faults


def read_yaml(path: Path, data: bytes) -> object:
    """The YAML document of a campaign file, refused with every fault of its structure.

    Read by libyaml when PyYAML has it (ten times faster than the pure-Python reader); a file
    libyaml refuses is read again by the pure-Python reader, whose messages name the line and
    the character (libyaml's do not, and it stops nesting at 1,000 levels with its own message).
    """
    if _C_LOADER is not None:
        with contextlib.suppress(yaml.YAMLError):
            return _document(path, _C_LOADER(data))
    try:
        return _document(path, yaml.SafeLoader(data))
    except RecursionError:
        raise CampaignError(f"{path} : YAML imbriqué trop profondément (plus de {MAX_DEPTH} niveaux attendus "
                            "au plus) : fichier de campagne corrompu ?") from None
    except yaml.reader.ReaderError as exc:
        line = data.decode("utf-8", "replace")[:exc.position].count("\n") + 1
        what = (f"octet 0x{exc.character:02X} illisible en {exc.encoding}" if exc.encoding != "unicode"
                else f"caractère de contrôle U+{exc.character:04X} interdit")
        raise CampaignError(f"{path} : ligne {line} : {what} ; un texte UTF-8 sans caractère de contrôle "
                            "est attendu") from None
    except yaml.YAMLError as exc:
        raise CampaignError(f"{path} : YAML invalide{_yaml_problem(exc)}") from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """Where PyYAML stopped and why, in French when the problem is a common one."""
    mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None) or str(exc)
    said = next((french for start, french in _YAML_PROBLEMS if problem.startswith(start)),
                f"« {problem} » (message de PyYAML)")
    return f", ligne {mark.line + 1}, colonne {mark.column + 1} : {said}" if mark else f" : {said}"


def _document(path: Path, loader: yaml.SafeLoader) -> object:
    """The document ``loader`` reads, after :func:`_tree_faults` found nothing to refuse."""
    try:
        node = loader.get_single_node()
        faults = _tree_faults(node) if node is not None else []
        if faults:
            more = [f"… et {len(faults) - MAX_LISTED} autres"] if len(faults) > MAX_LISTED else []
            raise CampaignError(f"{path} : campagne invalide :\n  " + "\n  ".join(faults[:MAX_LISTED] + more))
        return None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()
