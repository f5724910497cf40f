"""Campaign files (``params/*.yml``): the whole rule set of one CAQES campaign as typed objects.

The YAML keys are French (the method's vocabulary); the Python attributes are English.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..errors import CampaignError, os_reason
from ..formats import agree

__all__ = [
    "ACTIVITIES",
    "Campaign",
    "Condition",
    "Indicator",
    "RuleChange",
    "RuleValue",
    "SanctionRule",
    "Volet",
    "VoletIndicator",
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


#: Deepest nesting a campaign file may have (the schema needs 5 levels).
MAX_DEPTH = 20
#: Structural faults listed in one message (a machine-made file may have thousands).
MAX_LISTED = 20
#: Control characters refused in any text of a campaign (tab, line feed and carriage return are allowed).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_MERGE = "tag:yaml.org,2002:merge"
#: A message of a check across the campaign that names its keys itself (« volets[0] (code X).… : … »).
_KEYED = re.compile(r"(?:volets|indicateurs)\[[0-9]+\] \(code ")
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
Weight = Annotated[float, Field(gt=0)]


class _Frozen(BaseModel):
    # allow_inf_nan=False: .inf and .nan are refused for every float field, nested ones included
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False)


class Condition(_Frozen):
    """One condition of a targeting référentiel: the value of year N (an indicator's value from
    ``resultats`` or an expense line from ``depenses``) is below ``inferieur_a``. An empty
    ``inferieur_a`` is a threshold the region has yet to fill."""

    indicator: str | None = Field(default=None, alias="indicateur", min_length=1)
    expense: str | None = Field(default=None, alias="poste", min_length=1)
    below: float | None = Field(alias="inferieur_a")
    source: str = ""

    @model_validator(mode="after")
    def _one_value(self) -> Condition:
        if (self.indicator is None) == (self.expense is None):
            raise ValueError("une condition porte soit sur « indicateur », soit sur « poste » (l'un des deux)")
        return self


Referentiel = tuple[Condition, ...]


class _Objective(_Frozen):
    """The fields a catalogue indicator and a volet objective share."""

    code: str = Field(min_length=1)
    label: str = Field(alias="libelle", min_length=1)
    scope: Scope = Field(alias="portee")
    target: float | Reference | None = Field(default=None, alias="cible")
    thresholds: tuple[tuple[float, float], ...] | None = Field(default=None, alias="seuils")
    weight: float = Field(default=1.0, alias="poids", gt=0)
    unit: str | None = Field(default=None, alias="unite")
    activities: tuple[str, ...] | None = Field(default=None, alias="activites")
    action: str = ""
    source: Literal["seed", "texte", "défaut"] = "défaut"
    referentiel: Referentiel | None = Field(default=None, min_length=1)

    @field_validator("activities")
    @classmethod
    def _known_activities(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None:
            unknown = [a for a in value if a not in ACTIVITIES]
            if unknown or not value:
                raise ValueError(f"activités attendues parmi {', '.join(ACTIVITIES)} ; reçu {value}")
        return value


class Indicator(_Objective):
    """One indicator of the catalogue and the rule that scores it."""

    chapter: int = Field(alias="chapitre")
    rule: Rule = Field(alias="regle")
    direction: Direction = Field(alias="sens")
    data_source: DataSource = Field(default="etablissement", alias="source_donnees")

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


class SanctionRule(_Frozen):
    """How the cap of a possible sanction is estimated (labelled as an estimate in reports)."""

    cap_pct_income: float = Field(alias="plafond_pct_produits_am", ge=0, le=100)
    formula: str = Field(default="", alias="formule")


VoletRule = Literal["binaire", "cible", "seuils", "maturite", "depense", "mesure"]
ExpenseReference = Literal["debut_contrat", "annee_precedente"]


class VoletIndicator(_Objective):
    """An objective of an additional volet: the catalogue's fields without ``chapitre``, plus
    the rules ``depense`` (an expense line with a target growth rate) and ``mesure`` (recorded,
    never scored)."""

    rule: VoletRule = Field(alias="regle")
    direction: Direction | None = Field(default=None, alias="sens")
    expense: str | None = Field(default=None, alias="poste", min_length=1)
    target_rate: float | dict[int, float] | None = Field(default=None, alias="taux_cible")
    reference: ExpenseReference | None = None
    targeting_threshold: float | None = Field(default=None, alias="seuil_ciblage", ge=0)

    @model_validator(mode="after")
    def _rule_needs(self) -> VoletIndicator:
        money = ("poste", "taux_cible", "reference", "seuil_ciblage")
        given = [k for k, v in zip(money, (self.expense, self.target_rate, self.reference,
                                           self.targeting_threshold)) if v is not None]
        if self.rule == "depense":
            # taux_cible may be given empty: a national rate not found, for the region to fill
            present = given + (["taux_cible"] if "target_rate" in self.model_fields_set else [])
            missing = [k for k in ("poste", "taux_cible", "reference") if k not in present]
            if missing:
                raise ValueError(f"l'indicateur {self.code} (regle: depense) demande la clé "
                                 f"« {missing[0]} »")
            if isinstance(self.target_rate, dict) and not self.target_rate:
                raise ValueError(f"l'indicateur {self.code} : taux_cible sans aucune année")
            return self
        if given:
            raise ValueError(f"l'indicateur {self.code} (regle: {self.rule}) n'accepte pas "
                             f"« {given[0]} » (réservé à la règle depense)")
        if self.rule == "mesure":
            return self
        if self.direction is None:
            raise ValueError(f"l'indicateur {self.code} (regle: {self.rule}) demande la clé « sens »")
        try:
            self.as_indicator(1)  # the socle's checks of cible and seuils
        except ValidationError as exc:
            raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
        return self

    @field_validator("target_rate")
    @classmethod
    def _rate_above_minus_100(cls, value: float | dict[int, float] | None) -> float | dict[int, float] | None:
        rates = value.items() if isinstance(value, dict) else [(None, value)] if value is not None else []
        for year, rate in rates:
            if rate <= -100:
                when = f" (année {year})" if year is not None else ""
                raise ValueError(f"un taux supérieur à −100 %/an est attendu{when} : à −100 % ou moins, l'objectif de "
                                 "dépenses serait nul ou négatif, et toute dépense deviendrait un dépassement")
        return value

    def rate(self, year: int) -> float | None:
        """Target growth rate (%/year) of ``year``; None when the campaign gives none."""
        if isinstance(self.target_rate, dict):
            return self.target_rate.get(year)
        return self.target_rate

    def as_indicator(self, chapter: int) -> Indicator:
        """The same objective as a catalogue indicator (to be scored as the socle scores it)."""
        return Indicator.model_validate({
            "code": self.code, "libelle": self.label, "chapitre": chapter, "portee": self.scope,
            "regle": self.rule, "sens": self.direction, "cible": self.target, "seuils": self.thresholds,
            "poids": self.weight, "unite": self.unit, "activites": self.activities,
            "action": self.action, "source": self.source})


class Volet(_Frozen):
    """An additional volet (transports, pertinence, qualité): its objectives and money rules."""

    code: str = Field(min_length=1)
    label: str = Field(alias="libelle", min_length=1)
    share_savings: float | None = Field(default=None, alias="part_interessement", ge=0, le=100)
    share_overrun: float | None = Field(default=None, alias="part_reversement", ge=0, le=100)
    cap_pct_income: float | None = Field(default=None, alias="plafond", ge=0, le=100)
    achievement_threshold: float | None = Field(default=None, alias="seuil_atteinte", ge=0, le=100)
    source: str = ""
    indicators: tuple[VoletIndicator, ...] = Field(alias="indicateurs", min_length=1)

    @property
    def expenses(self) -> tuple[VoletIndicator, ...]:
        return tuple(i for i in self.indicators if i.rule == "depense")

    @property
    def scored(self) -> tuple[VoletIndicator, ...]:
        return tuple(i for i in self.indicators if i.rule not in ("depense", "mesure"))


class Weights(_Frozen):
    """Chapter weights of each profile: positive finite numbers (omit a chapter rather than weigh it 0)."""

    with_list: dict[int, Weight] = Field(alias="avec_liste_en_sus", min_length=1)
    without_list: dict[int, Weight] = Field(alias="sans_liste_en_sus", min_length=1)


#: Keys a first-generation campaign must give; a second-generation one must not give them.
FIRST_GENERATION_KEYS = ("annee_t0", "seuil_sanction", "classes", "ponderations", "chapitres", "indicateurs")
#: Keys of the socle's sanction and chapters, refused in a second-generation campaign (incentive only).
_REFUSED_KEYS = ("sanction", "chapitres_courts")
_VOLET_SANCTION_KEYS = ("part_reversement", "seuil_atteinte", "plafond")


def _second_generation_faults(raw: dict) -> list[str]:
    """Keys of a second-generation campaign that ask for a socle, a sanction or a reversement."""
    why = ("une campagne de deuxième génération (generation: 2) est évaluée par ses seuls volets "
           "incitatifs : ni socle, ni classe, ni sanction, ni reversement ; retirez cette clé")
    faults = [f"{key} : {why}" for key in (*FIRST_GENERATION_KEYS, *_REFUSED_KEYS) if key in raw]
    if raw.get("sans_sanction") is False:
        faults.append(f"sans_sanction : false refusé ; {why}")
    volets = raw.get("volets")
    for k, volet in enumerate(volets if isinstance(volets, list) else []):
        if not isinstance(volet, dict):
            continue
        where = f"volets[{k}] (code {volet.get('code', '?')})"
        faults += [f"{where}.{key} : {why}" for key in _VOLET_SANCTION_KEYS if key in volet]
        indicators = volet.get("indicateurs")
        for j, ind in enumerate(indicators if isinstance(indicators, list) else []):
            if isinstance(ind, dict) and ind.get("reference", "annee_precedente") != "annee_precedente":
                faults.append(f"{where}.indicateurs[{j}] (code {ind.get('code', '?')}).reference : "
                              f"{ind['reference']!r} refusé ; une campagne de deuxième génération mesure les "
                              "économies sur l'année précédente (reference: annee_precedente)")
    return faults


class Campaign(_Frozen):
    """The rule set of one campaign, as read from its YAML file.

    ``generation`` 1 (2018–2021): the socle (chapters, weights, classes, sanction) and optional
    volets. ``generation`` 2 (contracts from 1 July 2022): volets incitatifs only, savings against
    the previous year, an intéressement and never a sanction nor a reversement.
    """

    name: str = Field(alias="campagne", min_length=1)
    generation: Literal[1, 2] = 1
    year: int | None = Field(default=None, alias="annee")
    t0_year: int | None = Field(default=None, alias="annee_t0")
    without_sanction: bool = Field(default=False, alias="sans_sanction")
    sanction_threshold: float | None = Field(default=None, alias="seuil_sanction", ge=0, le=100)
    classes: dict[str, float] = Field(default_factory=dict)
    weights: Weights | None = Field(default=None, alias="ponderations")
    chapters: dict[int, str] = Field(default_factory=dict, alias="chapitres")
    short_chapters: dict[int, str] = Field(default_factory=dict, alias="chapitres_courts")
    indicators: tuple[Indicator, ...] = Field(default=(), alias="indicateurs")
    sanction: SanctionRule | None = None
    volets: tuple[Volet, ...] = ()
    grid_deadline: dt.date | str | None = Field(default=None, alias="date_limite_grille")
    ars_contact: str | None = Field(default=None, alias="contact_ars")
    phase_2_date: dt.date | str | None = Field(default=None, alias="date_phase_2")
    path: str | None = Field(default=None, exclude=True)
    sha256: str | None = Field(default=None, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _generation_keys(cls, raw: object) -> object:
        """A first-generation campaign gives its socle; a second-generation one gives none, and
        no sanction nor reversement (each offending key named)."""
        if not isinstance(raw, dict):
            return raw
        names = {f.alias: name for name, f in cls.model_fields.items() if f.alias}
        raw_keys = {names.get(k, k) for k in raw}  # given by YAML alias or by Python name
        if raw.get("generation") == 2:
            faults = _second_generation_faults(raw)
            if faults:
                raise ValueError("\n  ".join(faults))
            return {**{k: v for k, v in raw.items() if k != "without_sanction"}, "sans_sanction": True}
        missing = [key for key in FIRST_GENERATION_KEYS if names.get(key, key) not in raw_keys]
        if missing and raw.get("generation", 1) == 1:
            raise ValueError(f"{agree(len(missing), 'clé obligatoire absente', 'clés obligatoires absentes')} : "
                             f"{', '.join(missing)} (campagne de première "
                             "génération ; « generation: 2 » pour une campagne de deuxième génération, "
                             "évaluée par ses seuls volets)")
        return raw

    @field_validator("t0_year")
    @classmethod
    def _t0_before_year(cls, value: int | None, info: ValidationInfo) -> int | None:
        year = info.data.get("year")
        if year is not None and value is not None and value >= year:
            raise ValueError(f"le T0 doit précéder l'année évaluée (annee: {year}) : le T0 est le point "
                             "de départ, avant la première année évaluée")
        return value

    @field_validator("classes")
    @classmethod
    def _classes_sorted(cls, value: dict[str, float]) -> dict[str, float]:
        bounds = list(value.values())
        if not value or bounds != sorted(bounds, reverse=True) or len(set(bounds)) != len(bounds):
            raise ValueError("bornes de classes attendues strictement décroissantes (A: 80, B: 70, …)")
        if max(bounds) > 100 or min(bounds) < 0:
            raise ValueError("bornes de classes attendues entre 0 et 100 (score global en %)")
        if min(bounds) != 0:
            raise ValueError("la dernière classe doit avoir la borne 0")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Campaign:
        if self.generation == 2:
            if not self.volets:
                raise ValueError("une campagne de deuxième génération demande au moins un volet (clé « volets »)")
            return self
        if not self.indicators:
            raise ValueError("indicateurs : au moins un indicateur du socle est attendu")
        codes = [i.code for i in self.indicators]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"codes d'indicateurs en double : {', '.join(duplicates)}")
        for ind in self.indicators:
            if ind.chapter not in self.chapters:
                raise ValueError(f"l'indicateur {ind.code} cite le chapitre {ind.chapter} absent de « chapitres »")
        if set(self.short_chapters) - set(self.chapters):
            raise ValueError("chapitres_courts cite des chapitres absents de « chapitres »")
        for profile, table in self._weight_tables():
            unknown = set(table) - set(self.chapters)
            if unknown:
                raise ValueError(f"ponderations.{profile} cite des chapitres inconnus : {sorted(unknown)}")
        return self

    @model_validator(mode="after")
    def _volet_codes(self) -> Campaign:
        volets = [v.code for v in self.volets]
        twice = sorted({c for c in volets if volets.count(c) > 1})
        if twice:
            raise ValueError(f"codes de volets en double : {', '.join(twice)}")
        codes = [i.code for i in self.indicators] + [i.code for v in self.volets for i in v.indicators]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"codes d'indicateurs en double (socle et volets) : {', '.join(twice)}")
        for _, ind in self.with_referentiel:
            unknown = [c.indicator for c in ind.referentiel or () if c.indicator and c.indicator not in codes]
            if unknown:
                raise ValueError(f"l'indicateur {ind.code} : son referentiel cite l'indicateur {unknown[0]}, "
                                 "absent de la campagne")
        faults = [*self._shared_expense_lines(), *self._referentiel_faults()]
        if faults:
            raise ValueError("\n  ".join(faults))
        return self

    def _key(self, volet: Volet | None, ind: Indicator | VoletIndicator) -> str:
        """An indicator's key path as the campaign file writes it: ``volets[0] (code X).indicateurs[2] (code Y)``."""
        if volet is None:
            return f"indicateurs[{self.indicators.index(ind)}] (code {ind.code})"
        return (f"volets[{self.volets.index(volet)}] (code {volet.code}).indicateurs[{volet.indicators.index(ind)}] "
                f"(code {ind.code})")

    def _shared_expense_lines(self) -> list[str]:
        """An expense line (``poste``) measured by two ``depense`` objectives would pay the same savings
        twice (or claw back the same overrun twice): refused, naming both keys."""
        first: dict[str, str] = {}
        faults = []
        for volet in self.volets:
            for line in volet.expenses:
                key = f"{self._key(volet, line)}.poste"
                if line.expense in first:
                    faults.append(f"{key} : le poste « {line.expense} » est déjà celui de {first[line.expense]} ; un "
                                  "poste ne peut être l'objectif de dépenses que d'un seul indicateur (les mêmes "
                                  "économies compteraient deux fois dans l'intéressement)")
                first.setdefault(str(line.expense), key)
        return faults

    def _referentiel_faults(self) -> list[str]:
        """Référentiel conditions that could never be evaluated: on a ``poste`` that no ``depense``
        objective measures, or on a ``depense`` objective (its value lives in depenses, never in
        resultats: the condition would always read « donnée manquante »)."""
        lines = {i.expense for v in self.volets for i in v.expenses}
        expense_of = {i.code: i.expense for v in self.volets for i in v.expenses}
        faults = []
        for volet, ind in self.with_referentiel:
            for k, condition in enumerate(ind.referentiel or ()):
                key = f"{self._key(volet, ind)}.referentiel[{k}]"
                if condition.expense is not None and condition.expense not in lines:
                    known = ", ".join(sorted(str(x) for x in lines)) or "aucun"
                    faults.append(f"{key}.poste : poste « {condition.expense} » inconnu : aucun objectif « regle: "
                                  f"depense » ne le mesure (postes de la campagne : {known})")
                if condition.indicator in expense_of:
                    faults.append(f"{key}.indicateur : {condition.indicator} est un objectif de dépenses, dont la "
                                  "valeur n'est jamais dans resultats (la condition lirait toujours « donnée "
                                  f"manquante ») ; écrire « poste: {expense_of[condition.indicator]} »")
        return faults

    def _weight_tables(self) -> tuple[tuple[str, dict[int, float]], ...]:
        if self.weights is None:
            return ()
        return (("avec_liste_en_sus", self.weights.with_list), ("sans_liste_en_sus", self.weights.without_list))

    @property
    def second_generation(self) -> bool:
        return self.generation == 2

    @cached_property
    def volet_by_code(self) -> dict[str, Volet]:
        return {v.code: v for v in self.volets}

    @cached_property
    def volet_indicators(self) -> dict[str, tuple[Volet, VoletIndicator]]:
        """Every volet objective by code, with its volet."""
        return {i.code: (v, i) for v in self.volets for i in v.indicators}

    @cached_property
    def expense_lines(self) -> tuple[str, ...]:
        """Expense lines (``poste``) of the volets' ``depense`` objectives, sorted."""
        lines = {i.expense for v in self.volets for i in v.expenses if i.expense}
        conditions = [c for _, i in self.with_referentiel for c in i.referentiel or ()]
        return tuple(sorted(lines | {c.expense for c in conditions if c.expense}))

    @cached_property
    def with_referentiel(self) -> tuple[tuple[Volet | None, Indicator | VoletIndicator], ...]:
        """Every indicator carrying a targeting ``referentiel`` (socle first, volet None), in file order."""
        socle = [(None, i) for i in self.indicators if i.referentiel]
        return (*socle, *((v, i) for v in self.volets for i in v.indicators if i.referentiel))

    @cached_property
    def by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}

    @cached_property
    def warnings(self) -> tuple[str, ...]:
        """Doubtful but usable rules (French sentences): weights of a profile that do not sum to 100."""
        out = []
        for profile, table in self._weight_tables():
            total = sum(table.values())
            if abs(total - 100) > 1e-9:
                out.append(f"campagne {self.name} : les poids de ponderations.{profile} totalisent {total:g} "
                           "et non 100 ; le score global reste la moyenne pondérée des chapitres (seules les "
                           "proportions comptent), mais vérifiez qu'aucun chapitre ne manque ou n'est mal pesé.")
        return tuple(out)

    def applies_to(self, year: int) -> bool:
        """Whether these are the rules of ``year`` (a campaign without ``annee`` fits any year)."""
        return self.year is None or self.year == year

    def label_for(self, year: int) -> str:
        """Campaign name as outputs show it for ``year``, saying when the rules are another year's."""
        return self.name if self.applies_to(year) else f"{self.name} (règles appliquées à {year})"

    def other_year_notice(self, year: int) -> str | None:
        """The notice shown when ``year`` is evaluated under another year's rules, else None."""
        if self.applies_to(year):
            return None
        return (f"Attention : l'année {year} est évaluée ici avec les règles de la campagne {self.name} "
                f"(année {self.year}), à la demande expresse de l'utilisateur (option --allow-other-year ou "
                f"paramètre autre_annee). "
                f"Ce ne sont pas les règles de la campagne {year} : ces résultats ne sont pas ceux de "
                f"l'évaluation {year}.")

    def short_label(self, chapter: int) -> str:
        """Short name of a chapter for charts and sentences (``chapitres_courts``, else the name)."""
        return self.short_chapters.get(chapter) or self.chapters[chapter]

    def chapter_weights(self, with_list: bool) -> dict[int, float]:
        """Weight table of a profile (establishment with or without liste en sus)."""
        if self.weights is None:  # a second-generation campaign has no socle
            return {}
        return dict(self.weights.with_list if with_list else self.weights.without_list)

    def grade(self, score: float) -> str:
        """Class of a global score (rounded to 6 decimals so float noise never moves a boundary)."""
        rounded = round(score, 6)
        for name, bound in self.classes.items():
            if rounded >= bound:
                return name
        return list(self.classes)[-1]


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
    where = ".".join(parts) or "(racine)"
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


