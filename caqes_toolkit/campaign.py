"""Campaign files (``params/*.yml``): the whole rule set of one CAQES campaign as typed objects.

The YAML keys are French (the method's vocabulary); the Python attributes are English.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import CampaignError

__all__ = [
    "ACTIVITIES",
    "Campaign",
    "Indicator",
    "RuleChange",
    "SanctionRule",
    "campaign_for_year",
    "compare_campaigns",
    "load_campaign",
]

ACTIVITIES: tuple[str, ...] = ("MCO", "HAD", "DIA", "SSR", "PSY")
Rule = Literal["binaire", "cible", "seuils", "maturite"]
Direction = Literal["hausse", "baisse"]
Scope = Literal["national", "regional"]
Reference = Literal["reference_nationale", "reference_regionale"]
DataSource = Literal["etablissement", "assurance_maladie", "has"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Indicator(_Frozen):
    """One indicator of the catalogue and the rule that scores it."""

    code: str = Field(min_length=1)
    label: str = Field(alias="libelle", min_length=1)
    chapter: int = Field(alias="chapitre")
    scope: Scope = Field(alias="portee")
    rule: Rule = Field(alias="regle")
    direction: Direction = Field(alias="sens")
    target: float | Reference | None = Field(default=None, alias="cible")
    thresholds: tuple[tuple[float, float], ...] | None = Field(default=None, alias="seuils")
    weight: float = Field(default=1.0, alias="poids", gt=0)
    unit: str | None = Field(default=None, alias="unite")
    activities: tuple[str, ...] | None = Field(default=None, alias="activites")
    action: str = ""
    source: Literal["seed", "texte", "défaut"] = "défaut"
    data_source: DataSource = Field(default="etablissement", alias="source_donnees")

    @field_validator("activities")
    @classmethod
    def _known_activities(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None:
            unknown = [a for a in value if a not in ACTIVITIES]
            if unknown or not value:
                raise ValueError(f"activités attendues parmi {', '.join(ACTIVITIES)} ; reçu {value}")
        return value

    @field_validator("thresholds")
    @classmethod
    def _points_in_range(cls, value: tuple[tuple[float, float], ...] | None):
        if value is not None:
            if not value:
                raise ValueError("au moins un seuil [valeur, points] est attendu")
            if any(not 0 <= points <= 1 for _, points in value):
                raise ValueError("les points d'un seuil sont attendus entre 0 et 1")
        return value

    @model_validator(mode="after")
    def _rule_needs(self) -> Indicator:
        if self.rule == "cible" and self.target is None:
            raise ValueError(f"l'indicateur {self.code} (regle: cible) demande la clé « cible »")
        if self.rule == "seuils" and self.thresholds is None:
            raise ValueError(f"l'indicateur {self.code} (regle: seuils) demande la clé « seuils »")
        if self.rule in ("binaire", "maturite") and (self.target is not None or self.thresholds):
            raise ValueError(
                f"l'indicateur {self.code} (regle: {self.rule}) n'accepte ni « cible » ni « seuils »"
            )
        return self

    @property
    def target_kind(self) -> Literal["number", "national", "regional", "none"]:
        """Where the target comes from: the catalogue, the references table, or nowhere."""
        if isinstance(self.target, float | int):
            return "number"
        if self.target == "reference_nationale":
            return "national"
        if self.target == "reference_regionale":
            return "regional"
        return "none"

    @property
    def is_percentage(self) -> bool:
        return self.unit == "%"


class SanctionRule(_Frozen):
    """How the cap of a possible sanction is estimated (labelled as an estimate in reports)."""

    cap_pct_income: float = Field(alias="plafond_pct_produits_am", ge=0, le=100)
    formula: str = Field(default="", alias="formule")


class Weights(_Frozen):
    with_list: dict[int, float] = Field(alias="avec_liste_en_sus")
    without_list: dict[int, float] = Field(alias="sans_liste_en_sus")


class Campaign(_Frozen):
    """The rule set of one campaign, as read from its YAML file."""

    name: str = Field(alias="campagne", min_length=1)
    year: int | None = Field(default=None, alias="annee")
    t0_year: int = Field(alias="annee_t0")
    without_sanction: bool = Field(default=False, alias="sans_sanction")
    sanction_threshold: float = Field(alias="seuil_sanction", ge=0, le=100)
    classes: dict[str, float]
    weights: Weights = Field(alias="ponderations")
    chapters: dict[int, str] = Field(alias="chapitres")
    short_chapters: dict[int, str] = Field(default_factory=dict, alias="chapitres_courts")
    indicators: tuple[Indicator, ...] = Field(alias="indicateurs", min_length=1)
    sanction: SanctionRule | None = None
    grid_deadline: dt.date | str | None = Field(default=None, alias="date_limite_grille")
    ars_contact: str | None = Field(default=None, alias="contact_ars")
    phase_2_date: dt.date | str | None = Field(default=None, alias="date_phase_2")
    path: str | None = Field(default=None, exclude=True)
    sha256: str | None = Field(default=None, exclude=True)

    @field_validator("classes")
    @classmethod
    def _classes_sorted(cls, value: dict[str, float]) -> dict[str, float]:
        bounds = list(value.values())
        if not value or bounds != sorted(bounds, reverse=True) or len(set(bounds)) != len(bounds):
            raise ValueError("bornes de classes attendues strictement décroissantes (A: 80, B: 70, …)")
        if min(bounds) != 0:
            raise ValueError("la dernière classe doit avoir la borne 0")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        codes = [i.code for i in self.indicators]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"codes d'indicateurs en double : {', '.join(duplicates)}")
        for ind in self.indicators:
            if ind.chapter not in self.chapters:
                raise ValueError(f"l'indicateur {ind.code} cite le chapitre {ind.chapter} absent de « chapitres »")
        if set(self.short_chapters) - set(self.chapters):
            raise ValueError("chapitres_courts cite des chapitres absents de « chapitres »")
        for profile, table in (("avec_liste_en_sus", self.weights.with_list),
                               ("sans_liste_en_sus", self.weights.without_list)):
            unknown = set(table) - set(self.chapters)
            if unknown:
                raise ValueError(f"ponderations.{profile} cite des chapitres inconnus : {sorted(unknown)}")
        return self

    @cached_property
    def by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}

    def short_label(self, chapter: int) -> str:
        """Short name of a chapter for charts and sentences (``chapitres_courts``, else the name)."""
        return self.short_chapters.get(chapter) or self.chapters[chapter]

    def chapter_weights(self, with_list: bool) -> dict[int, float]:
        """Weight table of a profile (establishment with or without liste en sus)."""
        return dict(self.weights.with_list if with_list else self.weights.without_list)

    def grade(self, score: float) -> str:
        """Class of a global score (rounded to 6 decimals so float noise never moves a boundary)."""
        rounded = round(score, 6)
        for name, bound in self.classes.items():
            if rounded >= bound:
                return name
        return list(self.classes)[-1]

    def sanction_proposed(self, score: float) -> bool:
        return not self.without_sanction and round(score, 6) < self.sanction_threshold


def _describe(error: dict, raw: dict) -> str:
    loc = list(error["loc"])
    parts: list[str] = []
    for key in loc:
        if isinstance(key, int) and parts and parts[-1] == "indicateurs":
            code = ""
            try:
                code = f" (code {raw['indicateurs'][key].get('code', '?')})"
            except (KeyError, IndexError, TypeError, AttributeError):
                pass
            parts[-1] = f"indicateurs[{key}]{code}"
        else:
            parts.append(str(key))
    where = ".".join(parts) or "(racine)"
    ctx = error.get("ctx") or {}
    messages = {
        "extra_forbidden": "clé inconnue (faute de frappe ?)",
        "missing": "clé obligatoire absente",
        "literal_error": f"valeur attendue parmi {ctx.get('expected', '')}".replace(" or ", " ou "),
        "int_parsing": "un entier est attendu",
        "float_parsing": "un nombre est attendu",
        "bool_parsing": "true ou false est attendu",
        "less_than_equal": f"valeur attendue ≤ {ctx.get('le', '')}",
        "greater_than_equal": f"valeur attendue ≥ {ctx.get('ge', '')}",
        "greater_than": f"valeur attendue > {ctx.get('gt', '')}",
    }
    message = messages.get(error["type"], error["msg"].removeprefix("Value error, "))
    got = f" (reçu : {error['input']!r})" if error["type"] not in ("missing",) and not isinstance(
        error.get("input"), dict | list) else ""
    return f"{where} : {message}{got}"


def load_campaign(path: str | Path) -> Campaign:
    """Read and check a campaign YAML file; raise :class:`CampaignError` naming the bad key."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CampaignError(f"{path} : fichier de campagne illisible ({exc.strerror})") from exc
    try:
        raw = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise CampaignError(f"{path} : YAML invalide : {exc}") from exc
    if not isinstance(raw, dict):
        raise CampaignError(f"{path} : un dictionnaire YAML est attendu (campagne, annee_t0, …)")
    try:
        return Campaign.model_validate(
            {**raw, "path": str(path), "sha256": hashlib.sha256(data).hexdigest()}
        )
    except ValidationError as exc:
        messages = "\n  ".join(_describe(e, raw) for e in exc.errors())
        raise CampaignError(f"{path} : campagne invalide :\n  {messages}") from None


