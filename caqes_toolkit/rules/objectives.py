"""The parts of a campaign file: indicators of the catalogue, additional volets and their
objectives, targeting référentiels, sanction and weights, as typed, checked and frozen objects.

The YAML keys are French (the method's vocabulary); the Python attributes are English.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

__all__ = [
    "ACTIVITIES",
    "Condition",
    "Frozen",
    "Indicator",
    "SanctionRule",
    "Volet",
    "VoletIndicator",
    "Weights",
]

ACTIVITIES: tuple[str, ...] = ("MCO", "HAD", "DIA", "SSR", "PSY")
Rule = Literal["binaire", "cible", "seuils", "maturite"]
Direction = Literal["hausse", "baisse"]
Scope = Literal["national", "regional"]
Reference = Literal["reference_nationale", "reference_regionale"]
DataSource = Literal["etablissement", "assurance_maladie", "has"]
Weight = Annotated[float, Field(gt=0)]


class Frozen(BaseModel):
    """A campaign's part: immutable, its keys checked (an unknown key is refused)."""


    # allow_inf_nan=False: .inf and .nan are refused for every float field, nested ones included
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False)


class Condition(Frozen):
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


class _Objective(Frozen):
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
    def _points_in_range(cls, value: tuple[tuple[float, float], ...] | None) -> tuple[tuple[float, float], ...] | None:
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


class SanctionRule(Frozen):
    """How the cap of a possible sanction is estimated (labelled as an estimate in reports)."""

    cap_pct_income: float = Field(alias="plafond_pct_produits_am", ge=0, le=100)
    formula: str = Field(default="", alias="formule")


VoletRule = Literal["binaire", "cible", "seuils", "maturite", "depense", "mesure"]
ExpenseReference = Literal["debut_contrat", "annee_precedente"]


#: Where a volet objective's value comes from when its ``source_donnees`` is not given: the
#: establishment declares the value of a scored objective; an expense line and a measure come from
#: the Assurance Maladie.
_VOLET_SOURCE: dict[str, DataSource] = {"depense": "assurance_maladie", "mesure": "assurance_maladie"}


class VoletIndicator(_Objective):
    """An objective of an additional volet: the catalogue's fields without ``chapitre``, plus
    the rules ``depense`` (an expense line with a target growth rate) and ``mesure`` (recorded,
    never scored). ``source_donnees`` defaults to the establishment for a scored objective and to
    the Assurance Maladie for an expense line or a measure."""

    rule: VoletRule = Field(alias="regle")
    given_source: DataSource | None = Field(default=None, alias="source_donnees")
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
            if self.given_source == "etablissement":
                raise ValueError(f"l'indicateur {self.code} (regle: depense) : une dépense vient de l'Assurance "
                                 "Maladie (table depenses), jamais de l'établissement (source_donnees: etablissement "
                                 "refusé)")
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

    @property
    def data_source(self) -> DataSource:
        """Who gives the value: ``source_donnees``, else the default of the rule (see the class)."""
        return self.given_source or _VOLET_SOURCE.get(self.rule, "etablissement")

    @property
    def declared(self) -> bool:
        """Whether the establishment declares the value (in its self-evaluation grid)."""
        return self.data_source == "etablissement"

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
            "action": self.action, "source": self.source, "source_donnees": self.data_source})


class Volet(Frozen):
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


class Weights(Frozen):
    """Chapter weights of each profile: positive finite numbers (omit a chapter rather than weigh it 0)."""

    with_list: dict[int, Weight] = Field(alias="avec_liste_en_sus", min_length=1)
    without_list: dict[int, Weight] = Field(alias="sans_liste_en_sus", min_length=1)