def _messages(exc: ValidationError, raw: dict) -> list[str]:
    """One line per faulty key; the alternatives of a union (a number or a keyword) on one line."""
    by_key: dict[str, tuple[list[str], str]] = {}
    for error in exc.errors():
        where, message, got = _describe(error, raw)
        by_key.setdefault(where, ([], got))[0].append(message)
    return [f"{where} : {' ; ou '.join(messages)}{got}" if not _KEYED.match(messages[0]) else messages[0]
            for where, (messages, got) in by_key.items()]


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
        where = f"{path or '(racine)'} (ligne {node.start_mark.line + 1})"
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


def _read_yaml(path: Path, data: bytes) -> object:
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


def load_campaign(path: str | Path) -> Campaign:
    """Read and check a campaign YAML file; raise :class:`CampaignError` naming the bad key."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CampaignError(f"{path} : fichier de campagne illisible ({os_reason(exc)})") from exc
    raw = _read_yaml(path, data)
    if not isinstance(raw, dict):
        raise CampaignError(f"{path} : un dictionnaire YAML est attendu (campagne, annee_t0, …)")
    try:
        return Campaign.model_validate(
            {**raw, "path": str(path), "sha256": hashlib.sha256(data).hexdigest()}
        )
    except ValidationError as exc:
        raise CampaignError(f"{path} : campagne invalide :\n  " + "\n  ".join(_messages(exc, raw))) from None


def _suggested_file(campaigns: list[Campaign], year: int) -> str:
    """Where the campaign file of ``year`` would be: a given file's name with its year replaced."""
    for c in campaigns:
        if c.path and c.year is not None and str(c.year) in Path(c.path).name:
            given = Path(c.path)
            return str(given.with_name(given.name.replace(str(c.year), str(year))))
    return f"params/caqes-{year}.yml"