def campaign_for_year(campaigns: list[Campaign], year: int) -> Campaign:
    """The campaign that evaluates ``year``: the one whose ``annee`` is ``year``, or the only one."""
    matching = [c for c in campaigns if c.year == year]
    if len(matching) == 1:
        return matching[0]
    if len(campaigns) == 1:
        return campaigns[0]
    names = ", ".join(f"{c.name} ({c.year})" for c in campaigns)
    raise CampaignError(f"aucune campagne unique pour l'année {year} parmi : {names}")


@dataclass(frozen=True)
class RuleChange:
    """One difference between two campaigns (``code`` is empty for a campaign-wide rule)."""

    code: str
    label: str
    element: str
    before: str
    after: str


def _rule_text(ind: Indicator) -> dict[str, str]:
    return {
        "cible": "" if ind.target is None else str(ind.target),
        "seuils": "" if ind.thresholds is None else str([list(t) for t in ind.thresholds]),
        "règle": ind.rule,
        "sens": ind.direction,
        "poids": f"{ind.weight:g}",
        "chapitre": str(ind.chapter),
        "activités": "toutes" if ind.activities is None else ", ".join(ind.activities),
    }


def compare_campaigns(old: Campaign, new: Campaign) -> list[RuleChange]:
    """What changed from ``old`` to ``new``: weights, classes, sanction, indicators and targets."""
    changes = []
    for profile, a, b in (("avec liste en sus", old.weights.with_list, new.weights.with_list),
                          ("sans liste en sus", old.weights.without_list, new.weights.without_list)):
        if a != b:
            changes.append(RuleChange("", "", f"pondérations ({profile})", str(a), str(b)))
    if old.classes != new.classes:
        changes.append(RuleChange("", "", "classes", str(old.classes), str(new.classes)))
    for element, a, b in (("seuil de sanction", old.sanction_threshold, new.sanction_threshold),
                          ("sans sanction", old.without_sanction, new.without_sanction)):
        if a != b:
            changes.append(RuleChange("", "", element, str(a), str(b)))
    for code in sorted(set(old.by_code) | set(new.by_code)):
        before, after = old.by_code.get(code), new.by_code.get(code)
        if before is None or after is None:
            ind = after or before
            changes.append(RuleChange(code, ind.label, "indicateur", "absent" if before is None else "présent",
                                      "absent" if after is None else "présent"))
            continue
        a, b = _rule_text(before), _rule_text(after)
        changes.extend(RuleChange(code, after.label, key, a[key], b[key]) for key in a if a[key] != b[key])
    return changes