def campaign_for_year(campaigns: list[Campaign], year: int, allow_other_year: bool = False) -> Campaign:
    """The campaign that evaluates ``year``: the one whose ``annee`` is ``year``.

    A campaign without ``annee`` (a generic rule set) fits any year after its T0, when it is the
    only campaign given. With ``allow_other_year``, the only campaign given evaluates any year
    (outputs then say so: :meth:`Campaign.label_for`). Otherwise :class:`CampaignError` names the
    file to add.
    """
    matching = [c for c in campaigns if c.year == year]
    if len(matching) > 1:
        names = ", ".join(str(c.path or c.name) for c in matching)
        raise CampaignError(f"plusieurs campagnes pour {year} ({names}) : n'en passez qu'une par année")
    if matching:
        return matching[0]
    given = ", ".join(f"{c.name} ({'annee: ' + str(c.year) if c.year is not None else 'sans annee'})"
                      for c in campaigns)
    if len(campaigns) == 1 and (allow_other_year or (campaigns[0].year is None and year > (campaigns[0].t0_year or 0))):
        return campaigns[0]
    if len(campaigns) > 1 and allow_other_year:
        raise CampaignError(f"aucune campagne pour {year} parmi {given} : pour appliquer à {year} les règles "
                            "d'une autre année, ne passez que cette campagne")
    if len(campaigns) == 1 and campaigns[0].year is None:
        raise CampaignError(f"l'année {year} n'est pas postérieure au T0 ({campaigns[0].t0_year}) de la "
                            f"campagne {campaigns[0].name} : elle ne peut pas être évaluée avec ces règles")
    raise CampaignError(
        f"aucune campagne pour {year} : ajoutez --campaign {_suggested_file(campaigns, year)} (fichier dont "
        f"annee: {year}) ; {agree(len(campaigns), 'campagne reçue', 'campagnes reçues')} : {given}. Pour appliquer "
        f"malgré tout à {year} les règles "
        "d'une autre année : option --allow-other-year (paramètre autre_annee=True des notebooks) ; les "
        "sorties le signalent.")


#: A rule's value as the campaign file gives it (None when absent): a number, a text, a flag, a
#: weights or classes table, thresholds or activities.
RuleValue = (float | str | bool | None | dict[int, float] | dict[str, float] | tuple[str, ...]
             | tuple[tuple[float, float], ...])


@dataclass(frozen=True)
class RuleChange:
    """One difference between two campaigns.

    ``field`` is the campaign file's key (``cible``, ``seuils``, ``seuil_sanction``,
    ``ponderations.avec_liste_en_sus``…; ``indicateur`` for an indicator added or removed, whose
    values are then whether it is present); ``before`` and ``after`` are its typed values.
    ``code`` and ``label`` name the indicator, empty for a campaign-wide rule.
    """

    code: str
    label: str
    field: str
    before: RuleValue
    after: RuleValue


#: Indicator fields compared between campaigns: campaign file key → attribute.
_INDICATOR_FIELDS = {"cible": "target", "seuils": "thresholds", "regle": "rule", "sens": "direction",
                     "poids": "weight", "chapitre": "chapter", "activites": "activities"}


def compare_campaigns(old: Campaign, new: Campaign) -> list[RuleChange]:
    """What changed from ``old`` to ``new``: weights, classes, sanction, indicators and targets."""
    weights_old, weights_new = dict(old._weight_tables()), dict(new._weight_tables())
    campaign_wide: list[tuple[str, RuleValue, RuleValue]] = [
        ("generation", old.generation, new.generation),
        *((f"ponderations.{key}", weights_old.get(key), weights_new.get(key))
          for key in dict.fromkeys((*weights_old, *weights_new))),
        ("classes", old.classes, new.classes),
        ("seuil_sanction", old.sanction_threshold, new.sanction_threshold),
        ("sans_sanction", old.without_sanction, new.without_sanction),
    ]
    changes = [RuleChange("", "", field, a, b) for field, a, b in campaign_wide if a != b]
    for code in sorted(set(old.by_code) | set(new.by_code)):
        before, after = old.by_code.get(code), new.by_code.get(code)
        if before is None or after is None:
            label = next(i.label for i in (after, before) if i is not None)
            changes.append(RuleChange(code, label, "indicateur", before is not None, after is not None))
            continue
        changes.extend(RuleChange(code, after.label, key, getattr(before, name), getattr(after, name))
                       for key, name in _INDICATOR_FIELDS.items() if getattr(before, name) != getattr(after, name))
    return changes
